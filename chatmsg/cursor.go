package chatmsg

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// Cursor is what a watch (see Watch) has handled for one member: for each
// conversation, the id of the last message it handled and the chat-list row it
// last saw. A watch given a member's Cursor back, through a CursorStore,
// goes on after it: nothing before it again, nothing after it missed.
//
// It marshals to JSON as it is, and holds no message text and no token: only
// ids, the other members' uuids, a hash of each conversation's last row and a
// time.
type Cursor struct {
	// Chats is each conversation's place, by the other member's uuid in
	// upper case.
	Chats map[string]ChatCursor `json:"chats"`
	// Since is the starting point of a SinceNow watch (WatchOptions.Since):
	// a message whose add_time is before it is never yielded, also in a
	// conversation that is not in Chats yet. Zero: no such limit.
	Since time.Time `json:"since,omitzero"`
}

// ChatCursor is one conversation's place in a Cursor.
type ChatCursor struct {
	// LastID is the id of the last message handled: delivered to the consumer
	// and taken, or passed over (a message the member sent, unless
	// WatchOptions.IncludeSent). 0: none yet.
	LastID int64 `json:"last_id"`
	// Recent are the ids of the last messages handled (at most
	// recentIDs), ascending. While a conversation is not settled the watch
	// reads it from the oldest of them, so that a message the service shows
	// only after one with a higher id is still delivered, once.
	Recent []int64 `json:"recent,omitempty"`
	// Row is a hash of the conversation's GetAllChatList row (time, direction,
	// read flag, the latest message's kind, data and send key) as it was when
	// every message it shows had been handled; "" when not known. A row
	// that differs from it means the conversation changed.
	Row string `json:"row,omitempty"`
	// RowSeen is when Row was first seen, by the watching machine's clock.
	RowSeen time.Time `json:"row_seen,omitzero"`
	// Settled says a read of the conversation begun long enough after
	// RowSeen found nothing after LastID: a message the same as the latest
	// one, in the same second, would have been there (add_time has whole
	// seconds, so such a message leaves the row as it was). Until then the
	// watch reads the conversation at each poll.
	Settled bool `json:"settled,omitempty"`
}

// Clone returns a copy of c that shares nothing with it: changing one
// never changes the other.
func (c Cursor) Clone() Cursor {
	out := Cursor{Chats: maps.Clone(c.Chats), Since: c.Since}
	for k, e := range out.Chats {
		if e.Recent != nil {
			e.Recent = slices.Clone(e.Recent)
			out.Chats[k] = e
		}
	}
	return out
}

// CursorStore keeps each watched member's Cursor between runs of a watch
// (see Watch). Load answers found=false, with no error, for a member it has
// no cursor for. The watch calls both from several goroutines at once, for
// different members; it never calls them at once for the same member.
//
// member is the member's uuid in upper case. A store may be shared by
// several processes that each watch their own members (see Watch), but a
// member must be watched by one watch at a time.
type CursorStore interface {
	Load(ctx context.Context, member string) (Cursor, bool, error)
	Save(ctx context.Context, member string, c Cursor) error
}

// MemoryStore is a CursorStore in memory: a watch restarted in the same
// process, with the same store, goes on where the last one stopped. It is
// safe for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex
	cursors map[string]Cursor
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{cursors: map[string]Cursor{}} }

// Load returns a copy of member's cursor, if there is one.
func (m *MemoryStore) Load(_ context.Context, member string) (Cursor, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cursors[member]
	return c.Clone(), ok, nil
}

// Save keeps a copy of c as member's cursor.
func (m *MemoryStore) Save(_ context.Context, member string, c Cursor) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cursors == nil {
		m.cursors = map[string]Cursor{}
	}
	m.cursors[member] = c.Clone()
	return nil
}
