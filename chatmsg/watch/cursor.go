package watch

import (
	"context"
	"sync"
	"time"
)

// cursor is what a watch has handled for one member: for each
// conversation, the id of the last message it handled and the chat-list row
// it last saw. A watch given a member's cursor back, through a Store, goes
// on after it: nothing before it again, nothing after it missed. A Store
// keeps it as JSON, which holds no message text and no token: only ids, the
// other members' uuids, a hash of each conversation's last row and times.
type cursor struct {
	// Chats is each conversation's place, by the other member's uuid in
	// upper case.
	Chats map[string]chatCursor `json:"chats"`
	// Since is the starting point of a SinceNow watch (Options.Since):
	// a message whose add_time is before it is never yielded, also in a
	// conversation that is not in Chats yet. Zero: no such limit.
	Since time.Time `json:"since,omitzero"`
}

// chatCursor is one conversation's place in a cursor.
type chatCursor struct {
	// LastID is the id of the last message handled: delivered to the consumer
	// and taken, or passed over (a message the member sent, unless
	// Options.IncludeSent). 0: none yet.
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

// Store keeps each watched member's cursor between runs of a watch (see
// Run): a small JSON document of what the watch has handled (ids, the other
// members' uuids, hashes of chat-list rows, times; no message text and no
// token), to be kept as it is. Load answers found=false, with no error, for
// a member it has no cursor for; the watch never changes the bytes Load
// returns, and never changes those it gave Save afterwards. The watch calls
// both from several goroutines at once, for different members; it never
// calls them at once for the same member.
//
// member is the member's uuid in upper case. A store may be shared by
// several processes that each watch their own members, but a member must
// be watched by one watch at a time.
type Store interface {
	Load(ctx context.Context, member string) (cursor []byte, found bool, err error)
	Save(ctx context.Context, member string, cursor []byte) error
}

// NewMemoryStore returns an empty Store in memory: a watch restarted in the
// same process, with the same store, goes on where the last one stopped.
// It is safe for concurrent use.
func NewMemoryStore() Store { return &memoryStore{cursors: map[string][]byte{}} }

// memoryStore is NewMemoryStore's Store.
type memoryStore struct {
	mu      sync.Mutex
	cursors map[string][]byte
}

// Load returns member's cursor, if there is one.
func (m *memoryStore) Load(_ context.Context, member string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cursors[member]
	return c, ok, nil
}

// Save keeps c as member's cursor.
func (m *memoryStore) Save(_ context.Context, member string, c []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[member] = c
	return nil
}
