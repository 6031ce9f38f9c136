package watch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// These tests hold the watch to its promises in a world as unkind as a
// production service: replica lag, ties in another order at each read,
// rows moving between offset pages, perpage ignored, odd rows.

// gateRT holds the first request back until open is closed; arrived is
// closed when it comes.
type gateRT struct {
	once    sync.Once
	arrived chan struct{}
	open    chan struct{}
}

func newGate() *gateRT { return &gateRT{arrived: make(chan struct{}), open: make(chan struct{})} }

func (g *gateRT) RoundTrip(req *http.Request) (*http.Response, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.arrived)
		<-g.open
	}
	return http.DefaultTransport.RoundTrip(req)
}

// untilNextSecond waits until the next whole second has begun: SinceNow's
// start for a watch called before now.
func untilNextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}

// TestWatchSinceNowStartsWhenWatchIsCalled: a message stored after Watch
// was called (and after its start, the next whole second) is yielded even
// when the first poll comes later; what was there before is not.
func TestWatchSinceNowStartsWhenWatchIsCalled(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 3, "old")
	gate := newGate()
	chat := chatmsg.New(okayapitest.NewClient(t, w.srv, okayapi.WithRetries(0, 0, 0), okayapi.WithHTTPClient(&http.Client{Transport: gate})))
	r := startWatch(t, chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{SinceNow: true}), nil)
	<-gate.arrived // Watch has been called; its first poll waits
	untilNextSecond()
	w.sendN(t, w.carol, w.alice, 1, "new")
	w.sendN(t, w.bob, w.alice, 1, "new")
	close(gate.open)
	r.waitEvents(t, 2)
	time.Sleep(50 * time.Millisecond) // a few more polls: nothing else is yielded
	r.stop(t)
	inbox := w.inbox(w.alice, false)
	assert.ElementsMatch(t, inbox[len(inbox)-2:], r.ids())
}

// hostileWorld is World with every fault a read can meet.
func hostileWorld(lag time.Duration) chatmsgtest.World {
	return chatmsgtest.World{Lag: lag, ShuffleTies: true, ShiftPages: true, PerPage: chatmsg.MaxPerPage}
}

// TestWatchSinceNowInAHostileWorld: with more conversations than a page,
// all in one second (ties), rows moving between pages, perpage ignored and
// a replica that shows each message 300 ms late, SinceNow yields every
// message stored after its start once, and none stored before Watch was
// called, also one stored just before that the replica did not show yet.
func TestWatchSinceNowInAHostileWorld(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	const lag = 300 * time.Millisecond
	w.plugin.SetWorld(hostileWorld(lag))
	senders := make([]okayapi.Member, 130)
	tie := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range senders {
		senders[i] = w.srv.AddMember(okayapitest.Account{})
		for range 2 {
			w.plugin.Store(chatmsgtest.StoredMessage{From: senders[i].UUID, To: w.alice.UUID, Data: json.RawMessage(`{"content":"old"}`), SentAt: tie})
		}
	}
	untilNextSecond()
	time.Sleep(lag / 3)
	// Stored just before the watch: not shown when it starts.
	for _, s := range []okayapi.Member{senders[0], senders[70], senders[129], w.bob} {
		w.sendN(t, s, w.alice, 1, "old, shown late")
	}
	opts := fastWatch(watch.Options{SinceNow: true})
	watch.SetSettle(&opts, 2*lag)
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	old := len(w.plugin.Messages())
	untilNextSecond()
	for i, s := range append(slices.Clone(senders[:120:120]), w.bob, w.carol) {
		w.sendN(t, s, w.alice, 1+i%2, "new")
	}
	want := w.inbox(w.alice, false)
	want = slices.DeleteFunc(want, func(id int64) bool { return id <= int64(old) })
	r.waitEvents(t, len(want))
	time.Sleep(2 * lag) // what the replica shows late, if it were yielded
	r.stop(t)
	events, errs := r.snapshot()
	require.Len(t, errs, 1, "the context's only")
	assert.ErrorIs(t, errs[0], context.Canceled)
	assertOnceInOrder(t, events, want)
}

// TestWatchPassesOverAnUnusableRow: a conversation whose other member is
// not a uuid (a system sender) is passed over; the member's watch goes on.
func TestWatchPassesOverAnUnusableRow(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 1, "before")
	w.plugin.Store(chatmsgtest.StoredMessage{From: "system", To: w.alice.UUID, Data: json.RawMessage(`{"content":"welcome"}`)})
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), nil)
	r.waitEvents(t, 1)
	w.sendN(t, w.carol, w.alice, 2, "after")
	r.waitEvents(t, 3)
	time.Sleep(50 * time.Millisecond) // more polls: the row is reported once
	r.stop(t)
	events, errs := r.snapshot()
	var want []int64
	for _, m := range w.plugin.Messages() {
		if m.From != "system" {
			want = append(want, m.ID)
		}
	}
	assertOnceInOrder(t, events, want)
	require.Len(t, errs, 2, "the row, once; then the context's")
	assert.ErrorIs(t, errs[0], okayapi.ErrInvalidParam)
	assert.ErrorIs(t, errs[1], context.Canceled)
}

// sharingStore hands out its own bytes, as a careless store would: a
// watch must not change them behind the store's back.
type sharingStore struct {
	mu    sync.Mutex
	c     []byte
	saved int
}

func (s *sharingStore) Load(context.Context, string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c, true, nil
}

func (s *sharingStore) Save(_ context.Context, _ string, c []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved++ // and keeps nothing
	return nil
}

// TestWatchLeavesALoadedCursorAlone: the cursor a store loaded is the
// store's: the watch works on its own copy.
func TestWatchLeavesALoadedCursorAlone(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 3, "hi")
	w.sendN(t, w.carol, w.alice, 1, "hi")
	bob := strings.ToUpper(w.bob.UUID)
	orig := watch.EncodeCursor(watch.Cursor{Chats: map[string]watch.ChatCursor{bob: {LastID: 1, Recent: []int64{1}}}})
	store := &sharingStore{c: slices.Clone(orig)}
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Store: store}), nil)
	r.waitEvents(t, 3)
	require.Eventually(t, func() bool { store.mu.Lock(); defer store.mu.Unlock(); return store.saved >= 3 }, 10*time.Second, time.Millisecond)
	r.stop(t)
	assert.Equal(t, orig, store.c)
}

// TestMemoryStoreKeepsWhatItWasGiven: a memory store loads back what it
// saved, for its member only.
func TestMemoryStoreKeepsWhatItWasGiven(t *testing.T) {
	t.Parallel()
	store := watch.NewMemoryStore()
	ctx := context.Background()
	_, found, err := store.Load(ctx, "M")
	require.NoError(t, err)
	assert.False(t, found)
	require.NoError(t, store.Save(ctx, "M", []byte(`{"chats":{}}`)))
	b, found, err := store.Load(ctx, "M")
	require.NoError(t, err)
	require.True(t, found)
	assert.JSONEq(t, `{"chats":{}}`, string(b))
	_, found, err = store.Load(ctx, "N")
	require.NoError(t, err)
	assert.False(t, found)
}

// TestWatchManyMembersFewGoroutines: 300 members polled by a pool of 4: the
// watch's goroutines do not grow with its members.
func TestWatchManyMembersFewGoroutines(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	members := make([]okayapi.Member, 300)
	for i := range members {
		members[i] = w.srv.AddMember(okayapitest.Account{})
	}
	w.sendN(t, w.bob, members[299], 1, "hi")
	before := runtime.NumGoroutine()
	r := startWatch(t, w.chat, members, fastWatch(watch.Options{Concurrency: 4}), nil)
	r.waitEvents(t, 1)
	peak := 0
	for range 20 {
		peak = max(peak, runtime.NumGoroutine()-before)
		time.Sleep(time.Millisecond)
	}
	r.stop(t)
	// The pool, its scheduler, the loop's goroutine, and for each of the 4
	// connections the client's two and the server's one; other tests run
	// in parallel, so a margin.
	assert.Less(t, peak, 4+3+4*3+40, "goroutines for 300 members")
}

// TestWatchReadsChatListRowsBeyondPerPage: a service that answers 150
// conversations to a request for 100 has them all read: every new message
// is yielded, none skipped for lying past the page size.
func TestWatchReadsChatListRowsBeyondPerPage(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.plugin.SetWorld(chatmsgtest.World{PerPage: 150})
	for range 130 {
		w.sendN(t, w.srv.AddMember(okayapitest.Account{}), w.alice, 1, "hi")
	}
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), nil)
	want := w.inbox(w.alice, false)
	require.Len(t, want, 130)
	r.waitEvents(t, len(want))
	r.stop(t)
	events, errs := r.snapshot()
	require.Len(t, errs, 1, "the context's only: %v", errs)
	assertOnceInOrder(t, events, want)
}

// TestWatchReportsABadCursor: bytes in the store that are not a cursor are
// a non-final error for the member, tried again at the next poll; nothing
// is yielded from a guess.
func TestWatchReportsABadCursor(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 1, "hi")
	store := &sharingStore{c: []byte("not a cursor")}
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Store: store}), nil)
	require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) >= 2 }, 10*time.Second, time.Millisecond)
	r.stop(t)
	events, errs := r.snapshot()
	assert.Empty(t, events)
	for _, err := range errs[:2] {
		assert.ErrorContains(t, err, "is not a cursor")
		assert.False(t, watchErr(t, err).Final())
	}
}
