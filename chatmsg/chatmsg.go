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
package chatmsg

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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

// The plugin's documented err_codes, for errors.Is. The *okayapi.PluginError
// that wraps one keeps the code and the service's err_msg.
var (
	// ErrSelf is err_code 1: a member cannot send to, or chat with, itself.
	ErrSelf = errors.New("chatmsg: cannot send to or chat with yourself")
	// ErrSendFailed is err_code 2: the service could not store the message.
	ErrSendFailed = errors.New("chatmsg: send failed")
	// ErrNotInstalled is err_code 9: the private-message plugin is not
	// installed for this app.
	ErrNotInstalled = errors.New("chatmsg: private-message plugin not installed")
	// ErrUnknownCode is any other non-zero err_code.
	ErrUnknownCode = errors.New("chatmsg: undocumented err_code")
)

func codeErr(code int) error {
	switch code {
	case 1:
		return ErrSelf
	case 2:
		return ErrSendFailed
	case 9:
		return ErrNotInstalled
	}
	return ErrUnknownCode
}

// Direction says who sent a message, from the acting member's point of view.
type Direction int

const (
	// DirectionUnknown is a chat_message_io value this SDK does not know.
	DirectionUnknown Direction = iota
	// Sent: the acting member sent the message (the service's "in").
	Sent
	// Received: the acting member received the message (the service's "out").
	Received
)

// String returns "sent", "received" or "unknown".
func (d Direction) String() string {
	switch d {
	case Sent:
		return "sent"
	case Received:
		return "received"
	}
	return "unknown"
}

// parseDirection follows the reference: "in" is a message the member sent.
func parseDirection(io string) Direction {
	switch strings.ToLower(strings.TrimSpace(io)) {
	case "in":
		return Sent
	case "out":
		return Received
	}
	return DirectionUnknown
}

// Service calls the private-message plugin through an okayapi.Client.
// It is safe for concurrent use.
type Service struct {
	c       *okayapi.Client
	maxSize int // WithMaxMessageSize; checked by Send and MultiSend
}

// DefaultMaxMessageSize is the default cap, in bytes, on a message's encoded
// size: the JSON of chat_message_data exactly as it is sent (compact, UTF-8,
// so a Chinese character counts 3 bytes and a quote 2). Send and MultiSend
// refuse a larger message before sending it, with an
// *okayapi.InvalidParamError for chat_message_data.
//
// Why 64 KiB: the service keeps a message in a MySQL TEXT column, which holds
// 65,535 bytes, and no real chat message comes near that; anything larger is
// a mistake (a file pasted as text, a runaway loop) that would go out as a
// request of that size and be cut or refused by the service. The cap is not a
// promise that the service stores everything below it: PHP may re-encode the
// data larger (a Chinese character as a 6-byte \uXXXX escape).
const DefaultMaxMessageSize = 64 << 10

// Option configures a Service made by New.
type Option func(*Service)

// WithMaxMessageSize sets the cap on a message's encoded size, in bytes (see
// DefaultMaxMessageSize). n must be positive. New cannot fail, so a Service
// made with n <= 0 reports the mistake where it matters: its Send and
// MultiSend refuse every message with an *okayapi.InvalidParamError whose
// Field is "WithMaxMessageSize", rather than sending without a cap or with
// one the caller did not ask for. Its other calls work.
func WithMaxMessageSize(n int) Option { return func(s *Service) { s.maxSize = n } }

// New returns the plugin's calls on c, with the options given (later ones
// win).
func New(c *okayapi.Client, opts ...Option) *Service {
	s := &Service{c: c, maxSize: DefaultMaxMessageSize}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// checkCtx refuses a nil context, which every call would otherwise pass on
// until something panics.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return &okayapi.InvalidParamError{Field: "ctx", Rule: "must not be nil (use context.Background() or context.TODO())"}
	}
	return nil
}

// SendResult is what Send answers.
type SendResult struct {
	// MessageID is the new message's id if the service returned one, else 0
	// (the reference does not say that Send returns it).
	MessageID int64
	// Raw is the answer's data as received.
	Raw json.RawMessage
}

type sendParams struct {
	OtherUUID string `url:"other_uuid"`
	Type      Type   `url:"chat_message_type"`
	Data      string `url:"chat_message_data"`
}

// sendData holds the id fields Send's answer may have. They are kept raw and
// read leniently: the reference documents no id, so an odd value must not
// turn a message that was sent into an error.
type sendData struct {
	ChatMessageID looseInt `json:"chat_message_id"`
	ID            looseInt `json:"id"`
}

// messageID returns the first of the answer's id fields that reads as a
// positive integer, or 0.
func (d sendData) messageID() int64 {
	for _, n := range [...]looseInt{d.ChatMessageID, d.ID} {
		if n > 0 {
			return int64(n)
		}
	}
	return 0
}

// messageParams checks msg and builds what Send and MultiSend send. Whatever
// msg's type (a caller's type may embed one of this package's kinds and
// override Data), what goes out as chat_message_data is checked here: one
// JSON object, of valid UTF-8 text, at most s.maxSize bytes once compacted;
// it is sent compacted.
func (s *Service) messageParams(to string, msg Message) (sendParams, error) {
	if s.maxSize <= 0 {
		return sendParams{}, &okayapi.InvalidParamError{
			Field: "WithMaxMessageSize",
			Rule:  "must be a positive number of bytes; this Service was made with a cap that is not",
			Value: strconv.Itoa(s.maxSize),
		}
	}
	if msg == nil || isNilPointer(msg) {
		return sendParams{}, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "a message is required"}
	}
	switch msg.Type() {
	case TypeText, TypeHTML, TypeImage, TypeLink, TypeCustom:
	default:
		return sendParams{}, &okayapi.InvalidParamError{Field: "chat_message_type", Rule: "must be one of text, html, image, link, custom", Value: string(msg.Type())}
	}
	data, err := msg.Data()
	if err != nil {
		return sendParams{}, err
	}
	if data, err = checkObject(data, s.maxSize); err != nil {
		return sendParams{}, err
	}
	return sendParams{OtherUUID: to, Type: msg.Type(), Data: string(data)}, nil
}

// isNilPointer reports whether msg is a nil pointer to a message kind (such
// as a nil *Text), whose methods would panic.
func isNilPointer(msg Message) bool {
	v := reflect.ValueOf(msg)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Send sends msg from member to the member whose uuid is to.
//
// The message is checked before anything is sent: its kind's own rules (see
// Text, HTML, Image, Link, Custom), valid UTF-8 text, and, whatever its Go
// type, chat_message_data must be one JSON object of at most the Service's
// size cap (DefaultMaxMessageSize unless WithMaxMessageSize says otherwise).
// A refusal is an *okayapi.InvalidParamError and nothing was sent.
//
// Send is not repeated after a failure that may have reached the service, so
// a message is never sent twice by the SDK; on such a failure
// okayapi.MayHaveArrived(err) is true and the message may have been delivered.
func (s *Service) Send(ctx context.Context, member okayapi.Member, to string, msg Message) (*SendResult, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, err
	}
	if err := okayapi.CheckUUID("other_uuid", to); err != nil {
		return nil, err
	}
	p, err := s.messageParams(to, msg)
	if err != nil {
		return nil, err
	}
	var out sendData
	resp, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceSend, Member: member, Params: p, Codes: codeErr}, &out)
	if err != nil {
		return nil, err
	}
	return &SendResult{MessageID: out.messageID(), Raw: resp.Data}, nil
}

// Delivery is MultiSend's result for one recipient.
type Delivery struct {
	To        string // detail[].other_uuid
	MessageID int64  // detail[].chat_message_id
}

// MultiSendResult is what MultiSend answers.
type MultiSendResult struct {
	// Deliveries is detail, in the service's order. It is nil when the answer
	// has no detail the SDK can read: the call succeeded (err_code 0) but says
	// nothing per recipient; Raw shows what it said.
	//
	// It holds at most one entry per recipient (len(to)): entries beyond that
	// are dropped without being read, so that an answer of any size costs
	// memory for no more than were asked for. Raw still holds them.
	Deliveries []Delivery
	Raw        json.RawMessage // the answer's data as received
}

// multiSendData is read leniently: the messages were sent, so an odd value in
// the answer must not turn the result into an error. Raw keeps what arrived.
type multiSendData struct {
	Detail looseRows[wireDelivery] `json:"detail"`
}

// UnmarshalJSON reads an element of detail; it never fails, so that one odd
// element does not hide the others (its fields are zero).
func (d *wireDelivery) UnmarshalJSON(b []byte) error {
	type plain wireDelivery
	var p plain
	if json.Unmarshal(b, &p) != nil {
		*d = wireDelivery{}
		return nil
	}
	*d = wireDelivery(p)
	return nil
}

type wireDelivery struct {
	OtherUUID     looseString `json:"other_uuid"`
	ChatMessageID looseInt    `json:"chat_message_id"`
}

// deliveries reads detail as a list (or PHP's object with keys 0, 1, …);
// anything else gives none.
func (d multiSendData) deliveries() []Delivery {
	if !d.Detail.ok {
		return nil
	}
	out := make([]Delivery, 0, len(d.Detail.items))
	for _, it := range d.Detail.items {
		out = append(out, Delivery{To: string(it.OtherUUID), MessageID: int64(it.ChatMessageID)})
	}
	return out
}

// looseInt is an integer that never fails to decode: what okayapi.Int cannot
// read becomes 0.
type looseInt int64

// UnmarshalJSON reads the value as okayapi.Int does, or as 0.
func (n *looseInt) UnmarshalJSON(b []byte) error {
	var v okayapi.Int
	if v.UnmarshalJSON(b) != nil {
		v = 0
	}
	*n = looseInt(v)
	return nil
}

// looseString is text that never fails to decode: what okayapi.String cannot
// read becomes "".
type looseString string

// UnmarshalJSON reads the value as okayapi.String does, or as "".
func (s *looseString) UnmarshalJSON(b []byte) error {
	var v okayapi.String
	if v.UnmarshalJSON(b) != nil {
		v = ""
	}
	*s = looseString(v)
	return nil
}

// MultiSend sends msg from member to each of 1 to 200 members (uuids, no
// blanks, no duplicates). Like Send, it is never repeated after a failure
// that may have reached the service.
//
// The message is checked as Send checks it, before anything is sent.
func (s *Service) MultiSend(ctx context.Context, member okayapi.Member, to []string, msg Message) (*MultiSendResult, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, err
	}
	if err := checkRecipients(to); err != nil {
		return nil, err
	}
	p, err := s.messageParams(strings.Join(to, ","), msg)
	if err != nil {
		return nil, err
	}
	out := multiSendData{Detail: looseRows[wireDelivery]{rows: rows[wireDelivery]{max: len(to)}}}
	resp, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceMultiSend, Member: member, Params: p, Codes: codeErr}, &out)
	if err != nil {
		return nil, err
	}
	res := &MultiSendResult{Deliveries: out.deliveries(), Raw: resp.Data}
	return res, nil
}

func checkRecipients(to []string) error {
	if len(to) == 0 {
		return &okayapi.InvalidParamError{Field: "other_uuid", Rule: "needs at least 1 recipient"}
	}
	if len(to) > MaxRecipients {
		return &okayapi.InvalidParamError{Field: "other_uuid", Rule: "takes at most " + strconv.Itoa(MaxRecipients) + " recipients, got " + strconv.Itoa(len(to))}
	}
	seen := make(map[string]int, len(to))
	for i, uuid := range to {
		field := "other_uuid[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(uuid) == "" {
			return &okayapi.InvalidParamError{Field: field, Rule: "must not be blank"}
		}
		if err := okayapi.CheckUUID(field, uuid); err != nil {
			return err
		}
		key := strings.ToUpper(uuid)
		if j, dup := seen[key]; dup {
			return &okayapi.InvalidParamError{Field: field, Rule: "duplicates other_uuid[" + strconv.Itoa(j) + "]", Value: uuid}
		}
		seen[key] = i
	}
	return nil
}

// Order is the way TakeMessageList reads from LastID (the API's direction).
type Order string

const (
	// Newer reads the newest messages, or those after LastID (the service's
	// "down", its default).
	Newer Order = "down"
	// Older reads the messages before LastID (the service's "up").
	Older Order = "up"
)

// ListOptions narrows TakeMessageList. The zero value reads the newest page
// with the service's default size (20).
type ListOptions struct {
	LastID int64 // the message id to read from; 0 = from the newest
	Order  Order // Newer (default) or Older: the API's direction
	// PerPage is the page size, 1–100; 0 = the service's default (20). At
	// most PerPage messages are kept, or MaxPerPage when it is 0 (the
	// service documents its default, but the SDK does not rely on it).
	PerPage int
}

type listParams struct {
	OtherUUID string `url:"other_uuid"`
	LastID    int64  `url:"last_id,omitempty"`
	Direction Order  `url:"direction,omitempty"`
	PerPage   int    `url:"perpage,omitempty"`
}

// ChatMessage is one message of a conversation.
//
// Rows are read field by field so that one odd row never hides a page: a
// field the SDK cannot read is the zero value (ID 0, SentAt zero, …; a row
// that is not an object is an Unknown message), and MessageList.Raw keeps
// it as it arrived. Do not page from a message whose ID is 0: last_id 0
// means "from the newest".
type ChatMessage struct {
	ID        int64     // list[].id; 0 if unreadable
	With      string    // list[].chat_message_to_uuid: the other member of the conversation
	Message   Message   // list[].chat_message_type and chat_message_data
	Read      bool      // list[].chat_message_is_read
	Direction Direction // list[].chat_message_io, from the acting member's side
	SentAt    time.Time // list[].add_time, in the client's time zone; zero if unreadable
}

// MessageList is what TakeMessageList answers.
//
// Messages holds at most the page size asked for (ListOptions.PerPage, or
// MaxPerPage when it is 0): rows beyond it, which a correct service never
// sends, are dropped without being read, so that an answer of any size costs
// memory for no more rows than were asked for. Raw still holds them.
type MessageList struct {
	Messages []ChatMessage   // list, in the service's order; at most the page size
	Unread   int             // unread_num
	Raw      json.RawMessage // the answer's data as received
}

// wireMessage is one row of a list. Rows are read leniently, field by field,
// so that one odd row never hides a page: a field that cannot be read is
// zero, and a row that is not an object becomes an Unknown message holding
// the row. The page's Raw keeps everything as it arrived.
type wireMessage struct {
	ID      looseInt    `json:"id"`
	ToUUID  looseString `json:"chat_message_to_uuid"`
	Type    looseString `json:"chat_message_type"`
	Data    looseObject `json:"chat_message_data"`
	IsRead  looseBool   `json:"chat_message_is_read"`
	IO      looseString `json:"chat_message_io"`
	AddTime looseString `json:"add_time"`
	// User is an object kept raw: PHP writes an empty one as [] (or null).
	User looseObject `json:"user"`
}

// UnmarshalJSON reads a row; it never fails.
func (w *wireMessage) UnmarshalJSON(b []byte) error {
	type plain wireMessage
	var p plain
	if json.Unmarshal(b, &p) != nil {
		*w = wireMessage{Data: looseObject(append([]byte(nil), b...))}
		return nil
	}
	*w = wireMessage(p)
	return nil
}

// looseBool is a read flag that never fails to decode: what okayapi.Bool
// cannot read counts as read when it is a non-zero number, else unread.
type looseBool bool

// UnmarshalJSON reads the flag as okayapi.Bool does, then as a number.
func (v *looseBool) UnmarshalJSON(b []byte) error {
	var f okayapi.Bool
	if f.UnmarshalJSON(b) == nil {
		*v = looseBool(f)
		return nil
	}
	var n okayapi.Int
	*v = looseBool(n.UnmarshalJSON(b) == nil && n != 0)
	return nil
}

type listData struct {
	List      rows[wireMessage] `json:"list"`
	UnreadNum okayapi.Int       `json:"unread_num"`
}

// pageLimit is how many rows a list call keeps: the page size asked for, or
// the plugin's maximum when the service's default applies.
func pageLimit(perPage int) int {
	if perPage > 0 {
		return perPage
	}
	return MaxPerPage
}

// TakeMessageList reads member's conversation with the member whose uuid is
// with, a page at a time.
func (s *Service) TakeMessageList(ctx context.Context, member okayapi.Member, with string, opts ListOptions) (*MessageList, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, err
	}
	if err := okayapi.CheckUUID("other_uuid", with); err != nil {
		return nil, err
	}
	if opts.LastID < 0 {
		return nil, &okayapi.InvalidParamError{Field: "last_id", Rule: "must be 0 or more", Value: strconv.FormatInt(opts.LastID, 10)}
	}
	if opts.Order != "" && opts.Order != Newer && opts.Order != Older {
		return nil, &okayapi.InvalidParamError{Field: "direction", Rule: "must be Newer (down) or Older (up)", Value: string(opts.Order)}
	}
	if err := checkRange("perpage", opts.PerPage, MaxPerPage); err != nil {
		return nil, err
	}
	p := listParams{OtherUUID: with, LastID: opts.LastID, Direction: opts.Order, PerPage: opts.PerPage}
	out := listData{List: rows[wireMessage]{max: pageLimit(opts.PerPage)}}
	resp, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceTakeMessageList, Member: member, Params: p, Idempotent: true, Codes: codeErr}, &out)
	if err != nil {
		return nil, err
	}
	res := &MessageList{Messages: make([]ChatMessage, 0, len(out.List.items)), Unread: int(out.UnreadNum), Raw: resp.Data}
	for _, w := range out.List.items {
		res.Messages = append(res.Messages, s.message(w))
	}
	return res, nil
}

// message turns a wire item into a ChatMessage. An add_time it cannot read
// gives a zero SentAt rather than failing the whole page (Raw keeps it).
func (s *Service) message(w wireMessage) ChatMessage {
	t, err := s.c.ParseTime(string(w.AddTime))
	if err != nil {
		t = time.Time{}
	}
	return ChatMessage{
		ID:        int64(w.ID),
		With:      string(w.ToUUID),
		Message:   decodeMessage(string(w.Type), w.Data),
		Read:      bool(w.IsRead),
		Direction: parseDirection(string(w.IO)),
		SentAt:    t,
	}
}

// checkRange checks an optional 1..max parameter, where 0 means "not given".
func checkRange(field string, v, max int) error {
	if v < 0 || v > max {
		return &okayapi.InvalidParamError{Field: field, Rule: "must be between 1 and " + strconv.Itoa(max) + " (0 for the default)", Value: strconv.Itoa(v)}
	}
	return nil
}

type markParams struct {
	OtherUUID     string `url:"other_uuid"`
	ChatMessageID int64  `url:"chat_message_id"`
}

type markData struct {
	ReadedNum okayapi.Int `json:"readed_num"`
}

// MarkAsReaded marks one message (id ≥ 1) of member's conversation with the
// member whose uuid is with as read, and returns how many messages changed
// (0 or 1). Use MarkAllAsReaded for the whole conversation.
//
// Marking is idempotent, so the SDK repeats it after a network failure or an
// HTTP 429/502/503/504; when an earlier attempt did its work, the count
// returned is that of the last attempt and may be lower (often 0).
func (s *Service) MarkAsReaded(ctx context.Context, member okayapi.Member, with string, messageID int64) (int, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	if messageID <= 0 {
		return 0, &okayapi.InvalidParamError{Field: "chat_message_id", Rule: "must be 1 or more (use MarkAllAsReaded for the whole conversation)", Value: strconv.FormatInt(messageID, 10)}
	}
	return s.mark(ctx, member, with, messageID)
}

// MarkAllAsReaded marks every message of member's conversation with the
// member whose uuid is with as read, and returns how many changed. Like
// MarkAsReaded, it may be repeated after a failure, and then the count is
// that of the last attempt.
func (s *Service) MarkAllAsReaded(ctx context.Context, member okayapi.Member, with string) (int, error) {
	return s.mark(ctx, member, with, 0)
}

func (s *Service) mark(ctx context.Context, member okayapi.Member, with string, id int64) (int, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	if err := member.Validate(); err != nil {
		return 0, err
	}
	if err := okayapi.CheckUUID("other_uuid", with); err != nil {
		return 0, err
	}
	var out markData
	// Marking read is idempotent in effect; a repeated attempt may report
	// fewer changes than the first one made.
	_, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceMarkAsReaded, Member: member, Params: markParams{OtherUUID: with, ChatMessageID: id}, Idempotent: true, Codes: codeErr}, &out)
	if err != nil {
		return 0, err
	}
	return int(out.ReadedNum), nil
}

// ChatListOptions pages GetAllChatList. The zero value reads page 1 with the
// service's default size (20).
type ChatListOptions struct {
	Page int // 1–100; 0 = 1
	// PerPage is the page size, 1–100; 0 = the service's default (20). At
	// most PerPage conversations are kept, or MaxPerPage when it is 0.
	PerPage int
}

type chatListParams struct {
	Page    int `url:"page,omitempty"`
	PerPage int `url:"perpage,omitempty"`
}

// Profile is the other member of a conversation, as GetAllChatList shows it.
type Profile struct {
	Username string // user.username
	Nickname string // user.ext_info.nickname
	Avatar   string // user.ext_info.yesapi_avatar
	Age      int    // user.ext_info.age (0 if absent)
	// Ext is the whole of user.ext_info, documented fields included, as raw JSON.
	Ext map[string]json.RawMessage
}

type wireUser struct {
	Username looseString `json:"username"`
	ExtInfo  looseObject `json:"ext_info"`
}

// Chat is one conversation in GetAllChatList: the latest message and the
// other member.
//
// Like a ChatMessage, a row's unreadable fields are zero values; ChatList.Raw
// keeps them as they arrived.
type Chat struct {
	With      string    // chat_message_to_uuid: the other member
	Last      Message   // chat_message_type and chat_message_data of the latest message
	Read      bool      // chat_message_is_read
	Direction Direction // chat_message_io, from the acting member's side
	SentAt    time.Time // add_time
	User      Profile   // user
}

// ChatList is what GetAllChatList answers.
//
// Chats holds at most the page size asked for (ChatListOptions.PerPage, or
// MaxPerPage when it is 0): rows beyond it are dropped without being read,
// so that an answer of any size costs memory for no more rows than were
// asked for. Raw still holds them.
type ChatList struct {
	Chats []Chat          // list, newest conversation first; at most the page size
	Total int             // total: how many members the acting member chats with
	Raw   json.RawMessage // the answer's data as received
}

type chatListData struct {
	List  rows[wireMessage] `json:"list"`
	Total okayapi.Int       `json:"total"`
}

// GetAllChatList lists member's conversations, newest first.
func (s *Service) GetAllChatList(ctx context.Context, member okayapi.Member, opts ChatListOptions) (*ChatList, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, err
	}
	if err := checkRange("page", opts.Page, MaxPage); err != nil {
		return nil, err
	}
	if err := checkRange("perpage", opts.PerPage, MaxPerPage); err != nil {
		return nil, err
	}
	out := chatListData{List: rows[wireMessage]{max: pageLimit(opts.PerPage)}}
	resp, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceGetAllChatList, Member: member, Params: chatListParams(opts), Idempotent: true, Codes: codeErr}, &out)
	if err != nil {
		return nil, err
	}
	res := &ChatList{Chats: make([]Chat, 0, len(out.List.items)), Total: int(out.Total), Raw: resp.Data}
	for _, w := range out.List.items {
		m := s.message(w)
		res.Chats = append(res.Chats, Chat{With: m.With, Last: m.Message, Read: m.Read, Direction: m.Direction, SentAt: m.SentAt, User: profile(w.User)})
	}
	return res, nil
}

// profile reads user leniently: PHP's false (no such row), an unreadable
// ext_info or an odd username give the fields it can read; ChatList.Raw keeps
// the rest.
func profile(wire looseObject) Profile {
	raw, ok := wire.object()
	if !ok || raw.IsEmpty() {
		return Profile{}
	}
	var u wireUser
	if json.Unmarshal(raw, &u) != nil {
		return Profile{}
	}
	p := Profile{Username: string(u.Username)}
	ext, ok := u.ExtInfo.object()
	if !ok {
		return p
	}
	fields, err := ext.Fields()
	if err != nil {
		return p
	}
	p.Ext = fields
	var str okayapi.String
	if v, ok := fields["nickname"]; ok && json.Unmarshal(v, &str) == nil {
		p.Nickname = string(str)
	}
	str = ""
	if v, ok := fields["yesapi_avatar"]; ok && json.Unmarshal(v, &str) == nil {
		p.Avatar = string(str)
	}
	var age okayapi.Int
	if v, ok := fields["age"]; ok && json.Unmarshal(v, &age) == nil {
		p.Age = int(age)
	}
	return p
}

// unreadFields are the names GetAllUnreadNum's count may have; the reference
// lists none, and unread_num (as in TakeMessageList) is the likely one.
var unreadFields = [...]string{"unread_num", "unread_count", "total_unread_num", "all_unread_num"}

// UnreadCount is what GetAllUnreadNum answers.
type UnreadCount struct {
	Count int             // unread messages across all conversations
	Field string          // the data field the count was read from
	Raw   json.RawMessage // the answer's data as received
}

// ErrNoUnreadCount: GetAllUnreadNum's answer holds no field this SDK takes
// for the count. The reference names none; see UnreadCount.Raw.
var ErrNoUnreadCount = errors.New("chatmsg: answer holds no unread count")

// GetAllUnreadNum counts member's unread messages across all conversations.
// The reference does not name the field; the count is read from unread_num or,
// failing that, a few names that say "unread" (Field says which). If none is
// there, it fails with an *okayapi.DecodeError wrapping ErrNoUnreadCount,
// whose Data holds the answer, rather than reporting a silent 0.
func (s *Service) GetAllUnreadNum(ctx context.Context, member okayapi.Member) (*UnreadCount, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := member.Validate(); err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	resp, err := s.c.Do(ctx, &okayapi.Request{Service: ServiceGetAllUnreadNum, Member: member, Idempotent: true, Codes: codeErr}, &out)
	if err != nil {
		return nil, err
	}
	for _, name := range unreadFields {
		v, ok := out[name]
		if !ok {
			continue
		}
		var n okayapi.Int
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, &okayapi.DecodeError{Service: ServiceGetAllUnreadNum, Reason: name, Err: err, Data: resp.Data}
		}
		return &UnreadCount{Count: int(n), Field: name, Raw: resp.Data}, nil
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	slices.Sort(names)
	return nil, &okayapi.DecodeError{
		Service: ServiceGetAllUnreadNum,
		Reason:  "no unread count among the fields " + strings.Join(names, ", "),
		Err:     ErrNoUnreadCount,
		Data:    resp.Data,
	}
}
