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
//
// # A hostile world
//
// The server has PHP's habits on (okayapitest.WithQuirks). SetWorld makes
// the service behave as a production MySQL one may, for every call: a
// replica lag, equal add_time rows in another order on each read, a
// chat-list row moving between offset pages, perpage ignored (see World).
// Store seeds messages, from a system sender that is no uuid too. The
// one-shot faults, an early gateway 504 among them, are okayapitest's
// (Server.InjectFault).
package chatmsgtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
	world     World
	shifts    map[string]int // GetAllChatList reads by member, for World.ShiftPages
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
	p := &Plugin{installed: true, shifts: map[string]int{}}
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

// World is how the plugin's service behaves beyond what the reference
// says, as a production MySQL service may: settings that hold for every
// call until changed (SetWorld), where faults (okayapitest.Fault) spoil
// one call. The zero World is the kindest: no lag, stable order, perpage
// honoured.
type World struct {
	// Lag is a replica's lag: a stored message shows in TakeMessageList,
	// GetAllChatList and GetAllUnreadNum only Lag after it was stored, by
	// the server's clock (okayapitest.WithClock). Send, MultiSend and
	// MarkAsReaded work on the primary and see every message.
	Lag time.Duration
	// ShuffleTies orders rows with the same add_time (to the second)
	// differently on each read, as MySQL does with no tie-breaker in ORDER
	// BY: the messages within a TakeMessageList page (which messages are
	// on the page still follows last_id and the ids), and the
	// conversations of GetAllChatList before they are paged.
	ShuffleTies bool
	// ShiftPages moves a row between offset pages: each GetAllChatList
	// read by a member moves the last conversation of its list to the top
	// (as a conversation whose sort key changed between two reads), so
	// that of two pages read one after the other one row is read twice
	// and another not at all.
	ShiftPages bool
	// PerPage, above 0, is how many rows TakeMessageList and
	// GetAllChatList answer (and GetAllChatList's page size), whatever
	// perpage asks: a service that ignores it answers e.g. 100.
	PerPage int
}

// SetWorld sets how the service behaves from the next call on (see World).
func (p *Plugin) SetWorld(w World) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.world = w
}

// Store stores m as if it had been sent, and returns it with its new ID.
// From and To may be any text, a system sender ("system") included, and
// are kept as given (member uuids are upper case). Type defaults to
// "text", Data to {} and SentAt to now; Data must be a JSON object. It
// panics for Data that is not: a mistake in the test.
func (p *Plugin) Store(m StoredMessage) StoredMessage {
	if m.Type == "" {
		m.Type = "text"
	}
	if len(m.Data) == 0 {
		m.Data = json.RawMessage("{}")
	}
	data, err := decodeObject(m.Data)
	if err != nil {
		panic("chatmsgtest: Store: Data is not a JSON object: " + err.Error())
	}
	if m.SentAt.IsZero() {
		m.SentAt = time.Now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m.ID = int64(len(p.messages) + 1)
	p.messages = append(p.messages, &message{
		id: m.ID, from: m.From, to: m.To, typ: m.Type, raw: string(m.Data), data: data, read: m.Read, sentAt: m.SentAt,
	})
	return m
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

// decodeObject reads a JSON object into the answers' value model, as PHP's
// json_decode would (numbers that are integers stay integers).
func decodeObject(raw []byte) (okayapitest.Object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more after the object")
	}
	obj, ok := v.(okayapitest.Object)
	if !ok {
		return nil, errors.New("not an object")
	}
	return obj, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			obj := okayapitest.Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, okayapitest.Field{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return obj, err
		}
		items := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		_, err := dec.Token()
		return items, err
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, nil
		}
		return t.Float64()
	}
	return tok, nil // string, bool or nil
}
