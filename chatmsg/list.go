package chatmsg

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/internal/core"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// Direction says who sent a message, from the acting member's point of view.
// The zero value is a chat_message_io value this SDK does not know.
type Direction int

// Sent: the acting member sent the message (the service's "in").
const Sent Direction = 1

// Received: the acting member received the message (the service's "out").
const Received Direction = 2

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
	return 0
}

// Order is the way TakeMessageList and History read from an id: its values
// are the API's direction.
type Order string

// Older reads back in time: the messages before the id (the service's
// "up"). The zero value "" means Older.
const Older Order = "up"

// Newer reads forward in time: the messages after the id (the service's
// "down").
const Newer Order = "down"

// ListOptions narrows TakeMessageList. The zero value reads the newest page
// with the service's default size (20); with a LastID, the page before it
// (Older), as HistoryOptions does.
//
// Paging (the reference says neither how a page is ordered nor whether
// last_id is included; the SDK and its fake follow docs/wire.md): LastID is
// exclusive, and 0 means the newest page with either Order, so never page
// from a message whose ID is 0 (unreadable). MessageList.Messages is in id
// order, oldest first: Messages[0].ID is the LastID of the page before. The
// last page is the one with fewer messages than PerPage (or none). History
// walks every page by these rules.
type ListOptions struct {
	LastID int64 // the message id to read from, exclusive; 0 = the newest page
	Order  Order // Older (the default) or Newer: the API's direction
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
	// Key is the message's send key when it was sent exactly once (package
	// chatmsg/exactlyonce), taken out of the data so that no member is shown it; the
	// receiving side can deduplicate on it.
	Key string
}

// MessageList is what TakeMessageList answers.
//
// Messages holds at most the page size asked for (ListOptions.PerPage, or
// MaxPerPage when it is 0): rows beyond it, which a correct service never
// sends, are not read, so that an answer of any size costs memory for no
// more rows than were asked for; Truncated then says so, and Raw still
// holds them. History reads such rows rather than skip them.
type MessageList struct {
	Messages  []ChatMessage     // list, oldest first (by ID; unreadable ids last); at most the page size
	Truncated bool              // the list held more rows than the page size: Messages has the first ones
	Unread    int               // unread_num
	Raw       json.RawMessage   // the answer's data as received
	Response  *okayapi.Response // what the HTTP exchange said (status, attempts, ret, msg)
}

// wireMessage is one row of a list, read field by field so that one odd row
// never hides a page: a field that cannot be read is zero. A row that is not
// an object at all is in the list's Unreadable, and becomes an Unknown
// message holding the row.
type wireMessage struct {
	ID      phpjson.Lenient[phpjson.Int]    `json:"id"`
	ToUUID  phpjson.Lenient[phpjson.String] `json:"chat_message_to_uuid"`
	Type    phpjson.Lenient[phpjson.String] `json:"chat_message_type"`
	Data    phpjson.Lenient[phpjson.Object] `json:"chat_message_data"`
	IsRead  phpjson.Lenient[phpjson.Bool]   `json:"chat_message_is_read"`
	IO      phpjson.Lenient[phpjson.String] `json:"chat_message_io"`
	AddTime phpjson.Lenient[phpjson.String] `json:"add_time"`
	User    phpjson.Profile                 `json:"user"`
}

// UnmarshalJSON reads a row in one pass, handing each field to its own
// reader; it fails only when the row is not an object.
func (w *wireMessage) UnmarshalJSON(b []byte) error {
	*w = wireMessage{}
	return phpjson.Fields(b, func(name, v []byte) bool {
		switch string(name) {
		case "id":
			_ = w.ID.UnmarshalJSON(v)
		case "chat_message_to_uuid":
			_ = w.ToUUID.UnmarshalJSON(v)
		case "chat_message_type":
			_ = w.Type.UnmarshalJSON(v)
		case "chat_message_data":
			_ = w.Data.UnmarshalJSON(v)
		case "chat_message_is_read":
			_ = w.IsRead.UnmarshalJSON(v)
		case "chat_message_io":
			_ = w.IO.UnmarshalJSON(v)
		case "add_time":
			_ = w.AddTime.UnmarshalJSON(v)
		case "user":
			_ = w.User.UnmarshalJSON(v)
		}
		return true
	})
}

type listData struct {
	List      phpjson.List[wireMessage] `json:"list"`
	UnreadNum phpjson.Int               `json:"unread_num"`
}

// pageLimit is how many rows a list call keeps: the page size asked for, or
// the plugin's maximum when the service's default applies.
func pageLimit(perPage int) int {
	if perPage > 0 {
		return perPage
	}
	return MaxPerPage
}

// keepRows is how many rows of one answer History, Chats and package watch read
// when the service sends more than they asked for (a service that ignores
// perpage): more than that, and they report it rather than skip rows.
const keepRows = 10 * MaxPerPage

// TakeMessageList reads member's conversation with the member whose uuid is
// with, a page at a time.
func (s *Service) TakeMessageList(ctx context.Context, member okayapi.Member, with string, opts ListOptions) (*MessageList, error) {
	return s.takeMessageList(ctx, member, with, opts, pageLimit(opts.PerPage))
}

// takeMessageList is TakeMessageList keeping at most keep rows.
func (s *Service) takeMessageList(ctx context.Context, member okayapi.Member, with string, opts ListOptions, keep int) (*MessageList, error) {
	if err := begin(ctx, member); err != nil {
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
	dir := opts.Order
	if dir == "" && opts.LastID > 0 {
		dir = Older // the service's own default is down
	}
	p := listParams{OtherUUID: with, LastID: opts.LastID, Direction: dir, PerPage: opts.PerPage}
	out := listData{List: phpjson.List[wireMessage]{Max: keep}}
	resp, err := s.do(ctx, member, ServiceTakeMessageList, p, true, &out)
	if err != nil {
		return nil, err
	}
	res := &MessageList{Messages: make([]ChatMessage, 0, len(out.List.Items)), Truncated: out.List.Truncated, Unread: int(out.UnreadNum), Raw: resp.Data, Response: resp}
	for i, w := range out.List.Items {
		res.Messages = append(res.Messages, s.message(w, out.List.Unreadable[i]))
	}
	slices.SortStableFunc(res.Messages, byID)
	return res, nil
}

// byID orders messages by ID, ascending, with ID 0 (unreadable) last.
func byID(a, b ChatMessage) int {
	switch {
	case a.ID == b.ID:
		return 0
	case a.ID == 0:
		return 1
	case b.ID == 0:
		return -1
	}
	return cmp.Compare(a.ID, b.ID)
}

// message turns a row into a ChatMessage. An add_time it cannot read gives a
// zero SentAt rather than failing the whole page (Raw keeps it). unreadable
// is the row as it arrived when it was not an object.
func (s *Service) message(w wireMessage, unreadable json.RawMessage) ChatMessage {
	if unreadable != nil {
		return ChatMessage{Message: Unknown{Raw: unreadable}}
	}
	t, err := core.ParseTime(s.c, string(w.AddTime.Value))
	if err != nil {
		t = time.Time{}
	}
	msg, key := decodeMessage(string(w.Type.Value), w.Data)
	return ChatMessage{
		ID:        int64(w.ID.Value),
		With:      string(w.ToUUID.Value),
		Message:   msg,
		Key:       key,
		Read:      bool(w.IsRead.Value),
		Direction: parseDirection(string(w.IO.Value)),
		SentAt:    t,
	}
}
