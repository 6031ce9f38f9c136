package chatmsg_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/internal/callctx"
	"github.com/okayapi-go/sdk/okayapi"
)

// unreadableRow is a list row that is not an object: read back as a
// message with ID 0.
const unreadableRow = `"not a row"`

// messageRow is a TakeMessageList row for message id.
func messageRow(id int64) string {
	return fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_type":"text","chat_message_data":{"content":"m%d"},"chat_message_io":"out","chat_message_is_read":"0","add_time":"2019-08-11 17:12:02"}`, id, uuidAB, id)
}

// chatRow is a GetAllChatList row for the conversation with name's member.
func chatRow(name string) string {
	return fmt.Sprintf(`{"chat_message_to_uuid":"%s","chat_message_type":"text","chat_message_data":{"content":"hi"},"chat_message_io":"out","chat_message_is_read":"0","add_time":"2019-08-11 17:12:02","user":[]}`, memberUUID(name))
}

// memberUUID is a made-up uuid for a short name: its bytes in hex, after
// zeros.
func memberUUID(name string) string {
	h := strings.ToUpper(hex.EncodeToString([]byte(name)))
	return strings.Repeat("0", 32-len(h)) + h
}

// memberName reverses memberUUID.
func memberName(t *testing.T, uuid string) string {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimLeft(uuid, "0"))
	require.NoError(t, err, uuid)
	return string(b)
}

// scriptAnswer is a list call's answer holding rows.
func scriptAnswer(rows []string) *http.Response {
	return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[`+strings.Join(rows, ",")+`],"unread_num":0,"total":999},"msg":""}`)
}

// listCall is one list request as the mock saw it.
type listCall struct {
	LastID    int64
	Direction string
	Page      int
}

// scriptedLists answers TakeMessageList and GetAllChatList with what
// answer returns for the n-th list request (from 1), and records the
// requests.
func scriptedLists(t *testing.T, answer func(n int, c listCall) []string) (*chatmsg.Service, func() []listCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []listCall
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	handle := func(req *http.Request) (*http.Response, error) {
		if err := req.ParseForm(); err != nil {
			return nil, err
		}
		var c listCall
		c.LastID, _ = strconv.ParseInt(req.Form.Get("last_id"), 10, 64)
		c.Direction = req.Form.Get("direction")
		c.Page, _ = strconv.Atoi(req.Form.Get("page"))
		mu.Lock()
		calls = append(calls, c)
		n := len(calls)
		mu.Unlock()
		return scriptAnswer(answer(n, c)), nil
	}
	mock.On(mock.serviceURL(chatmsg.ServiceTakeMessageList), handle)
	mock.On(mock.serviceURL(chatmsg.ServiceGetAllChatList), handle)
	return svc, func() []listCall {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls)
	}
}

// walkIDs collects the IDs History yields, at most limit of them (a walk
// that does not end is a failure, not a hang), and the error it ends on.
func walkIDs(seq func(func(chatmsg.ChatMessage, error) bool), limit int) ([]int64, error) {
	var ids []int64
	for m, err := range seq {
		if err != nil {
			return ids, err
		}
		if ids = append(ids, m.ID); len(ids) == limit {
			break
		}
	}
	return ids, nil
}

// conversationPage is a page of a conversation of messages 1..n, as a
// service that pages by last_id answers it, with an unreadable row after
// the page that holds message withUnreadable (none when 0).
func conversationPage(n int64, perPage int, withUnreadable int64, c listCall) []string {
	var rows []string
	hasMark := false
	if c.Direction == "down" {
		for id := c.LastID + 1; id <= n && len(rows) < perPage; id++ {
			rows = append(rows, messageRow(id))
			hasMark = hasMark || id == withUnreadable
		}
	} else {
		start := c.LastID - 1
		if c.LastID == 0 {
			start = n
		}
		for id := start; id >= 1 && len(rows) < perPage; id-- {
			rows = append(rows, messageRow(id))
			hasMark = hasMark || id == withUnreadable
		}
	}
	if hasMark {
		rows = append(rows, unreadableRow)
	}
	return rows
}

// TestHistoryUnreadableRowIsYieldedNotPagedFrom: an unreadable row (ID 0)
// on a page is yielded once, after the page's messages, and the walk goes
// on from the page's last readable message to the end of the
// conversation, in either order.
func TestHistoryUnreadableRowIsYieldedNotPagedFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts  chatmsg.HistoryOptions
		want  []int64
		calls []listCall
	}{
		{chatmsg.HistoryOptions{PerPage: 3}, []int64{10, 9, 8, 0, 7, 6, 5, 4, 3, 2, 1},
			[]listCall{{LastID: 0, Direction: "up"}, {LastID: 8, Direction: "up"}, {LastID: 5, Direction: "up"}, {LastID: 2, Direction: "up"}}},
		{chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 2, PerPage: 3}, []int64{3, 4, 5, 0, 6, 7, 8, 9, 10},
			[]listCall{{LastID: 2, Direction: "down"}, {LastID: 5, Direction: "down"}, {LastID: 8, Direction: "down"}}},
	} {
		t.Run(string(tc.opts.Order)+" from "+strconv.FormatInt(tc.opts.From, 10), func(t *testing.T) {
			t.Parallel()
			svc, calls := scriptedLists(t, func(_ int, c listCall) []string {
				return conversationPage(10, 3, map[bool]int64{true: 4, false: 9}[tc.opts.Order == chatmsg.Newer], c)
			})
			ids, err := walkIDs(svc.History(context.Background(), replayMember(), uuidAB, tc.opts), 50)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ids)
			assert.Equal(t, tc.calls, calls())
		})
	}
}

// TestHistoryPageOfOldRowsAndUnreadableEnds: a service that ignores last_id
// and answers the same full page, unreadable row included, again: the
// second page brings no message not yet yielded, so the walk ends there,
// having yielded the unreadable row once.
func TestHistoryPageOfOldRowsAndUnreadableEnds(t *testing.T) {
	t.Parallel()
	svc, calls := scriptedLists(t, func(int, listCall) []string {
		return []string{unreadableRow, messageRow(4), messageRow(5)}
	})
	ids, err := walkIDs(svc.History(context.Background(), replayMember(), uuidAB, chatmsg.HistoryOptions{PerPage: 3}), 20)
	require.NoError(t, err)
	assert.Equal(t, []int64{5, 4, 0}, ids)
	assert.Len(t, calls(), 2)
}

// TestHistoryOrdersEachPage: whatever the order of the rows in the
// service's pages, History yields newest first (Older) or oldest first
// (Newer), with unreadable rows after the page's messages.
func TestHistoryOrdersEachPage(t *testing.T) {
	t.Parallel()
	small := []string{messageRow(7), unreadableRow, messageRow(9), messageRow(8), unreadableRow, messageRow(6)}
	var big []string // 40 messages, 41 to 80, and 3 unreadable rows, shuffled
	for i := range 40 {
		big = append(big, messageRow(int64(41+(i*17)%40)))
		if i%15 == 7 {
			big = append(big, unreadableRow)
		}
	}
	zeros := []int64{0, 0, 0}
	for _, tc := range []struct {
		page []string
		opts chatmsg.HistoryOptions
		want []int64
	}{
		{small, chatmsg.HistoryOptions{Order: chatmsg.Older, From: 10}, []int64{9, 8, 7, 6, 0, 0}},
		{small, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 5}, []int64{6, 7, 8, 9, 0, 0}},
		{big, chatmsg.HistoryOptions{Order: chatmsg.Older, From: 81}, append(idsRange(80, 41), zeros...)},
		{big, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 40}, append(idsRange(41, 80), zeros...)},
	} {
		page := tc.page
		t.Run(string(tc.opts.Order)+" from "+strconv.FormatInt(tc.opts.From, 10), func(t *testing.T) {
			t.Parallel()
			svc, calls := scriptedLists(t, func(int, listCall) []string { return page })
			ids, err := walkIDs(svc.History(context.Background(), replayMember(), uuidAB, tc.opts), 100)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ids)
			assert.Len(t, calls(), 1, "a short page is the last")
		})
	}
}

// TestIteratorsRefuseAnOversizedPage: an answer of more than 1000 rows (a
// service that ignores perpage) ends History, from its very first request
// in either order, and Chats with a *okayapi.DecodeError, yielded once,
// rather than skip the rows beyond; nothing of the page is yielded.
func TestIteratorsRefuseAnOversizedPage(t *testing.T) {
	t.Parallel()
	rows := make([]string, 1001)
	chats := make([]string, 1001)
	for i := range rows {
		rows[i] = messageRow(int64(2000 - i))
		chats[i] = chatRow(strconv.Itoa(i))
	}
	check := func(t *testing.T, calls func() []listCall, errs []error, yielded int) {
		t.Helper()
		assert.Zero(t, yielded)
		require.Len(t, errs, 1)
		var de *okayapi.DecodeError
		require.ErrorAs(t, errs[0], &de)
		assert.ErrorContains(t, errs[0], "more than 1000 rows")
		assert.Len(t, calls(), 1)
	}
	for _, opts := range []chatmsg.HistoryOptions{{Order: chatmsg.Newer}, {Order: chatmsg.Newer, From: 3}, {}} {
		t.Run("history "+string(opts.Order)+strconv.FormatInt(opts.From, 10), func(t *testing.T) {
			t.Parallel()
			svc, calls := scriptedLists(t, func(int, listCall) []string { return rows })
			var errs []error
			yielded := 0
			for _, err := range svc.History(context.Background(), replayMember(), uuidAB, opts) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				yielded++
			}
			check(t, calls, errs, yielded)
		})
	}
	t.Run("chats", func(t *testing.T) {
		t.Parallel()
		svc, calls := scriptedLists(t, func(int, listCall) []string { return chats })
		var errs []error
		yielded := 0
		for _, err := range svc.Chats(context.Background(), replayMember(), chatmsg.ChatsOptions{}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			yielded++
		}
		check(t, calls, errs, yielded)
	})
}

// walkChats collects the conversations Chats yields (by name, see
// memberUUID), at most limit of them, failing on an error.
func walkChats(t *testing.T, svc *chatmsg.Service, perPage, limit int) []string {
	t.Helper()
	var got []string
	for c, err := range svc.Chats(context.Background(), replayMember(), chatmsg.ChatsOptions{PerPage: perPage}) {
		require.NoError(t, err)
		if got = append(got, memberName(t, c.With)); len(got) == limit {
			break
		}
	}
	return got
}

// pagesOf is the page numbers of calls.
func pagesOf(calls []listCall) []int {
	var out []int
	for _, c := range calls {
		out = append(out, c.Page)
	}
	return out
}

// TestChatsReadsAtMostMaxPagePages: a service whose every page is full of
// conversations not seen yet is read up to page MaxPage, each page once,
// and no further.
func TestChatsReadsAtMostMaxPagePages(t *testing.T) {
	t.Parallel()
	svc, calls := scriptedLists(t, func(_ int, c listCall) []string {
		return []string{chatRow("c" + strconv.Itoa(c.Page))}
	})
	got := walkChats(t, svc, 1, 500)
	require.Len(t, got, chatmsg.MaxPage)
	assert.Equal(t, "c1", got[0])
	assert.Equal(t, "c100", got[99])
	var want []int
	for p := 1; p <= chatmsg.MaxPage; p++ {
		want = append(want, p)
	}
	assert.Equal(t, want, pagesOf(calls()))
}

// TestChatsWithoutShiftReadsOnce: pages that never show a conversation
// twice are read once, up to the short page.
func TestChatsWithoutShiftReadsOnce(t *testing.T) {
	t.Parallel()
	svc, calls := scriptedLists(t, func(_ int, c listCall) []string {
		return map[int][]string{1: {chatRow("a"), chatRow("b")}, 2: {chatRow("c"), chatRow("d")}, 3: {chatRow("e")}}[c.Page]
	})
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, walkChats(t, svc, 2, 50))
	assert.Equal(t, []int{1, 2, 3}, pagesOf(calls()))
}

// scriptedPasses answers the n-th GetAllChatList with passes[(n-1)/3][page]:
// three pages a pass, names of conversations.
func scriptedPasses(passes ...map[int][]string) func(int, listCall) []string {
	return func(n int, c listCall) []string {
		if (n-1)/3 >= len(passes) {
			return nil
		}
		var rows []string
		for _, name := range passes[(n-1)/3][c.Page] {
			rows = append(rows, chatRow(name))
		}
		return rows
	}
}

// TestChatsReadsThePagesAThirdTime: while conversations keep moving between
// the pages (a page that shows one again and a new one), Chats reads the
// pages again, up to three times in all, yielding each conversation once,
// the ones found only on the third reading included.
func TestChatsReadsThePagesAThirdTime(t *testing.T) {
	t.Parallel()
	svc, calls := scriptedLists(t, scriptedPasses(
		map[int][]string{1: {"a", "b"}, 2: {"b", "c"}, 3: {"d"}},
		map[int][]string{1: {"x", "a"}, 2: {"b", "c"}, 3: {"d"}},
		map[int][]string{1: {"y", "x"}, 2: {"a", "b"}, 3: {"c"}},
		map[int][]string{1: {"z", "y"}, 2: {"x", "a"}, 3: {"b"}},
	))
	assert.Equal(t, []string{"a", "b", "c", "d", "x", "y"}, walkChats(t, svc, 2, 50))
	assert.Equal(t, []int{1, 2, 3, 1, 2, 3, 1, 2, 3}, pagesOf(calls()))
}

// TestChatsStopsWhenNothingMoved: a second reading whose pages show no
// conversation again beside a new one is the last, even if it found new
// conversations and some of its pages show only old ones.
func TestChatsStopsWhenNothingMoved(t *testing.T) {
	t.Parallel()
	svc, calls := scriptedLists(t, scriptedPasses(
		map[int][]string{1: {"a", "b"}, 2: {"b", "c"}, 3: {"d"}},
		map[int][]string{1: {"x", "z"}, 2: {"a", "b"}, 3: {"c"}},
		map[int][]string{1: {"y", "x"}, 2: {"z", "a"}, 3: {"b"}},
	))
	assert.Equal(t, []string{"a", "b", "c", "d", "x", "z"}, walkChats(t, svc, 2, 50))
	assert.Equal(t, []int{1, 2, 3, 1, 2, 3}, pagesOf(calls()))
}

// TestChatListUnderAWatchReadsItsRows: under a watch's context (which asks
// for up to n rows of an answer), GetAllChatList reads every row of an
// answer of up to n rows, beyond the page size, and fails with a
// *okayapi.DecodeError on a longer one rather than skip rows.
func TestChatListUnderAWatchReadsItsRows(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c", "d", "e", "f"}
	for _, n := range []int{5, 6} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			svc, calls := scriptedLists(t, func(int, listCall) []string {
				var rows []string
				for _, name := range names[:n] {
					rows = append(rows, chatRow(name))
				}
				return rows
			})
			ctx := callctx.With(context.Background(), nil, 5)
			list, err := svc.GetAllChatList(ctx, replayMember(), chatmsg.ChatListOptions{PerPage: 2})
			assert.Len(t, calls(), 1)
			if n == 6 {
				var de *okayapi.DecodeError
				require.ErrorAs(t, err, &de)
				assert.Nil(t, list)
				return
			}
			require.NoError(t, err)
			assert.False(t, list.Truncated)
			var got []string
			for _, c := range list.Chats {
				got = append(got, memberName(t, c.With))
			}
			assert.Equal(t, names[:5], got)
		})
	}
}
