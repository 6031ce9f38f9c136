package chatmsg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
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
	r := startWatch(t, chat, []okayapi.Member{w.alice}, fastWatch(chatmsg.WatchOptions{SinceNow: true}), nil)
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
	opts := fastWatch(chatmsg.WatchOptions{SinceNow: true})
	chatmsg.SetWatchSettle(&opts, 2*lag)
	r := startWatch(t, w.watch, []okayapi.Member{w.alice}, opts, nil)
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
	r := startWatch(t, w.watch, []okayapi.Member{w.alice}, fastWatch(chatmsg.WatchOptions{}), nil)
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

// sharingStore hands out its own cursor, maps and all, as a careless store
// would: a watch must not change it behind the store's back.
type sharingStore struct {
	mu    sync.Mutex
	c     chatmsg.Cursor
	saved int
}

func (s *sharingStore) Load(context.Context, string) (chatmsg.Cursor, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c, true, nil
}

func (s *sharingStore) Save(context.Context, string, chatmsg.Cursor) error {
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
	store := &sharingStore{c: chatmsg.Cursor{Chats: map[string]chatmsg.ChatCursor{bob: {LastID: 1, Recent: []int64{1}}}}}
	r := startWatch(t, w.watch, []okayapi.Member{w.alice}, fastWatch(chatmsg.WatchOptions{Store: store}), nil)
	r.waitEvents(t, 3)
	require.Eventually(t, func() bool { store.mu.Lock(); defer store.mu.Unlock(); return store.saved >= 3 }, 10*time.Second, time.Millisecond)
	r.stop(t)
	assert.Equal(t, chatmsg.Cursor{Chats: map[string]chatmsg.ChatCursor{bob: {LastID: 1, Recent: []int64{1}}}}, store.c)
}

// TestCursorCloneSharesNothing: changing a clone, or what a MemoryStore
// loaded, changes nothing else.
func TestCursorCloneSharesNothing(t *testing.T) {
	t.Parallel()
	orig := chatmsg.Cursor{Chats: map[string]chatmsg.ChatCursor{"A": {LastID: 3, Recent: []int64{1, 2, 3}}}}
	c := orig.Clone()
	c.Chats["A"].Recent[0] = 99
	c.Chats["B"] = chatmsg.ChatCursor{LastID: 1}
	assert.Equal(t, chatmsg.Cursor{Chats: map[string]chatmsg.ChatCursor{"A": {LastID: 3, Recent: []int64{1, 2, 3}}}}, orig)

	store := chatmsg.NewMemoryStore()
	ctx := context.Background()
	require.NoError(t, store.Save(ctx, "M", orig))
	orig.Chats["A"].Recent[1] = 98 // after Save
	loaded, found, err := store.Load(ctx, "M")
	require.NoError(t, err)
	require.True(t, found)
	loaded.Chats["A"].Recent[2] = 97 // after Load
	again, _, err := store.Load(ctx, "M")
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2, 3}, again.Chats["A"].Recent)
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
	r := startWatch(t, w.watch, members, fastWatch(chatmsg.WatchOptions{Concurrency: 4}), nil)
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

// TestHistoryUsesRowsBeyondPerPage: a service that ignores perpage answers
// 100 rows to a request for 20: History yields them all, once, and
// skips nothing; so does Chats.
func TestHistoryUsesRowsBeyondPerPage(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 250, "m")
	w.plugin.SetWorld(chatmsgtest.World{PerPage: chatmsg.MaxPerPage})
	ids, err := collect(t, w.send.History(context.Background(), w.alice, w.bob.UUID, chatmsg.HistoryOptions{PerPage: 20}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(250, 1), ids)
	ids, err = collect(t, w.send.History(context.Background(), w.alice, w.bob.UUID, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 7, PerPage: 20}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(8, 250), ids)

	for range 150 {
		w.sendN(t, w.srv.AddMember(okayapitest.Account{}), w.carol, 1, "hi")
	}
	n := 0
	for _, err := range w.send.Chats(context.Background(), w.carol, chatmsg.ChatsOptions{PerPage: 20}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 150, n)
}

// TestHistoryFromIsExclusive: against a service whose pages include
// last_id itself, History still starts after From (Newer) or before it
// (Older).
func TestHistoryFromIsExclusive(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.On(mock.serviceURL(chatmsg.ServiceTakeMessageList), func(req *http.Request) (*http.Response, error) {
		_ = req.ParseForm()
		var last int64
		_, _ = fmt.Sscan(req.Form.Get("last_id"), &last)
		var rows []string
		lo, hi := last, min(last+2, 10) // down, last_id included
		if req.Form.Get("direction") == "up" {
			lo, hi = max(last-2, 1), last // up, last_id included
		}
		for id := lo; id <= hi; id++ {
			rows = append(rows, fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_type":"text","chat_message_data":{"content":"x"},"chat_message_io":"out","chat_message_is_read":"0","add_time":"2019-08-11 17:12:02"}`, id, uuidAB))
		}
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[`+strings.Join(rows, ",")+`],"unread_num":0},"msg":""}`), nil
	})
	ids, err := collect(t, svc.History(context.Background(), replayMember(), uuidAB, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 4, PerPage: 3}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(5, 10), ids)
	ids, err = collect(t, svc.History(context.Background(), replayMember(), uuidAB, chatmsg.HistoryOptions{Order: chatmsg.Older, From: 6, PerPage: 3}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(5, 1), ids)
}

// TestChatsWhilePagesShift: a conversation that moves between two page
// reads is still yielded, once.
func TestChatsWhilePagesShift(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	for range 150 {
		w.sendN(t, w.srv.AddMember(okayapitest.Account{}), w.carol, 1, "hi")
	}
	w.plugin.Store(chatmsgtest.StoredMessage{From: "", To: w.carol.UUID}) // a row with no other member
	w.plugin.SetWorld(chatmsgtest.World{ShiftPages: true})
	got := map[string]int{}
	for c, err := range w.send.Chats(context.Background(), w.carol, chatmsg.ChatsOptions{}) {
		require.NoError(t, err)
		got[c.With]++
	}
	assert.Len(t, got, 151)
	for with, n := range got {
		assert.Equal(t, 1, n, with)
	}
}
