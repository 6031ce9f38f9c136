package watch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// watchWorld is a fake with five members. watch is the watch's Service,
// with retries off so that every injected fault reaches the watch; send is
// everyone else's: the senders, and the watched members' other devices.
type watchWorld struct {
	srv                           *okayapitest.Server
	plugin                        *chatmsgtest.Plugin
	chat, send                    *chatmsg.Service
	alice, bob, carol, dave, erin okayapi.Member
}

func newWatchWorld(t testing.TB, opts ...okayapitest.Option) *watchWorld {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t, opts...)
	w := &watchWorld{srv: srv, plugin: plugin}
	w.alice = srv.AddMember(okayapitest.Account{Username: "alice"})
	w.bob = srv.AddMember(okayapitest.Account{Username: "bob"})
	w.carol = srv.AddMember(okayapitest.Account{Username: "carol"})
	w.dave = srv.AddMember(okayapitest.Account{Username: "dave"})
	w.erin = srv.AddMember(okayapitest.Account{Username: "erin"})
	w.chat = chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
	w.send = chatmsg.New(okayapitest.NewClient(t, srv))
	return w
}

// sendN sends n text messages from one member to another.
func (w *watchWorld) sendN(t testing.TB, from, to okayapi.Member, n int, text string) {
	t.Helper()
	for i := range n {
		_, err := w.send.Send(context.Background(), from, to.UUID, chatmsg.Text{Content: fmt.Sprintf("%s %d", text, i+1)})
		require.NoError(t, err)
	}
}

// inbox returns the ids of the messages to a member, and with sent those
// from it too, ascending.
func (w *watchWorld) inbox(m okayapi.Member, sent bool) []int64 {
	var ids []int64
	for _, s := range w.plugin.Messages() {
		if s.To == m.UUID || sent && s.From == m.UUID {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func (w *watchWorld) calls(service string) int {
	n := 0
	for _, r := range w.srv.Requests() {
		if r.Service == service {
			n++
		}
	}
	return n
}

// fastWatch is opts with intervals of a few milliseconds and a short settle
// time, so that a test runs in a fraction of a second.
func fastWatch(opts watch.Options) watch.Options {
	if opts.MinInterval == 0 {
		opts.MinInterval = 2 * time.Millisecond
	}
	if opts.MaxInterval == 0 {
		opts.MaxInterval = 20 * time.Millisecond
	}
	if opts.Rate == 0 {
		opts.Rate = 1e6 // no budget to speak of
	}
	watch.SetSettle(&opts, 30*time.Millisecond)
	return opts
}

// watchRun is a watch running in its own goroutine, as a consumer would run
// it, recording what it yields.
type watchRun struct {
	mu       sync.Mutex
	events   []watch.Event
	errs     []error
	panicked any
	cancel   context.CancelFunc
	done     chan struct{}
}

// startWatch runs watch.Run over chat; body, if not nil, sees each event after it is
// recorded: false breaks out of the loop, and a panic leaves it.
func startWatch(t testing.TB, chat *chatmsg.Service, members []okayapi.Member, opts watch.Options, body func(watch.Event) bool) *watchRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &watchRun{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer func() { r.panicked = recover() }()
		for ev, err := range watch.Run(ctx, chat, members, opts) {
			r.mu.Lock()
			if err != nil {
				r.errs = append(r.errs, err)
			} else {
				r.events = append(r.events, ev)
			}
			r.mu.Unlock()
			if err == nil && body != nil && !body(ev) {
				return
			}
		}
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the watch and waits for its loop to end.
func (r *watchRun) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	r.wait(t)
}

// wait waits for the loop to end by itself.
func (r *watchRun) wait(t testing.TB) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the watch did not end")
	}
}

func (r *watchRun) snapshot() ([]watch.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), slices.Clone(r.errs)
}

func (r *watchRun) ids() []int64 {
	evs, _ := r.snapshot()
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		ids[i] = ev.Message.ID
	}
	return ids
}

// waitEvents waits until the watch has yielded n messages.
func (r *watchRun) waitEvents(t testing.TB, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.ids()) >= n }, 20*time.Second, time.Millisecond,
		"waiting for %d messages", n)
}

// waitSettled waits until the store holds n conversations of member's, all
// settled: from then on, a poll that finds nothing new is one call.
func waitSettled(t *testing.T, store watch.Store, member okayapi.Member, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		b, found, err := store.Load(context.Background(), strings.ToUpper(member.UUID))
		require.NoError(t, err)
		if !found {
			return false
		}
		c, err := watch.DecodeCursor(b)
		require.NoError(t, err)
		settled := 0
		for _, e := range c.Chats {
			if e.Settled {
				settled++
			}
		}
		return settled == n
	}, 20*time.Second, time.Millisecond, "waiting for %d settled conversations", n)
}

// assertOnceInOrder checks that events hold each of want exactly once, and
// each conversation's messages in id order.
func assertOnceInOrder(t *testing.T, events []watch.Event, want []int64) {
	t.Helper()
	got := map[int64]int{}
	last := map[string]int64{} // by member and conversation
	for _, ev := range events {
		id := ev.Message.ID
		got[id]++
		conv := ev.Member + "/" + strings.ToUpper(ev.Message.With)
		assert.Greater(t, id, last[conv], "conversation %s in id order", conv)
		last[conv] = id
	}
	for _, id := range want {
		assert.Equal(t, 1, got[id], "message %d yielded once", id)
		delete(got, id)
	}
	assert.Empty(t, got, "only the messages wanted")
}

// TestWatchEveryMessageOnceInOrder: bursts from several members, one above
// a page between two polls, some read elsewhere before the watch looked,
// with faults on both calls a poll makes: every message once, in order.
func TestWatchEveryMessageOnceInOrder(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	var hold atomic.Bool
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), func(watch.Event) bool {
		if hold.CompareAndSwap(true, false) {
			held <- struct{}{}
			<-release // the watch waits for the body: nothing is polled meanwhile
		}
		return true
	})

	w.sendN(t, w.bob, w.alice, 5, "hi")
	r.waitEvents(t, 5)

	w.srv.InjectFault(chatmsg.ServiceGetAllChatList, "drop-after", 2)
	w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 1)
	w.sendN(t, w.bob, w.alice, 3, "again")
	w.sendN(t, w.carol, w.alice, 2, "hello")
	r.waitEvents(t, 10)

	// Held in its body, the watch polls nothing while 250 messages from
	// three members arrive, alice sends two from her phone and reads
	// carol's there.
	hold.Store(true)
	w.sendN(t, w.dave, w.alice, 1, "knock")
	<-held
	w.sendN(t, w.bob, w.alice, 150, "burst")
	w.sendN(t, w.carol, w.alice, 60, "carol")
	w.sendN(t, w.dave, w.alice, 40, "dave")
	w.sendN(t, w.alice, w.bob, 2, "from alice's phone")
	_, err := w.send.MarkAllAsReaded(context.Background(), w.alice, w.carol.UUID)
	require.NoError(t, err)
	w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 2)
	w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "drop-after", 1)
	w.srv.InjectFault(chatmsg.ServiceGetAllChatList, "html502", 1)
	close(release)

	want := w.inbox(w.alice, false)
	require.Len(t, want, 261)
	r.waitEvents(t, len(want))
	// Read elsewhere between polls, the last ones too.
	w.sendN(t, w.erin, w.alice, 3, "late")
	_, err = w.send.MarkAllAsReaded(context.Background(), w.alice, w.erin.UUID)
	require.NoError(t, err)
	want = w.inbox(w.alice, false)
	r.waitEvents(t, len(want))
	time.Sleep(50 * time.Millisecond) // a few more polls: nothing more
	r.stop(t)

	events, errs := r.snapshot()
	assertOnceInOrder(t, events, want)
	for _, ev := range events {
		assert.Equal(t, w.alice.UUID, ev.Member)
		assert.Equal(t, chatmsg.Received, ev.Message.Direction)
	}
	require.Len(t, errs, 7+1, "each fault once, and the context's end")
	for _, err := range errs[:7] {
		assert.ErrorIs(t, err, okayapi.ErrTransport)
	}
	assert.ErrorIs(t, errs[7], context.Canceled)
}

// TestWatchResumesFromTheStore: a watch stopped and started again with the
// same store yields nothing twice and misses nothing that arrived while it
// was down; the cursor survives JSON.
func TestWatchResumesFromTheStore(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	store := watch.NewMemoryStore()
	opts := fastWatch(watch.Options{Store: store})
	members := []okayapi.Member{w.alice}

	w.sendN(t, w.bob, w.alice, 10, "one")
	w.sendN(t, w.carol, w.alice, 5, "two")
	r1 := startWatch(t, w.chat, members, opts, nil)
	r1.waitEvents(t, 15)
	r1.stop(t)
	first, _ := r1.snapshot()

	// While no watch runs: more than a page, a new conversation, messages
	// read elsewhere, a message sent elsewhere.
	w.sendN(t, w.bob, w.alice, 120, "while down")
	w.sendN(t, w.erin, w.alice, 3, "new")
	w.sendN(t, w.carol, w.alice, 2, "read elsewhere")
	_, err := w.send.MarkAllAsReaded(context.Background(), w.alice, w.carol.UUID)
	require.NoError(t, err)
	w.sendN(t, w.alice, w.dave, 1, "sent elsewhere")

	r2 := startWatch(t, w.chat, members, opts, nil)
	r2.waitEvents(t, 125)
	time.Sleep(30 * time.Millisecond)
	r2.stop(t)
	second, _ := r2.snapshot()
	assert.Len(t, second, 125, "only what arrived while down")
	assertOnceInOrder(t, append(first, second...), w.inbox(w.alice, false))

	// Through JSON, into another store: nothing again, then the next one.
	b, found, err := store.Load(context.Background(), strings.ToUpper(w.alice.UUID))
	require.NoError(t, err)
	require.True(t, found)
	c, err := watch.DecodeCursor(b)
	require.NoError(t, err)
	assert.Len(t, c.Chats, 4, "bob, carol, erin and dave")
	assert.NotContains(t, string(b), "while down", "no message text in the cursor")
	var back json.RawMessage
	require.NoError(t, json.Unmarshal(b, &back), "JSON")
	other := watch.NewMemoryStore()
	require.NoError(t, other.Save(context.Background(), strings.ToUpper(w.alice.UUID), back))

	before := w.calls(chatmsg.ServiceGetAllChatList)
	r3 := startWatch(t, w.chat, members, fastWatch(watch.Options{Store: other}), nil)
	require.Eventually(t, func() bool { return w.calls(chatmsg.ServiceGetAllChatList) >= before+5 }, 10*time.Second, time.Millisecond)
	assert.Empty(t, r3.ids(), "nothing handled is yielded again")
	w.sendN(t, w.bob, w.alice, 1, "next")
	r3.waitEvents(t, 1)
	all := w.inbox(w.alice, false)
	assert.Equal(t, all[len(all)-1:], r3.ids())
}

// TestWatchAtLeastOnce: a message whose body did not return (it panicked)
// is neither committed nor marked read, and the next watch yields it again;
// one whose body broke out of the loop is committed.
func TestWatchAtLeastOnce(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	store := watch.NewMemoryStore()
	opts := fastWatch(watch.Options{Store: store, MarkRead: true})
	members := []okayapi.Member{w.alice}
	w.sendN(t, w.bob, w.alice, 5, "m")
	ids := w.inbox(w.alice, false)

	r1 := startWatch(t, w.chat, members, opts, func(ev watch.Event) bool {
		if ev.Message.ID == ids[2] {
			panic("the handler crashed")
		}
		return true
	})
	r1.wait(t)
	assert.Equal(t, "the handler crashed", r1.panicked)
	assert.Equal(t, ids[:3], r1.ids())
	read := func() []bool {
		var out []bool
		for _, m := range w.plugin.Messages() {
			out = append(out, m.Read)
		}
		return out
	}
	assert.Equal(t, []bool{true, true, false, false, false}, read(), "read means handled")

	r2 := startWatch(t, w.chat, members, opts, nil)
	r2.waitEvents(t, 3)
	r2.stop(t)
	assert.Equal(t, ids[2:], r2.ids(), "the crashed one again, then the rest")
	assert.Equal(t, []bool{true, true, true, true, true}, read())

	w.sendN(t, w.bob, w.alice, 3, "n")
	ids = w.inbox(w.alice, false)
	r3 := startWatch(t, w.chat, members, opts, func(ev watch.Event) bool { return ev.Message.ID != ids[6] })
	r3.wait(t)
	assert.Equal(t, ids[5:7], r3.ids())
	assert.Equal(t, []bool{true, true, true, true, true, true, true, false}, read(), "the one it broke on was handled")

	r4 := startWatch(t, w.chat, members, opts, nil)
	r4.waitEvents(t, 1)
	time.Sleep(30 * time.Millisecond)
	r4.stop(t)
	assert.Equal(t, ids[7:], r4.ids())
}

// TestWatchIncludeSent: messages the member sent elsewhere are left out by
// default and yielded, in order among the received ones, with IncludeSent.
func TestWatchIncludeSent(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.alice, w.bob, 1, "a")
	w.sendN(t, w.bob, w.alice, 1, "b")
	w.sendN(t, w.alice, w.bob, 1, "a")
	w.sendN(t, w.alice, w.carol, 2, "c")

	for _, sent := range []bool{false, true} {
		want := w.inbox(w.alice, sent)
		r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{IncludeSent: sent}), nil)
		r.waitEvents(t, len(want))
		time.Sleep(30 * time.Millisecond)
		r.stop(t)
		events, _ := r.snapshot()
		assertOnceInOrder(t, events, want)
		for _, ev := range events {
			wantDir := chatmsg.Received
			if ev.Message.With != w.bob.UUID || ev.Message.ID != 2 {
				wantDir = chatmsg.Sent
			}
			assert.Equal(t, wantDir, ev.Message.Direction, "message %d", ev.Message.ID)
		}
	}
}

// TestWatchSinceNow: what was stored before Since is not new; reading
// where each conversation is costs one GetAllChatList, and one
// TakeMessageList for each conversation whose latest message is within
// Settle of Since. A stored cursor (and its Since) wins over SinceNow.
func TestWatchSinceNow(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	since := time.Now().Truncate(time.Second)
	old := func(from, to okayapi.Member, n int, before time.Duration) {
		for range n {
			w.plugin.Store(chatmsgtest.StoredMessage{From: from.UUID, To: to.UUID, Data: json.RawMessage(`{"content":"old"}`), SentAt: since.Add(-before)})
		}
	}
	old(w.bob, w.alice, 30, time.Minute)
	old(w.alice, w.carol, 1, time.Minute)
	old(w.carol, w.alice, 10, time.Second) // within Settle of Since: read
	store := watch.NewMemoryStore()
	opts := fastWatch(watch.Options{SinceNow: true, Since: since, Store: store})
	watch.SetSettle(&opts, 1500*time.Millisecond)

	start := len(w.srv.Requests())
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	require.Eventually(t, func() bool { return len(w.srv.Requests())-start >= 3 }, 10*time.Second, time.Millisecond)
	var first []string
	for _, req := range w.srv.Requests()[start : start+3] {
		first = append(first, req.Service)
	}
	assert.Equal(t, []string{chatmsg.ServiceGetAllChatList, chatmsg.ServiceTakeMessageList, chatmsg.ServiceGetAllChatList}, first,
		"the first poll: the chat list and the newest page of carol's, the only one near Since; then the next poll")
	assert.Empty(t, r.ids())

	n := len(w.plugin.Messages())
	w.sendN(t, w.bob, w.alice, 2, "new")
	w.sendN(t, w.carol, w.alice, 1, "new")
	r.waitEvents(t, 3)
	r.stop(t)
	assert.Equal(t, []int64{int64(n) + 1, int64(n) + 2, int64(n) + 3}, slices.Sorted(slices.Values(r.ids())))

	w.sendN(t, w.bob, w.alice, 2, "while down")
	opts.Since = time.Now().Add(time.Hour) // the stored cursor's Since wins
	r2 := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	r2.waitEvents(t, 2)
	r2.stop(t)
	assert.Equal(t, []int64{int64(n) + 4, int64(n) + 5}, r2.ids(), "the stored cursor, not now")
}

// TestWatchMarkRead: with MarkRead each message is read once taken;
// without, the watch leaves read flags alone.
func TestWatchMarkRead(t *testing.T) {
	t.Parallel()
	for _, mark := range []bool{false, true} {
		w := newWatchWorld(t)
		w.sendN(t, w.bob, w.alice, 3, "m")
		w.sendN(t, w.alice, w.bob, 1, "mine")
		r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{MarkRead: mark, IncludeSent: true}), nil)
		r.waitEvents(t, 4)
		r.stop(t)
		for _, m := range w.plugin.Messages() {
			assert.Equal(t, mark && m.To == w.alice.UUID, m.Read, "message %d, MarkRead %t", m.ID, mark)
		}
		assert.Equal(t, map[bool]int{false: 0, true: 3}[mark], w.calls(chatmsg.ServiceMarkAsReaded), "received ones only")
	}
}

// TestWatchFinalErrors: an error no retry can mend is yielded and ends the
// watch (or, for one member's login, that member's part of it).
func TestWatchFinalErrors(t *testing.T) {
	t.Parallel()
	type world struct {
		*watchWorld
		chat *chatmsg.Service
	}
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  error
	}{
		{"not installed", func(t *testing.T, w *world) { w.plugin.SetInstalled(false) }, chatmsg.ErrNotInstalled},
		{"bad app key", func(t *testing.T, w *world) {
			c, err := okayapi.New(w.srv.URL(), strings.Repeat("A", 32), okayapi.WithSecret(w.srv.Secret()))
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })
			w.chat = chatmsg.New(c)
		}, okayapi.ErrBadAppKey},
		{"bad signature", func(t *testing.T, w *world) {
			w.chat = chatmsg.New(okayapitest.NewClient(t, w.srv, okayapi.WithSecret("not the secret")))
		}, okayapi.ErrBadSignature},
		{"not logged in", func(t *testing.T, w *world) { w.srv.ExpireToken(w.alice.UUID) }, okayapi.ErrNotLoggedIn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &world{watchWorld: newWatchWorld(t)}
			w.chat = w.watchWorld.chat
			tt.setup(t, w)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var errs []error
			for _, err := range watch.Run(ctx, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{})) {
				require.Error(t, err)
				errs = append(errs, err)
			}
			require.NoError(t, ctx.Err(), "the watch ended by itself")
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tt.want)
		})
	}

	t.Run("one member of two", func(t *testing.T) {
		t.Parallel()
		w := newWatchWorld(t)
		w.srv.ExpireToken(w.alice.UUID)
		r := startWatch(t, w.chat, []okayapi.Member{w.alice, w.carol}, fastWatch(watch.Options{}), nil)
		w.sendN(t, w.bob, w.carol, 2, "hi")
		r.waitEvents(t, 2)
		require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) > 0 }, 20*time.Second, time.Millisecond)
		r.stop(t)
		events, errs := r.snapshot()
		for _, ev := range events {
			assert.Equal(t, w.carol.UUID, ev.Member)
		}
		require.Len(t, errs, 2, "alice's, once; then the context's")
		assert.ErrorIs(t, errs[0], okayapi.ErrNotLoggedIn)
		assert.ErrorIs(t, errs[1], context.Canceled)
	})
}

// TestWatchBadOptions: bad options or members are the first and only
// error, and nothing is sent.
func TestWatchBadOptions(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	lower := w.alice
	lower.UUID = strings.ToLower(lower.UUID)
	for _, tt := range []struct {
		name    string
		members []okayapi.Member
		opts    watch.Options
		field   string
	}{
		{"no member", nil, watch.Options{}, "members"},
		{"anonymous member", []okayapi.Member{{}}, watch.Options{}, "member"},
		{"member twice", []okayapi.Member{w.alice, w.bob, lower}, watch.Options{}, "members"},
		{"bad uuid", []okayapi.Member{okayapi.NewMember("nope", w.alice.Token())}, watch.Options{}, ""},
		{"negative min", []okayapi.Member{w.alice}, watch.Options{MinInterval: -time.Second}, "MinInterval"},
		{"negative max", []okayapi.Member{w.alice}, watch.Options{MaxInterval: -time.Second}, "MaxInterval"},
		{"min above max", []okayapi.Member{w.alice}, watch.Options{MinInterval: 2 * time.Second, MaxInterval: time.Second}, "MinInterval"},
		{"min above the default max", []okayapi.Member{w.alice}, watch.Options{MinInterval: time.Minute, MaxInterval: 30 * time.Second}, "MinInterval"},
		{"negative concurrency", []okayapi.Member{w.alice}, watch.Options{Concurrency: -1}, "Concurrency"},
		{"negative settle", []okayapi.Member{w.alice}, watch.Options{Settle: -time.Second}, "Settle"},
		{"settle below a second", []okayapi.Member{w.alice}, watch.Options{Settle: time.Second - time.Millisecond}, "Settle"},
		{"negative rate", []okayapi.Member{w.alice}, watch.Options{Rate: -1}, "Rate"},
		{"since without SinceNow", []okayapi.Member{w.alice}, watch.Options{Since: time.Now()}, "Since"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(w.srv.Requests())
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // a watch that starts ends here
			defer cancel()
			var errs []error
			for ev, err := range watch.Run(ctx, w.chat, tt.members, tt.opts) {
				assert.Zero(t, ev)
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			require.ErrorIs(t, errs[0], okayapi.ErrInvalidParam)
			if tt.field != "" {
				var ipe *okayapi.InvalidParamError
				require.ErrorAs(t, errs[0], &ipe)
				assert.Equal(t, tt.field, ipe.Field)
			}
			assert.Equal(t, before, len(w.srv.Requests()), "nothing sent")
		})
	}
}

// TestWatchManyMembers: several members at once, fewer polled at a time:
// each message to its member, once, in order.
func TestWatchManyMembers(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	members := []okayapi.Member{w.alice, w.carol, w.dave, w.erin}
	for i, m := range members {
		w.sendN(t, w.bob, m, 3+i, "hi")
	}
	r := startWatch(t, w.chat, members, fastWatch(watch.Options{Concurrency: 2}), nil)
	w.sendN(t, w.alice, w.carol, 2, "hi carol")
	w.sendN(t, w.dave, w.erin, 120, "hi erin")
	var want []int64
	for _, m := range members {
		want = append(want, w.inbox(m, false)...)
	}
	r.waitEvents(t, len(want))
	time.Sleep(30 * time.Millisecond)
	r.stop(t)
	events, _ := r.snapshot()
	assertOnceInOrder(t, events, want)
	byID := map[int64]chatmsgtest.StoredMessage{}
	for _, m := range w.plugin.Messages() {
		byID[m.ID] = m
	}
	for _, ev := range events {
		assert.Equal(t, byID[ev.Message.ID].To, ev.Member, "message %d to its member", ev.Message.ID)
		assert.Equal(t, byID[ev.Message.ID].From, ev.Message.With)
	}
}

// TestWatchManyConversations: more conversations than a chat-list page,
// and more of them changing at once than a page holds: the watch reads the
// pages that hold changes, each message once; idle, it reads page 1 only.
func TestWatchManyConversations(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	senders := make([]okayapi.Member, 130)
	for i := range senders {
		senders[i] = w.srv.AddMember(okayapitest.Account{})
		w.sendN(t, senders[i], w.alice, 1, "first")
	}
	var hold atomic.Bool
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	store := watch.NewMemoryStore()
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Store: store}), func(watch.Event) bool {
		if hold.CompareAndSwap(true, false) {
			held <- struct{}{}
			<-release
		}
		return true
	})
	r.waitEvents(t, 130)

	hold.Store(true)
	w.sendN(t, w.bob, w.alice, 1, "knock")
	<-held
	for _, m := range senders[:110] { // the oldest 110 conversations move to the top
		w.sendN(t, m, w.alice, 1, "second")
	}
	close(release)
	want := w.inbox(w.alice, false)
	r.waitEvents(t, len(want))
	events, _ := r.snapshot()
	assertOnceInOrder(t, events, want)

	// Once settled, a poll is page 1 and nothing else.
	waitSettled(t, store, w.alice, 131)
	start := len(w.srv.Requests())
	require.Eventually(t, func() bool { return len(w.srv.Requests())-start >= 10 }, 10*time.Second, time.Millisecond)
	r.stop(t)
	for _, req := range w.srv.Requests()[start:] {
		assert.Equal(t, chatmsg.ServiceGetAllChatList, req.Service)
		assert.Equal(t, "1", req.Form.Get("page"))
	}
	assert.Len(t, r.ids(), len(want))
}

// TestWatchSameMessageSameSecond: add_time has whole seconds, so a message
// the same as the one before it, in the same second, leaves the chat-list
// row as it was; the watch still yields it (the server's clock stands still
// here, so every message is in the same second).
func TestWatchSameMessageSameSecond(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	w := newWatchWorld(t, okayapitest.WithClock(func() time.Time { return now }))
	opts := watch.Options{MinInterval: 2 * time.Millisecond, MaxInterval: 20 * time.Millisecond} // the real settle time
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	send := func() {
		_, err := w.send.Send(context.Background(), w.bob, w.alice.UUID, chatmsg.Text{Content: "ok"})
		require.NoError(t, err)
	}
	send()
	r.waitEvents(t, 1)
	send()
	r.waitEvents(t, 2)
	send()
	send()
	r.waitEvents(t, 4)
	r.stop(t)
	events, _ := r.snapshot()
	assertOnceInOrder(t, events, w.inbox(w.alice, false))
}

// TestWatchIdleCostsOneCallPerPoll: once every conversation has settled, a
// poll that finds nothing new is one GetAllChatList and nothing else.
func TestWatchIdleCostsOneCallPerPoll(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 3, "hi")
	w.sendN(t, w.carol, w.alice, 2, "hi")
	w.sendN(t, w.alice, w.dave, 2, "hi")
	store := watch.NewMemoryStore()
	opts := fastWatch(watch.Options{Store: store, MaxInterval: 5 * time.Millisecond})
	r1 := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	r1.waitEvents(t, 5)
	waitSettled(t, store, w.alice, 3)
	r1.stop(t)

	start := len(w.srv.Requests())
	r2 := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	const polls = 20
	require.Eventually(t, func() bool { return len(w.srv.Requests())-start >= polls }, 10*time.Second, time.Millisecond)
	r2.stop(t)
	reqs := w.srv.Requests()[start:]
	lists := 0
	for _, req := range reqs {
		if req.Service == chatmsg.ServiceGetAllChatList {
			lists++
		}
	}
	assert.GreaterOrEqual(t, lists, polls)
	assert.Equal(t, lists, len(reqs), "N idle polls, N calls")
	assert.Empty(t, r2.ids())
}

// TestWatchBreakStopsEverything: when the loop is over, the watch sends
// nothing more: every goroutine has returned (see also
// TestWatchLeavesNoGoroutine).
func TestWatchBreakStopsEverything(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	members := []okayapi.Member{w.alice, w.carol, w.dave}
	for _, m := range members {
		w.sendN(t, w.bob, m, 20, "hi")
	}
	n := 0
	for _, err := range watch.Run(context.Background(), w.chat, members, fastWatch(watch.Options{Concurrency: 3})) {
		require.NoError(t, err)
		if n++; n == 7 {
			break
		}
	}
	time.Sleep(20 * time.Millisecond) // requests cancelled in flight may still reach the server
	before := len(w.srv.Requests())
	time.Sleep(60 * time.Millisecond) // several intervals
	assert.Equal(t, before, len(w.srv.Requests()), "no poll after the loop is over")
}

// TestWatchDelay reports how long a message takes from Send to the loop's
// body at a fixed interval (the goal: within one interval, plus 10% jitter,
// plus one round trip). It logs, and asserts no timing.
func TestWatchDelay(t *testing.T) {
	t.Parallel()
	for _, interval := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond} {
		t.Run(interval.String(), func(t *testing.T) {
			t.Parallel()
			d := measureDelay(t, interval, interval, 15)
			t.Logf("interval %v: send→delivery p50 %v, p90 %v, max %v; round trip %v; goal %v",
				interval, d.p50, d.p90, d.max, d.rtt, interval+interval/10+d.rtt)
		})
	}
}

type delays struct{ p50, p90, max, rtt time.Duration }

// measureDelay sends n messages, each at a random moment of the poll cycle,
// and measures each one's way from Send returning to the body.
func measureDelay(tb testing.TB, minInterval, maxInterval time.Duration, n int) delays {
	tb.Helper()
	w := newWatchWorld(tb)
	got := make(chan time.Time, 1)
	opts := watch.Options{MinInterval: minInterval, MaxInterval: maxInterval}
	startWatch(tb, w.chat, []okayapi.Member{w.alice}, opts, func(watch.Event) bool {
		select {
		case got <- time.Now():
		default: // the test has given up
		}
		return true
	})
	var all []time.Duration
	for i := range n {
		time.Sleep(time.Duration(i%5) * maxInterval / 5) // spread over the cycle
		_, err := w.send.Send(context.Background(), w.bob, w.alice.UUID, chatmsg.Text{Content: fmt.Sprint("ping ", i)})
		require.NoError(tb, err)
		sent := time.Now()
		select {
		case at := <-got:
			all = append(all, at.Sub(sent))
		case <-time.After(20 * time.Second):
			tb.Fatalf("message %d not delivered", i)
		}
	}
	slices.Sort(all)
	rttStart := time.Now()
	_, err := w.send.GetAllChatList(context.Background(), w.alice, chatmsg.ChatListOptions{})
	require.NoError(tb, err)
	return delays{p50: all[len(all)/2], p90: all[len(all)*9/10], max: all[len(all)-1], rtt: time.Since(rttStart)}
}

// BenchmarkWatchDelay reports the delay from Send to delivery at a fixed
// interval of 50 ms (ms-p50, ms-max) and the round trip of one poll.
func BenchmarkWatchDelay(b *testing.B) {
	d := measureDelay(b, 50*time.Millisecond, 50*time.Millisecond, max(b.N, 10))
	b.ReportMetric(float64(d.p50)/1e6, "ms-p50")
	b.ReportMetric(float64(d.p90)/1e6, "ms-p90")
	b.ReportMetric(float64(d.max)/1e6, "ms-max")
	b.ReportMetric(float64(d.rtt)/1e6, "ms-rtt")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWatchIdle reports the calls an idle watch makes per poll, and per
// minute at the default MaxInterval.
func BenchmarkWatchIdle(b *testing.B) {
	w := newWatchWorld(b)
	w.sendN(b, w.bob, w.alice, 3, "hi")
	store := watch.NewMemoryStore()
	opts := watch.Options{Store: store, MinInterval: time.Millisecond, MaxInterval: time.Millisecond}
	watch.SetSettle(&opts, time.Millisecond)
	r := startWatch(b, w.chat, []okayapi.Member{w.alice}, opts, nil)
	r.waitEvents(b, 3)
	time.Sleep(20 * time.Millisecond) // settled
	start, lists := len(w.srv.Requests()), w.calls(chatmsg.ServiceGetAllChatList)
	b.ResetTimer()
	for range b.N {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	r.stop(b)
	calls := len(w.srv.Requests()) - start
	polls := w.calls(chatmsg.ServiceGetAllChatList) - lists
	perPoll := float64(calls) / float64(max(polls, 1))
	b.ReportMetric(perPoll, "calls/idle-poll")
	b.ReportMetric(perPoll*float64(time.Minute/30*time.Second), "calls/idle-min")
	b.ReportMetric(0, "ns/op")
}
