package chatmsg

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/okayapi-go/sdk/internal/core"
	"github.com/okayapi-go/sdk/okayapi"
)

// HistoryOptions says which part of a conversation History walks.
type HistoryOptions struct {
	// Order is Older (the default, as in ListOptions): from the newest
	// message (or from From) back to the oldest; or Newer: from the oldest
	// message (or from From) forward to the newest.
	Order Order
	// From is the message id to start from, exclusive: History yields the
	// messages before it (Older) or after it (Newer). 0 starts at the
	// newest message (Older) or at the oldest (Newer: the whole
	// conversation, oldest first).
	From int64
	// PerPage is how many messages each request asks for, 1–100; 0 means
	// MaxPerPage, which costs the fewest requests.
	PerPage int
}

// History walks member's whole conversation with the member whose uuid is
// with, page after page of TakeMessageList: newest to oldest (Older, the
// default), or oldest to newest (Newer). It yields each message once, in id
// order, whatever the order within the service's pages. The service has no
// "oldest page", so a Newer walk from 0 first asks for message 1 (ids start
// at 1), then pages forward: one request more than the pages.
//
// It stops after yielding the first error (bad options included, before
// anything is sent), when the context ends (yielding its error), on an
// empty or short page, and on a page that brings no message it has not
// yielded: a service that ignores last_id cannot make it loop or repeat a
// message. Messages with ID 0 (unreadable) are yielded, never paged from.
// Breaking out of the loop stops the requests.
func (s *Service) History(ctx context.Context, member okayapi.Member, with string, opts HistoryOptions) iter.Seq2[ChatMessage, error] {
	return func(yield func(ChatMessage, error) bool) {
		order, err := checkHistory(ctx, member, with, &opts)
		if err != nil {
			yield(ChatMessage{}, err)
			return
		}
		seen := map[int64]bool{}
		cursor := opts.From
		if order == Newer && cursor == 0 {
			page, err := s.takeMessageList(ctx, member, with, ListOptions{LastID: 2, Order: Older, PerPage: 1}, keepRows)
			if err == nil && page.Truncated {
				err = tooManyRows(page.Response)
			}
			if err != nil {
				yield(ChatMessage{}, err)
				return
			}
			for _, m := range page.Messages {
				if m.ID == 1 { // any other is not where we asked: a service ignoring last_id
					seen[1] = true
					if !yield(m, nil) {
						return
					}
				}
			}
			cursor = 1
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(ChatMessage{}, cancelledCall(ServiceTakeMessageList, err))
				return
			}
			page, err := s.takeMessageList(ctx, member, with, ListOptions{LastID: cursor, Order: order, PerPage: opts.PerPage}, keepRows)
			if err == nil && page.Truncated {
				err = tooManyRows(page.Response)
			}
			if err != nil {
				yield(ChatMessage{}, err)
				return
			}
			msgs := page.Messages
			// Newest first for Older, oldest first for Newer; ID 0 (unreadable) last.
			slices.SortStableFunc(msgs, func(a, b ChatMessage) int {
				switch {
				case a.ID == b.ID:
					return 0
				case a.ID == 0:
					return 1
				case b.ID == 0:
					return -1
				case (a.ID > b.ID) == (order == Older):
					return -1
				}
				return 1
			})
			// A page that brings nothing new ends the walk before anything
			// of it is yielded (its unreadable rows included).
			fresh := 0
			for _, m := range msgs {
				if m.ID > 0 && !seen[m.ID] && beyond(m.ID, cursor, order) {
					fresh++
				}
			}
			if fresh == 0 {
				return
			}
			next := cursor
			for _, m := range msgs {
				if m.ID > 0 {
					if seen[m.ID] || !beyond(m.ID, cursor, order) {
						continue // already yielded, or not where we asked: a service ignoring last_id
					}
					seen[m.ID] = true
					next = m.ID
				}
				if !yield(m, nil) {
					return
				}
			}
			cursor = next
			if len(page.Messages) < opts.PerPage {
				return
			}
		}
	}
}

// tooManyRows is the error of an answer with more than keepRows rows: the
// walk stops rather than skip the rows it cannot read.
func tooManyRows(resp *okayapi.Response) error {
	return core.DecodeError(resp, fmt.Sprintf("the list holds more than %d rows; the walk stops rather than skip the rest", keepRows), nil)
}

// beyond reports whether id lies past cursor in the walk's direction; a
// cursor of 0 is the start of an Older walk, before everything.
func beyond(id, cursor int64, order Order) bool {
	switch {
	case cursor == 0:
		return true
	case order == Older:
		return id < cursor
	}
	return id > cursor
}

// checkHistory checks History's arguments and fills in the defaults.
func checkHistory(ctx context.Context, member okayapi.Member, with string, opts *HistoryOptions) (Order, error) {
	if err := begin(ctx, member); err != nil {
		return "", err
	}
	if err := okayapi.CheckUUID("other_uuid", with); err != nil {
		return "", err
	}
	order := opts.Order
	if order == "" {
		order = Older
	}
	if order != Older && order != Newer {
		return "", &okayapi.InvalidParamError{Field: "direction", Rule: "must be Older (up) or Newer (down)", Value: string(order)}
	}
	if opts.From < 0 {
		return "", &okayapi.InvalidParamError{Field: "last_id", Rule: "must be 0 or more"}
	}
	if err := checkRange("perpage", opts.PerPage, MaxPerPage); err != nil {
		return "", err
	}
	if opts.PerPage == 0 {
		opts.PerPage = MaxPerPage
	}
	return order, nil
}

// ChatsOptions says how Chats pages GetAllChatList.
type ChatsOptions struct {
	// PerPage is how many conversations each request asks for, 1–100; 0
	// means MaxPerPage, which costs the fewest requests.
	PerPage int
}

// Chats walks all of member's conversations, page after page of
// GetAllChatList (pages 1 to MaxPage), newest first, yielding each
// conversation once. It stops as History does: after the first error, when
// the context ends, on an empty or short page, on a page that brings no
// conversation it has not yielded, and after MaxPage pages.
//
// The service pages by offset, so a conversation that moves up while the
// pages are read (a new message) can slip past them: a page that brings
// some conversations again shows it. The walk then reads the pages again
// (at most chatsPasses times in all), yielding only what it has not.
func (s *Service) Chats(ctx context.Context, member okayapi.Member, opts ChatsOptions) iter.Seq2[Chat, error] {
	return func(yield func(Chat, error) bool) {
		if err := begin(ctx, member); err != nil {
			yield(Chat{}, err)
			return
		}
		if err := checkRange("perpage", opts.PerPage, MaxPerPage); err != nil {
			yield(Chat{}, err)
			return
		}
		if opts.PerPage == 0 {
			opts.PerPage = MaxPerPage
		}
		seen := map[string]bool{}
		pages := MaxPage
		for pass := 1; pass <= chatsPasses; pass++ {
			shifted, found := false, 0
			for page := 1; page <= pages; page++ {
				if err := ctx.Err(); err != nil {
					yield(Chat{}, cancelledCall(ServiceGetAllChatList, err))
					return
				}
				list, err := s.getAllChatList(ctx, member, ChatListOptions{Page: page, PerPage: opts.PerPage}, keepRows)
				if err == nil && list.Truncated {
					err = tooManyRows(list.Response)
				}
				if err != nil {
					yield(Chat{}, err)
					return
				}
				// As in History: a page of nothing new ends the first walk
				// before anything of it is yielded.
				fresh, again := 0, 0
				for _, c := range list.Chats {
					switch key := strings.ToUpper(c.With); {
					case key == "":
					case seen[key]:
						again++
					default:
						fresh++
					}
				}
				if fresh == 0 && pass == 1 {
					return
				}
				shifted = shifted || fresh > 0 && again > 0
				found += fresh
				for _, c := range list.Chats {
					key := strings.ToUpper(c.With)
					if key == "" && pass > 1 || key != "" && seen[key] {
						continue
					}
					seen[key] = key != ""
					if !yield(c, nil) {
						return
					}
				}
				if len(list.Chats) < opts.PerPage {
					pages = page
					break
				}
			}
			if !shifted || pass > 1 && found == 0 {
				return
			}
		}
	}
}

// chatsPasses is how many times Chats reads the pages at most, when
// conversations move between them while it reads.
const chatsPasses = 3
