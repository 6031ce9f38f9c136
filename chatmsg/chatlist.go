package chatmsg

import (
	"context"
	"encoding/json"
	"time"

	"github.com/okayapi-go/sdk/chatmsg/internal/callctx"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

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

// Chat is one conversation in GetAllChatList: the latest message and the
// other member.
//
// Like a ChatMessage, a row's unreadable fields are zero values; ChatList.Raw
// keeps them as they arrived.
type Chat struct {
	With      string          // chat_message_to_uuid: the other member
	Last      Message         // chat_message_type and chat_message_data of the latest message
	Read      bool            // chat_message_is_read
	Direction Direction       // chat_message_io, from the acting member's side
	SentAt    time.Time       // add_time
	User      phpjson.Profile // user: the other member's profile
	Key       string          // the latest message's send key, if it was sent exactly once
}

// ChatList is what GetAllChatList answers.
//
// Chats holds at most the page size asked for (ChatListOptions.PerPage, or
// MaxPerPage when it is 0): rows beyond it are not read, so that an answer
// of any size costs memory for no more rows than were asked for; Truncated
// then says so, and Raw still holds them. Chats and package watch read
// such rows rather than skip them.
type ChatList struct {
	Chats     []Chat            // list, newest conversation first; at most the page size
	Truncated bool              // the list held more rows than the page size: Chats has the first ones
	Total     int               // total: how many members the acting member chats with
	Raw       json.RawMessage   // the answer's data as received
	Response  *okayapi.Response // what the HTTP exchange said (status, attempts, ret, msg)
}

type chatListData struct {
	List  phpjson.List[wireMessage] `json:"list"`
	Total phpjson.Int               `json:"total"`
}

// GetAllChatList lists member's conversations, newest first.
func (s *Service) GetAllChatList(ctx context.Context, member okayapi.Member, opts ChatListOptions) (*ChatList, error) {
	rows := callctx.Rows(ctx) // a watch's: read them all, or fail
	if rows == 0 {
		return s.getAllChatList(ctx, member, opts, pageLimit(opts.PerPage))
	}
	list, err := s.getAllChatList(ctx, member, opts, rows)
	if err == nil && list.Truncated {
		return nil, tooManyRows(list.Response)
	}
	return list, err
}

// getAllChatList is GetAllChatList keeping at most keep rows.
func (s *Service) getAllChatList(ctx context.Context, member okayapi.Member, opts ChatListOptions, keep int) (*ChatList, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	if err := checkRange("page", opts.Page, MaxPage); err != nil {
		return nil, err
	}
	if err := checkRange("perpage", opts.PerPage, MaxPerPage); err != nil {
		return nil, err
	}
	out := chatListData{List: phpjson.List[wireMessage]{Max: keep}}
	resp, err := s.do(ctx, member, ServiceGetAllChatList, chatListParams(opts), true, &out)
	if err != nil {
		return nil, err
	}
	res := &ChatList{Chats: make([]Chat, 0, len(out.List.Items)), Truncated: out.List.Truncated, Total: int(out.Total), Raw: resp.Data, Response: resp}
	for i, w := range out.List.Items {
		m := s.message(w, out.List.Unreadable[i])
		res.Chats = append(res.Chats, Chat{With: m.With, Last: m.Message, Read: m.Read, Direction: m.Direction, SentAt: m.SentAt, User: w.User, Key: m.Key})
	}
	return res, nil
}
