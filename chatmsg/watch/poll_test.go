package watch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

// editedWatch is a Service for the watch whose TakeMessageList rows pass
// through edit.
func editedWatch(t testing.TB, srv *okayapitest.Server, edit func(row map[string]any)) *chatmsg.Service {
	t.Helper()
	return chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0), okayapi.WithHTTPClient(&http.Client{Transport: listRT{func(list []any) []any {
		for _, it := range list {
			if row, ok := it.(map[string]any); ok {
				edit(row)
			}
		}
		return list
	}}})))
}

// polls counts member's polls so far: its requests for page 1 of the chat
// list.
func polls(srv *okayapitest.Server, member okayapi.Member) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Service == chatmsg.ServiceGetAllChatList && r.Form.Get("page") == "1" && strings.EqualFold(r.Form.Get("uuid"), member.UUID) {
			n++
		}
	}
	return n
}

// waitFor waits until the watch has yielded n messages or member has been
// polled n times: a test then checks that it was the former.
func (r *watchRun) waitFor(t *testing.T, srv *okayapitest.Server, member okayapi.Member, events, pollCount int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.ids()) >= events || polls(srv, member) >= pollCount },
		20*time.Second, time.Millisecond, "waiting for %d messages or %d polls", events, pollCount)
}

// TestWatchBacksOffUntilSomethingIsNew: a poll that finds a new message
// brings the next one MinInterval later; one that finds nothing new, even
// one that reads a conversation not yet settled, doubles the wait, up to
// MaxInterval (30 s by default). Counted in polls, not in time: carol gets
// a new message at each of her polls, alice's one conversation never
// settles (it is read at each of her polls) and brings nothing new after
// the first; alice is polled far less often.
func TestWatchBacksOffUntilSomethingIsNew(t *testing.T) {
	t.Parallel()
	for _, maxInterval := range []time.Duration{500 * time.Millisecond, 0} {
		t.Run(fmt.Sprint("MaxInterval ", maxInterval), func(t *testing.T) {
			t.Parallel()
			w := newWatchWorld(t)
			w.sendN(t, w.bob, w.alice, 1, "once")
			w.sendN(t, w.dave, w.carol, 1, "next")
			opts := fastWatch(watch.Options{MinInterval: 2 * time.Millisecond})
			opts.MaxInterval = maxInterval
			watch.SetSettle(&opts, time.Hour)
			r := startWatch(t, w.chat, []okayapi.Member{w.alice, w.carol}, opts, func(ev watch.Event) bool {
				if ev.Member == w.carol.UUID { // one more for carol's next poll
					_, err := w.send.Send(context.Background(), w.dave, w.carol.UUID, chatmsg.Text{Content: "next"})
					assert.NoError(t, err)
				}
				return true
			})
			require.Eventually(t, func() bool { return polls(w.srv, w.carol) >= 30 || polls(w.srv, w.alice) >= 15 },
				20*time.Second, time.Millisecond)
			r.stop(t)
			alice, carol := polls(w.srv, w.alice), polls(w.srv, w.carol)
			assert.GreaterOrEqual(t, carol, 30, "carol, new messages at each poll: every MinInterval")
			assert.Less(t, alice, 15, "alice, nothing new after the first poll: the wait doubles (carol was polled %d times)", carol)
			assert.GreaterOrEqual(t, alice, 2)
			var aliceReads int
			for _, req := range w.srv.Requests() {
				if req.Service == chatmsg.ServiceTakeMessageList && strings.EqualFold(req.Form.Get("uuid"), w.alice.UUID) {
					aliceReads++
				}
			}
			assert.GreaterOrEqual(t, aliceReads, 2, "alice's conversation read again, not yet settled")
		})
	}
}

// TestWatchAcceptsTheShortestSettle: Settle may be exactly 1 s, the
// shortest a watch accepts.
func TestWatchAcceptsTheShortestSettle(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 1, "hi")
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Settle: time.Second}), nil)
	require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(r.ids()) > 0 || len(errs) > 0 }, 10*time.Second, time.Millisecond)
	r.stop(t)
	assert.Equal(t, w.inbox(w.alice, false), r.ids())
	_, errs := r.snapshot()
	require.Len(t, errs, 1, "the context's end only")
	assert.ErrorIs(t, errs[0], context.Canceled)
}

// TestWatchReadsTheLastChatListPage: a member with as many conversations
// as the chat list shows (MaxPage pages of MaxPerPage), each page ending
// with a new message and the other rows ones the watch passes over (their
// other member is not a uuid), gets every message: that of the last page
// too.
func TestWatchReadsTheLastChatListPage(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	const convs = chatmsg.MaxPage * chatmsg.MaxPerPage
	var want []int64
	for p := convs - 1; p >= 0; p-- { // the newest last: row p of the list
		from := fmt.Sprintf("system-%d", p)
		if p%chatmsg.MaxPerPage == chatmsg.MaxPerPage-1 {
			from = fmt.Sprintf("%032X", p+1)
		}
		m := w.plugin.Store(chatmsgtest.StoredMessage{From: from, To: w.alice.UUID, Data: json.RawMessage(`{"content":"hi"}`)})
		if !strings.HasPrefix(from, "system") {
			want = append(want, m.ID)
		}
	}
	require.Len(t, want, chatmsg.MaxPage)
	var got atomic.Int32 // r.ids would copy the 9,900 reports each time
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{}), func(watch.Event) bool { got.Add(1); return true })
	require.Eventually(t, func() bool { return int(got.Load()) >= len(want) || polls(w.srv, w.alice) >= 3 },
		20*time.Second, 5*time.Millisecond)
	r.stop(t)
	assert.ElementsMatch(t, want, r.ids(), "one message a page, the last page's included")
	lastPage := 0
	for _, req := range w.srv.Requests() {
		if req.Service == chatmsg.ServiceGetAllChatList && req.Form.Get("page") == fmt.Sprint(chatmsg.MaxPage) {
			lastPage++
		}
	}
	assert.Equal(t, 1, lastPage, "page %d read once, at the first poll", chatmsg.MaxPage)
}

// TestWatchSinceNowLeavesOldConversationsAlone: with SinceNow,
// conversations whose latest message is from well before Since cost no
// TakeMessageList, at the first poll or after it, those beyond the first
// chat-list page included.
func TestWatchSinceNowLeavesOldConversationsAlone(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	since := time.Now().Truncate(time.Second)
	for i := range chatmsg.MaxPerPage + 20 {
		w.plugin.Store(chatmsgtest.StoredMessage{From: fmt.Sprintf("%032X", i+1), To: w.alice.UUID, Data: json.RawMessage(`{"content":"old"}`), SentAt: since.Add(-time.Hour)})
	}
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{SinceNow: true, Since: since}), nil)
	require.Eventually(t, func() bool { return polls(w.srv, w.alice) >= 4 }, 20*time.Second, time.Millisecond)
	r.stop(t)
	assert.Empty(t, r.ids())
	assert.Zero(t, w.calls(chatmsg.ServiceTakeMessageList), "no conversation read: all are from before Since")
	assert.Equal(t, 1, w.calls(chatmsg.ServiceGetAllChatList)-polls(w.srv, w.alice), "page 2 read once, at the first poll")
}

// TestWatchResumesFromACursorOfLastIDsOnly: a stored cursor that holds
// each conversation's last id and nothing else (written by hand, or by a
// version that kept no more) is gone on from: the messages after it, once.
func TestWatchResumesFromACursorOfLastIDsOnly(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 3, "m")
	store := watch.NewMemoryStore()
	c := watch.Cursor{Chats: map[string]watch.ChatCursor{strings.ToUpper(w.bob.UUID): {LastID: 2}}}
	require.NoError(t, store.Save(context.Background(), strings.ToUpper(w.alice.UUID), watch.EncodeCursor(c)))
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Store: store}), nil)
	r.waitEvents(t, 1)
	require.Eventually(t, func() bool { return polls(w.srv, w.alice) >= 3 }, 20*time.Second, time.Millisecond)
	r.stop(t)
	assert.Equal(t, []int64{3}, r.ids())
}

// TestWatchSinceNowReadsPastAnUnreadableOldRow: with SinceNow, a
// conversation read from its newest message back to Since goes on past a
// row whose id cannot be read (the service shows it last in its page),
// even one from before Since: every message of the conversation from
// Since on is yielded, those of the page before included.
func TestWatchSinceNowReadsPastAnUnreadableOldRow(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	since := time.Now().Truncate(time.Second).Add(-time.Minute)
	const odd = chatmsg.MaxPerPage + 50 // on the newest page, with the newest after it
	var want []int64
	for id := int64(1); id <= odd+1; id++ {
		at := since.Add(10 * time.Second)
		if id == odd {
			at = since.Add(-time.Hour)
		}
		plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"content":"m"}`), SentAt: at})
		if id != odd {
			want = append(want, id)
		}
	}
	chat := editedWatch(t, srv, func(row map[string]any) {
		if fmt.Sprint(row["id"]) == fmt.Sprint(odd) {
			row["id"] = "not an id"
		}
	})
	r := startWatch(t, chat, []okayapi.Member{alice}, fastWatch(watch.Options{SinceNow: true, Since: since}), nil)
	r.waitFor(t, srv, alice, len(want), 3)
	r.stop(t)
	assert.Equal(t, want, slices.Sorted(slices.Values(r.ids())), "all but the unreadable one, the page before it included")
}

// TestWatchFillsInTheOtherMember: a message row without its other member
// (chat_message_to_uuid) is yielded with the conversation's: Message.With
// is always the other member.
func TestWatchFillsInTheOtherMember(t *testing.T) {
	t.Parallel()
	srv, _ := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	send := chatmsg.New(okayapitest.NewClient(t, srv))
	for range 2 {
		_, err := send.Send(context.Background(), bob, alice.UUID, chatmsg.Text{Content: "hi"})
		require.NoError(t, err)
	}
	chat := editedWatch(t, srv, func(row map[string]any) { delete(row, "chat_message_to_uuid") })
	r := startWatch(t, chat, []okayapi.Member{alice}, fastWatch(watch.Options{MarkRead: true}), nil)
	r.waitEvents(t, 2)
	r.stop(t)
	events, errs := r.snapshot()
	for _, ev := range events {
		assert.Equal(t, bob.UUID, ev.Message.With, "message %d", ev.Message.ID)
	}
	require.Len(t, errs, 1, "the context's end only")
	assert.ErrorIs(t, errs[0], context.Canceled)
}
