package watch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// watchErr is err as a *watch.Error, which every error a watch
// yields is.
func watchErr(t *testing.T, err error) *watch.Error {
	t.Helper()
	var we *watch.Error
	require.ErrorAs(t, err, &we)
	return we
}

// TestWatchErrorsSayWhetherFinal: every error a watch yields says whether
// it ended the member's watch, the whole watch, or nothing; only what no
// retry can mend ends anything.
func TestWatchErrorsSayWhetherFinal(t *testing.T) {
	t.Parallel()

	t.Run("passing faults and odd rows end nothing", func(t *testing.T) {
		t.Parallel()
		w := newWatchWorld(t)
		w.plugin.Store(chatmsgtest.StoredMessage{From: "system", To: w.alice.UUID, Data: json.RawMessage(`{"content":"welcome"}`)})
		w.srv.InjectFault(chatmsg.ServiceGetAllChatList, "exception", 1)
		w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 1)
		w.sendN(t, w.bob, w.alice, 2, "hi")
		r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), nil)
		r.waitEvents(t, 2)
		require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) >= 3 }, 10*time.Second, time.Millisecond)
		r.stop(t)
		_, errs := r.snapshot()
		require.Len(t, errs, 4, "a 500, a 502, the odd row; then the context's")
		for _, err := range errs[:3] {
			we := watchErr(t, err)
			assert.False(t, we.Final(), "%v", err)
			assert.False(t, we.MemberEnded)
			assert.False(t, we.WatchEnded)
			assert.Equal(t, w.alice.UUID, we.Member)
		}
		we := watchErr(t, errs[3])
		assert.True(t, we.WatchEnded, "the context's end ends the watch")
		assert.ErrorIs(t, we, context.Canceled)
	})

	t.Run("a member's login ends that member only", func(t *testing.T) {
		t.Parallel()
		w := newWatchWorld(t)
		w.srv.ExpireToken(w.alice.UUID)
		r := startWatch(t, w.chat, []okayapi.Member{w.alice, w.carol, w.dave}, fastWatch(watch.Options{}), nil)
		require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) > 0 }, 10*time.Second, time.Millisecond)
		w.sendN(t, w.bob, w.carol, 1, "hi")
		w.sendN(t, w.bob, w.dave, 1, "hi")
		r.waitEvents(t, 2)
		r.stop(t)
		_, errs := r.snapshot()
		require.Len(t, errs, 2, "alice's, once; then the context's")
		we := watchErr(t, errs[0])
		assert.ErrorIs(t, we, okayapi.ErrNotLoggedIn)
		assert.Equal(t, w.alice.UUID, we.Member)
		assert.True(t, we.MemberEnded)
		assert.False(t, we.WatchEnded)
		assert.True(t, we.Final())
	})

	t.Run("an app-wide error ends the watch of several members, once", func(t *testing.T) {
		t.Parallel()
		w := newWatchWorld(t)
		w.plugin.SetInstalled(false)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var errs []error
		for _, err := range watch.Run(ctx, w.chat, []okayapi.Member{w.alice, w.carol, w.dave}, fastWatch(watch.Options{Concurrency: 3})) {
			require.Error(t, err)
			errs = append(errs, err)
		}
		require.NoError(t, ctx.Err(), "the watch ended by itself")
		require.Len(t, errs, 1)
		we := watchErr(t, errs[0])
		assert.ErrorIs(t, we, chatmsg.ErrNotInstalled)
		assert.True(t, we.WatchEnded)
		assert.True(t, we.MemberEnded)
	})

	t.Run("bad options end the watch", func(t *testing.T) {
		t.Parallel()
		w := newWatchWorld(t)
		for _, err := range watch.Run(context.Background(), w.chat, []okayapi.Member{w.alice}, watch.Options{Settle: time.Millisecond}) {
			we := watchErr(t, err)
			assert.True(t, we.WatchEnded)
			assert.Empty(t, we.Member)
			assert.Equal(t, err.Error(), we.Err.Error())
		}
	})
}

// TestWatchFinalTable: which errors end a member's watch and which the
// whole watch, as the service answers them.
func TestWatchFinalTable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		setup         func(w *watchWorld)
		member, watch bool
	}{
		{"not logged in", func(w *watchWorld) { w.srv.ExpireToken(w.alice.UUID) }, true, false},
		{"not installed", func(w *watchWorld) { w.plugin.SetInstalled(false) }, true, true},
		{"server error", func(w *watchWorld) { w.srv.InjectFault("", "exception", 1) }, false, false},
		{"a gateway error", func(w *watchWorld) { w.srv.InjectFault("", "html502", 1) }, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWatchWorld(t)
			tt.setup(w)
			r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), nil)
			require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) > 0 }, 10*time.Second, time.Millisecond)
			r.stop(t)
			_, errs := r.snapshot()
			we := watchErr(t, errs[0])
			assert.Equal(t, tt.member, we.MemberEnded, "%v", we)
			assert.Equal(t, tt.watch, we.WatchEnded, "%v", we)
		})
	}
}

// TestWatchGoesOnAfterTheServiceRefusesAParameter: ret 400 from the
// service is not final: the member's watch goes on.
func TestWatchGoesOnAfterTheServiceRefusesAParameter(t *testing.T) {
	t.Parallel()
	mock := wiretest.NewMock(t)
	const base = "https://hn216.api.yesapi.test"
	c, err := okayapi.New(base, wiretest.VectorAppKey, okayapi.WithSecret(wiretest.VectorSecret),
		okayapi.WithHTTPClient(mock.HTTPClient()), okayapi.WithURLForm(okayapi.QueryForm), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	svc := chatmsg.New(c)
	var calls atomic.Int32
	mock.On(base+"/?s="+chatmsg.ServiceGetAllChatList, func(*http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return httpmock.NewStringResponse(200, `{"ret":400,"data":{},"msg":"非法请求：参数错误"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[],"total":0},"msg":""}`), nil
	})
	r := startWatch(t, svc, []okayapi.Member{okayapi.NewMember("3F2504E04F8941D39A0C0305E82C3301", "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C")}, fastWatch(watch.Options{}), nil)
	require.Eventually(t, func() bool { return calls.Load() >= 3 }, 10*time.Second, time.Millisecond, "polls after the refusal")
	r.stop(t)
	_, errs := r.snapshot()
	require.Len(t, errs, 2, "the refusal; then the context's")
	assert.ErrorIs(t, errs[0], okayapi.ErrBadRequest)
	assert.False(t, watchErr(t, errs[0]).Final())
}

// TestWatchKeepsToItsRate: 20 members polling every millisecond share one
// budget of 20 requests a second.
func TestWatchKeepsToItsRate(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	members := make([]okayapi.Member, 20)
	for i := range members {
		members[i] = w.srv.AddMember(okayapitest.Account{})
	}
	opts := fastWatch(watch.Options{MinInterval: time.Millisecond, MaxInterval: time.Millisecond, Rate: 20, Concurrency: 8})
	before := len(w.srv.Requests())
	start := time.Now()
	r := startWatch(t, w.chat, members, opts, nil)
	time.Sleep(500 * time.Millisecond)
	r.stop(t)
	elapsed := time.Since(start)
	n := len(w.srv.Requests()) - before
	burst := 2 // the budget's burst: a tenth of a second's worth, at least 1
	assert.LessOrEqual(t, float64(n), 20*elapsed.Seconds()+float64(burst), "%d requests in %v", n, elapsed)
	assert.Positive(t, n)
}

// TestTruncatedIsReported: a page with more rows than asked says so.
func TestTruncatedIsReported(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 30, "m")
	w.sendN(t, w.carol, w.alice, 1, "m")
	list, err := w.send.TakeMessageList(context.Background(), w.alice, w.bob.UUID, chatmsg.ListOptions{PerPage: 10})
	require.NoError(t, err)
	assert.False(t, list.Truncated)
	w.plugin.SetWorld(chatmsgtest.World{PerPage: chatmsg.MaxPerPage})
	list, err = w.send.TakeMessageList(context.Background(), w.alice, w.bob.UUID, chatmsg.ListOptions{PerPage: 10})
	require.NoError(t, err)
	assert.True(t, list.Truncated)
	assert.Len(t, list.Messages, 10)
	chats, err := w.send.GetAllChatList(context.Background(), w.alice, chatmsg.ChatListOptions{PerPage: 1})
	require.NoError(t, err)
	assert.True(t, chats.Truncated)
	assert.Len(t, chats.Chats, 1)
}

// TestWatchSinceNowKeepsItsStart: a SinceNow watch stopped before anything
// arrived has saved its start; the next watch with the same store goes on
// from it, whatever its own Since.
func TestWatchSinceNowKeepsItsStart(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	store := watch.NewMemoryStore()
	opts := fastWatch(watch.Options{SinceNow: true, Since: time.Now().Add(-time.Minute), Store: store})
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	require.Eventually(t, func() bool {
		_, found, _ := store.Load(context.Background(), strings.ToUpper(w.alice.UUID))
		return found
	},
		10*time.Second, time.Millisecond)
	r.stop(t)
	w.sendN(t, w.bob, w.alice, 2, "while down")
	opts.Since = time.Now().Add(time.Hour)
	r = startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	r.waitEvents(t, 2)
	r.stop(t)
	assert.Equal(t, w.inbox(w.alice, false), r.ids())
}

// TestWatchSinceNowReadsBackASettle: ids and add_time may disagree by a
// little (a message's time is taken before its row gets its id): a message
// from after the start, with a lower id than one from before it, is still
// yielded.
func TestWatchSinceNowReadsBackASettle(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	since := time.Now().Truncate(time.Second).Add(-time.Minute)
	store := func(at time.Time, text string) {
		w.plugin.Store(chatmsgtest.StoredMessage{From: w.bob.UUID, To: w.alice.UUID, Data: json.RawMessage(`{"content":"` + text + `"}`), SentAt: at})
	}
	store(since.Add(-time.Hour), "old")
	store(since, "new, id 2")
	store(since.Add(-time.Second), "old, id 3")
	opts := fastWatch(watch.Options{SinceNow: true, Since: since})
	watch.SetSettle(&opts, 1500*time.Millisecond)
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, opts, nil)
	r.waitEvents(t, 1)
	time.Sleep(50 * time.Millisecond) // more polls: nothing else
	r.stop(t)
	assert.Equal(t, []int64{2}, r.ids())
}
