// Package chatmsgtest is a fake of OkayAPI's private-message plugin
// (App.Market_ChatMessage.*, the service package chatmsg calls), for tests
// and demos. It runs on an okayapitest.Server, which checks the signature,
// the parameters and the login first, as the hosted service does:
//
//	srv, plugin := chatmsgtest.NewServer(t)
//	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
//	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
//	chat := chatmsg.New(okayapitest.NewClient(t, srv))
//	… chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"}) …
//	plugin.Messages() // what the plugin stored
//
// It is an independent server-side implementation: it does not use package
// chatmsg, so that a test against it checks the SDK rather than agreeing
// with it.
//
// # What it answers
//
// The six calls of the reference, with its parameter rules (other_uuid 32
// characters, chat_message_type one of text/html/image/link/custom and text
// by default, chat_message_data a JSON object, perpage 1–100 and 20 by
// default, page 1–100, MultiSend 1–200 recipients), all needing a logged-in
// member. When the plugin is not installed (SetInstalled), every call
// answers err_code 9 after those checks. Send and MultiSend answer err_code
// 1 for a message to yourself and 2 for a recipient who is not a member
// (MultiSend stores nothing then); TakeMessageList answers err_code 1 for a
// conversation with yourself.
//
// Stored messages get ids 1, 2, 3, …; a message is read or unread for its
// recipient. TakeMessageList lists ascending by id: the newest page, the
// page after last_id (down) or the page before it (up); chat_message_io is
// "in" for a message the viewer sent and "out" for one it received, as the
// reference says, and unread_num counts what the viewer received unread in
// the conversation. MarkAsReaded with chat_message_id 0 marks what the
// viewer received from other_uuid, otherwise that one message if the viewer
// received it from other_uuid, and answers readed_num. GetAllChatList has
// one row per conversation, newest first, with the other member's username
// and ext_info as user, and total. GetAllUnreadNum answers unread_num. Send
// answers no id unless SetSendReturnsID; MultiSend answers detail, one
// other_uuid and chat_message_id per recipient. Times (add_time) are the
// server's clock (okayapitest.WithClock) in China time.
package chatmsgtest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// Plugin is the private-message plugin installed on a fake app: its state
// and its switches. It is safe for concurrent use.
type Plugin struct {
	mu        sync.Mutex
	installed bool
	sendID    bool
	messages  []*message // messages[i].id == i+1
}

type message struct {
	id     int64
	from   string // sender uuid
	to     string // recipient uuid
	typ    string
	raw    string             // chat_message_data as received
	data   okayapitest.Object // chat_message_data as PHP decoded it
	read   bool
	sentAt time.Time
}

// Install registers the plugin's six services on srv and returns the
// plugin, installed, with no messages. It panics if they are registered on
// srv already.
func Install(srv *okayapitest.Server) *Plugin {
	p := &Plugin{installed: true}
	for _, svc := range p.services() {
		srv.Handle(svc)
	}
	return p
}

// NewServer starts a fake app for a test with the plugin installed, as
// okayapitest.NewServer and Install do: it fails t if the server cannot
// start, and closes it when the test ends.
func NewServer(t testing.TB, opts ...okayapitest.Option) (*okayapitest.Server, *Plugin) {
	t.Helper()
	srv := okayapitest.NewServer(t, opts...)
	return srv, Install(srv)
}

// SetInstalled installs or uninstalls the plugin (installed at first).
// While it is not installed, every call answers err_code 9; stored messages
// are kept either way.
func (p *Plugin) SetInstalled(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.installed = on
}

// SetSendReturnsID makes Send answer the new message's id as
// data.chat_message_id (at first it does not: the reference documents no id).
func (p *Plugin) SetSendReturnsID(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendID = on
}

// StoredMessage is a message as the plugin keeps it.
type StoredMessage struct {
	ID     int64           // the message id, from 1
	From   string          // sender uuid
	To     string          // recipient uuid
	Type   string          // text/html/image/link/custom
	Data   json.RawMessage // chat_message_data exactly as received
	Read   bool            // read by the recipient
	SentAt time.Time       // when the plugin stored it (add_time)
}

// Messages returns a copy of every stored message, by id ascending.
func (p *Plugin) Messages() []StoredMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]StoredMessage, len(p.messages))
	for i, m := range p.messages {
		out[i] = StoredMessage{
			ID: m.id, From: m.from, To: m.to, Type: m.typ,
			Data: json.RawMessage(m.raw), Read: m.read, SentAt: m.sentAt,
		}
	}
	return out
}
