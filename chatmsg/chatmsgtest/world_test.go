package chatmsgtest_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// clock is a settable clock for the server.
type clock struct{ ns atomic.Int64 }

func newClock() *clock                   { c := &clock{}; c.ns.Store(fixedTime.UnixNano()); return c }
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func take(other string, perpage int) url.Values {
	return url.Values{"other_uuid": {other}, "perpage": {strconv.Itoa(perpage)}}
}

func chatPage(page, perpage int) url.Values {
	return url.Values{"page": {strconv.Itoa(page)}, "perpage": {strconv.Itoa(perpage)}}
}

func (f *fake) list(service string, who okayapi.Member, extra url.Values) wireList {
	f.t.Helper()
	var l wireList
	f.ok(service, who, extra).into(f.t, &l)
	return l
}

func unreadNum(t *testing.T, f *fake, who okayapi.Member) int {
	var d struct {
		N int `json:"unread_num"`
	}
	f.ok(svcUnread, who, nil).into(t, &d)
	return d.N
}

// Lag: a stored message shows in the reads only Lag after it was stored,
// by the server's clock.
func TestWorldLag(t *testing.T) {
	t.Parallel()
	clk := newClock()
	f := newFake(t, okayapitest.WithClock(clk.now))
	ms := f.members(2)
	f.plugin.SetWorld(chatmsgtest.World{Lag: 2 * time.Second})
	f.ok(svcSend, ms[0], to(ms[1].UUID, text("late")))
	require.Len(t, f.plugin.Messages(), 1, "stored at once")
	assert.Empty(t, f.list(svcTake, ms[1], take(ms[0].UUID, 20)).List)
	assert.Zero(t, f.list(svcChatList, ms[1], chatPage(1, 20)).Total)
	assert.Zero(t, unreadNum(t, f, ms[1]))
	clk.advance(1999 * time.Millisecond)
	assert.Empty(t, f.list(svcTake, ms[0], take(ms[1].UUID, 20)).List)
	clk.advance(time.Millisecond)
	assert.Len(t, f.list(svcTake, ms[1], take(ms[0].UUID, 20)).List, 1)
	assert.Equal(t, 1, f.list(svcChatList, ms[1], chatPage(1, 20)).Total)
	assert.Equal(t, 1, unreadNum(t, f, ms[1]))
}

// ShuffleTies: rows with the same add_time come in another order from one
// read to the next; without it the order is stable.
func TestWorldShuffleTies(t *testing.T) {
	t.Parallel()
	f := newFake(t) // a fixed clock: every message has the same add_time
	ms := f.members(7)
	for i := range 6 {
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("m"+strconv.Itoa(i))))
		f.ok(svcSend, ms[0], to(ms[1+i].UUID, text("c"+strconv.Itoa(i))))
	}
	pageOrder := func() string {
		return strings.Join(strconvIDs(ids(f.list(svcTake, ms[0], take(ms[1].UUID, 20)).List)), " ")
	}
	chatOrder := func() string {
		var s string
		for _, it := range f.list(svcChatList, ms[0], chatPage(1, 20)).List {
			s += it.ToUUID + " "
		}
		return s
	}
	stable := [2]string{pageOrder(), chatOrder()}
	for range 5 {
		assert.Equal(t, stable, [2]string{pageOrder(), chatOrder()}, "stable without ShuffleTies")
	}
	f.plugin.SetWorld(chatmsgtest.World{ShuffleTies: true})
	pages, chats := map[string]bool{}, map[string]bool{}
	for range 40 {
		l := f.list(svcTake, ms[0], take(ms[1].UUID, 20)).List
		require.Len(t, l, 7)
		got := ids(l)
		assert.ElementsMatch(t, []int64{1, 2, 3, 5, 7, 9, 11}, got, "the same rows, in some order")
		pages[pageOrder()] = true
		chats[chatOrder()] = true
	}
	assert.Greater(t, len(pages), 1, "the page's order changed between reads")
	assert.Greater(t, len(chats), 1, "the chat list's order changed between reads")
}

func strconvIDs(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// ShiftPages: between two page reads a row moves, so one conversation is
// read twice and another not at all.
func TestWorldShiftPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(5)
	for _, m := range ms[1:] {
		f.ok(svcSend, ms[0], to(m.UUID, text("hi")))
	}
	read := func() []string {
		var seen []string
		for page := 1; page <= 2; page++ {
			for _, it := range f.list(svcChatList, ms[0], chatPage(page, 2)).List {
				seen = append(seen, it.ToUUID)
			}
		}
		return seen
	}
	all := []string{ms[1].UUID, ms[2].UUID, ms[3].UUID, ms[4].UUID}
	assert.ElementsMatch(t, all, read(), "without ShiftPages two pages hold every conversation once")
	f.plugin.SetWorld(chatmsgtest.World{ShiftPages: true})
	seen := read()
	require.Len(t, seen, 4)
	distinct := map[string]bool{}
	for _, u := range seen {
		distinct[u] = true
	}
	assert.Len(t, distinct, 3, "one conversation read twice, one missed: %v", seen)
	assert.Equal(t, 4, f.list(svcChatList, ms[0], chatPage(1, 2)).Total)
}

// PerPage: the service answers that many rows whatever perpage asks.
func TestWorldPerPage(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(4)
	for i := range 30 {
		f.ok(svcSend, ms[0], to(ms[1+i%3].UUID, text(strconv.Itoa(i))))
	}
	assert.Len(t, f.list(svcTake, ms[0], take(ms[1].UUID, 5)).List, 5)
	assert.Len(t, f.list(svcChatList, ms[0], chatPage(1, 1)).List, 1)
	f.plugin.SetWorld(chatmsgtest.World{PerPage: 100})
	assert.Len(t, f.list(svcTake, ms[0], take(ms[1].UUID, 5)).List, 10, "every message of the conversation")
	assert.Len(t, f.list(svcChatList, ms[0], chatPage(1, 1)).List, 3)
	assert.Empty(t, f.list(svcChatList, ms[0], chatPage(2, 1)).List, "page 2 of 100 rows each")
	f.plugin.SetWorld(chatmsgtest.World{PerPage: 4})
	l := f.list(svcTake, ms[0], take(ms[1].UUID, 2)).List
	assert.Len(t, l, 4, "more than asked")
}

// Store keeps a message from a system sender, whose chat-list row names a
// member that is not a uuid; TakeMessageList refuses it as other_uuid.
func TestStoreSystemSender(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	f.ok(svcSend, ms[1], to(ms[0].UUID, text("hi")))
	got := f.plugin.Store(chatmsgtest.StoredMessage{From: "system", To: ms[0].UUID, Data: json.RawMessage(`{"content":"欢迎","n":1.5}`)})
	assert.Equal(t, int64(2), got.ID)
	assert.Equal(t, "text", got.Type)
	assert.False(t, got.SentAt.IsZero())
	l := f.list(svcChatList, ms[0], chatPage(1, 20))
	require.Len(t, l.List, 2)
	assert.Equal(t, "system", l.List[0].ToUUID, "a row whose other member is no uuid")
	assert.Equal(t, "out", l.List[0].IO)
	assert.Equal(t, map[string]any{"content": "欢迎", "n": 1.5}, l.List[0].Data)
	assert.Equal(t, 2, unreadNum(t, f, ms[0]))
	r := f.call(svcTake, ms[0], take("system", 20))
	assert.Equal(t, 400, r.Ret, "other_uuid must be 32 characters")
	assert.Panics(t, func() { f.plugin.Store(chatmsgtest.StoredMessage{Data: json.RawMessage(`[1]`)}) })
}
