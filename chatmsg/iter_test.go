package chatmsg_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// conversation returns a fake with alice and bob, and n messages from alice
// to bob (ids 1..n).
func conversation(t *testing.T, n int) (*chatmsg.Service, *okayapitest.Server, okayapi.Member, okayapi.Member) {
	t.Helper()
	srv, _ := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	for i := range n {
		_, err := chat.Send(context.Background(), alice, bob.UUID, chatmsg.Text{Content: fmt.Sprint("m", i+1)})
		require.NoError(t, err)
	}
	return chat, srv, alice, bob
}

func collect(t *testing.T, seq func(func(chatmsg.ChatMessage, error) bool)) ([]int64, error) {
	t.Helper()
	var ids []int64
	for m, err := range seq {
		if err != nil {
			return ids, err
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

func idsRange(from, to int64) []int64 { // from..to, stepping towards to
	var out []int64
	step := int64(1)
	if to < from {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, i)
		if i == to {
			return out
		}
	}
}

// TestHistoryWalksEveryPage: 250 messages, newest to oldest, each once;
// oldest to newest after an id; any page size.
func TestHistoryWalksEveryPage(t *testing.T) {
	t.Parallel()
	chat, srv, alice, bob := conversation(t, 250)
	ctx := context.Background()
	aliceUUID := alice.UUID

	before := len(srv.Requests())
	ids, err := collect(t, chat.History(ctx, bob, aliceUUID, chatmsg.HistoryOptions{}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(250, 1), ids, "newest to oldest, each once")
	assert.Equal(t, 3, len(srv.Requests())-before, "pages of 100: 100, 100, 50 (short: the last)")

	ids, err = collect(t, chat.History(ctx, bob, aliceUUID, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: 100, PerPage: 7}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(101, 250), ids, "oldest to newest after 100")

	ids, err = collect(t, chat.History(ctx, bob, aliceUUID, chatmsg.HistoryOptions{From: 11, PerPage: 3}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(10, 1), ids, "older than 11")

	before = len(srv.Requests())
	n := 0
	for _, err := range chat.History(ctx, bob, aliceUUID, chatmsg.HistoryOptions{PerPage: 10}) {
		require.NoError(t, err)
		if n++; n == 15 {
			break
		}
	}
	assert.Equal(t, 2, len(srv.Requests())-before, "breaking out stops the requests")
}

// TestHistoryOldestFirst: Newer from 0 walks the whole conversation oldest
// first, whether or not it holds message 1, at one request more than the
// pages.
func TestHistoryOldestFirst(t *testing.T) {
	t.Parallel()
	chat, srv, alice, bob := conversation(t, 250)
	ctx := context.Background()
	before := len(srv.Requests())
	ids, err := collect(t, chat.History(ctx, bob, alice.UUID, chatmsg.HistoryOptions{Order: chatmsg.Newer}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(1, 250), ids, "oldest to newest, each once")
	assert.Equal(t, 4, len(srv.Requests())-before, "message 1, then pages of 100: 100, 100, 50")

	// Message 1 is another conversation's: alice and carol.
	chat2, srv2, alice2, bob2 := conversation(t, 0)
	carol2 := srv2.AddMember(okayapitest.Account{Username: "carol"})
	_, err = chat2.Send(ctx, alice2, carol2.UUID, chatmsg.Text{Content: "first"})
	require.NoError(t, err)
	for i := range 5 {
		_, err = chat2.Send(ctx, bob2, alice2.UUID, chatmsg.Text{Content: fmt.Sprint("m", i)})
		require.NoError(t, err)
	}
	ids, err = collect(t, chat2.History(ctx, alice2, bob2.UUID, chatmsg.HistoryOptions{Order: chatmsg.Newer, PerPage: 2}))
	require.NoError(t, err)
	assert.Equal(t, idsRange(2, 6), ids)
}

// stubbornAPI answers every TakeMessageList with the same page, ignoring
// last_id, and every GetAllChatList with the same page, ignoring page.
func stubbornAPI(t *testing.T, rows int) (*chatmsg.Service, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	var list, chats []string
	for i := range rows {
		list = append(list, fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_type":"text","chat_message_data":{"content":"x"},"chat_message_io":"out","chat_message_is_read":"0","add_time":"2019-08-11 17:12:02"}`, 500-i, uuidAB))
		chats = append(chats, fmt.Sprintf(`{"chat_message_to_uuid":"%032X","chat_message_type":"text","chat_message_data":{"content":"x"},"chat_message_io":"out","chat_message_is_read":"0","add_time":"2019-08-11 17:12:02","user":[]}`, i+1))
	}
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.On(mock.serviceURL(chatmsg.ServiceTakeMessageList), func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[`+strings.Join(list, ",")+`],"unread_num":0},"msg":""}`), nil
	})
	mock.On(mock.serviceURL(chatmsg.ServiceGetAllChatList), func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[`+strings.Join(chats, ",")+`],"total":999},"msg":""}`), nil
	})
	return svc, &calls
}

// TestIteratorsSurviveAServiceThatIgnoresPaging: the same full page again
// and again ends the walk after one page, nothing yielded twice.
func TestIteratorsSurviveAServiceThatIgnoresPaging(t *testing.T) {
	t.Parallel()
	svc, calls := stubbornAPI(t, 5)
	ids, err := collect(t, svc.History(context.Background(), replayMember(), uuidAB, chatmsg.HistoryOptions{PerPage: 5}))
	require.NoError(t, err)
	assert.Equal(t, []int64{500, 499, 498, 497, 496}, ids)
	assert.EqualValues(t, 2, calls.Load(), "the second page brought nothing new: the end")

	calls.Store(0)
	var with []string
	for c, err := range svc.Chats(context.Background(), replayMember(), chatmsg.ChatsOptions{PerPage: 5}) {
		require.NoError(t, err)
		with = append(with, c.With)
	}
	assert.Len(t, with, 5, "each conversation once")
	assert.EqualValues(t, 2, calls.Load())
}

// TestIteratorsStopOnTheFirstError: an error is yielded once and ends the
// loop; a bad option is an error before anything is sent; a context that
// ends stops the walk.
func TestIteratorsStopOnTheFirstError(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, []byte(`{"ret":401,"data":{},"msg":"用户未登录"}`))
	errs := 0
	for _, err := range svc.History(context.Background(), replayMember(), uuidAB, chatmsg.HistoryOptions{}) {
		require.Error(t, err)
		assert.ErrorIs(t, err, okayapi.ErrNotLoggedIn)
		errs++
	}
	assert.Equal(t, 1, errs)

	for _, opts := range []chatmsg.HistoryOptions{{PerPage: 101}, {From: -1}, {Order: "sideways"}} {
		n := 0
		for _, err := range svc.History(context.Background(), replayMember(), uuidAB, opts) {
			assert.ErrorAs(t, err, new(*okayapi.InvalidParamError), "%+v", opts)
			n++
		}
		assert.Equal(t, 1, n)
	}
	assert.Len(t, mock.Calls(), 1, "only the first walk sent anything")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	for _, err := range svc.Chats(ctx, replayMember(), chatmsg.ChatsOptions{}) {
		assert.True(t, errors.Is(err, context.Canceled), "%v", err)
		n++
	}
	assert.Equal(t, 1, n, "the context's error, once")
}

// TestChatsWalksEveryPage: 12 conversations in pages of 5.
func TestChatsWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv, _ := chatmsgtest.NewServer(t)
	me := srv.AddMember(okayapitest.Account{Username: "me"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	want := map[string]bool{}
	for i := range 12 {
		other := srv.AddMember(okayapitest.Account{Username: fmt.Sprint("m", i)})
		_, err := chat.Send(context.Background(), me, other.UUID, chatmsg.Text{Content: "hi"})
		require.NoError(t, err)
		want[other.UUID] = true
	}
	got := map[string]bool{}
	n := 0
	for c, err := range chat.Chats(context.Background(), me, chatmsg.ChatsOptions{PerPage: 5}) {
		require.NoError(t, err)
		got[strings.ToUpper(c.With)] = true
		n++
	}
	assert.Equal(t, 12, n)
	assert.Equal(t, want, got)
}
