// Package chatmsg is OkayAPI's private-message plugin (私信插件,
// App.Market_ChatMessage): send a message to one member or many, read a
// conversation, mark it read, list conversations and count unread messages.
//
// Every call acts for a member, given as an okayapi.Member (uuid and token),
// so one Service serves any number of members at once. Parameters are checked
// before anything is sent; a rejected call returns an *okayapi.InvalidParamError
// naming the field and the rule. Answers come back as Go types: ids as int64,
// read flags as bool, times as time.Time, messages as Text, HTML, Image, Link,
// Custom (or Unknown). The plugin's err_codes match the sentinel errors below
// through errors.Is.
//
// Beyond the reference's six calls (Send, MultiSend, TakeMessageList,
// MarkAsReaded, GetAllChatList, GetAllUnreadNum): History and Chats walk
// every page. Package chatmsg/watch delivers each new message once, across
// restarts; package chatmsg/broadcast sends to any number of members; and
// package chatmsg/exactlyonce stores a message exactly once although the
// service has no idempotency keys.
package chatmsg

import (
	"context"
	"strconv"

	"github.com/okayapi-go/sdk/chatmsg/internal/callctx"
	"github.com/okayapi-go/sdk/okayapi"
)

// Service names of the plugin's six calls.
const (
	ServiceSend            = "App.Market_ChatMessage.Send"
	ServiceMultiSend       = "App.Market_ChatMessage.MultiSend"
	ServiceTakeMessageList = "App.Market_ChatMessage.TakeMessageList"
	ServiceMarkAsReaded    = "App.Market_ChatMessage.MarkAsReaded"
	ServiceGetAllChatList  = "App.Market_ChatMessage.GetAllChatList"
	ServiceGetAllUnreadNum = "App.Market_ChatMessage.GetAllUnreadNum"
)

// Limits the service documents.
const (
	MaxRecipients = 200 // MultiSend's other_uuid
	MaxPerPage    = 100 // TakeMessageList's and GetAllChatList's perpage
	MaxPage       = 100 // GetAllChatList's page
)

// Service calls the private-message plugin through an okayapi.Client.
// It is safe for concurrent use.
type Service struct {
	c       *okayapi.Client
	maxSize int // WithMaxMessageSize; checked by Send and MultiSend
}

// defaultMaxMessageSize is the cap on a message's encoded size without
// WithMaxMessageSize.
const defaultMaxMessageSize = 64 << 10

// Option configures a Service made by New.
type Option func(*Service)

// WithMaxMessageSize sets the cap, in bytes, on a message's encoded size: the
// JSON of chat_message_data exactly as it is sent (compact, UTF-8, so a
// Chinese character counts 3 bytes and a quote 2). Send and MultiSend refuse
// a larger message before sending it, with an *okayapi.InvalidParamError for
// chat_message_data. The default is 64 KiB: the service keeps a message in a
// MySQL TEXT column, which holds 65,535 bytes, and anything larger is a
// mistake (a file pasted as text, a runaway loop). The cap is not a promise
// that the service stores everything below it: PHP may re-encode the data
// larger (a Chinese character as a 6-byte \uXXXX escape).
//
// n must be positive: New panics otherwise (see New).
func WithMaxMessageSize(n int) Option { return func(s *Service) { s.maxSize = n } }

// New returns the plugin's calls on c, with the options given (later ones
// win).
//
// New panics on an invalid option, such as WithMaxMessageSize(0): options
// are fixed in the program, like the interval of time.NewTicker, so a bad
// one is a programming error, reported once where the Service is made rather
// than by every call, and New keeps a single result.
func New(c *okayapi.Client, opts ...Option) *Service {
	s := &Service{c: c, maxSize: defaultMaxMessageSize}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.maxSize <= 0 {
		panic("chatmsg: WithMaxMessageSize(" + strconv.Itoa(s.maxSize) + "): the cap must be a positive number of bytes")
	}
	return s
}

// begin checks what every call needs before anything else: a context and a
// logged-in member (a 32-character uuid and a token).
func begin(ctx context.Context, member okayapi.Member) error {
	if ctx == nil {
		return &okayapi.InvalidParamError{Field: "ctx", Rule: "must not be nil (use context.Background() or context.TODO())"}
	}
	if member == (okayapi.Member{}) {
		return &okayapi.InvalidParamError{Field: "member", Rule: "is required: every chat call acts for a logged-in member (uuid and token)"}
	}
	return member.Validate()
}

// do is the one way the six calls reach the service: Client.Do with the
// plugin's err_codes. Reads and marks are idempotent; sends are not.
func (s *Service) do(ctx context.Context, member okayapi.Member, service string, params any, idempotent bool, out any) (*okayapi.Response, error) {
	if err := callctx.Wait(ctx); err != nil { // a watch's requests share one budget
		return nil, err
	}
	return s.c.Do(ctx, &okayapi.Request{Service: service, Member: member, Params: params, Idempotent: idempotent, Codes: codeErr}, out)
}
