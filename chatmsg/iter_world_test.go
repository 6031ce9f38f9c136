package chatmsg_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// listWorld is a fake service with three members, for the walks' tests.
type listWorld struct {
	srv               *okayapitest.Server
	plugin            *chatmsgtest.Plugin
	send              *chatmsg.Service
	alice, bob, carol okayapi.Member
}

func newListWorld(t testing.TB) *listWorld {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t)
	w := &listWorld{srv: srv, plugin: plugin, send: chatmsg.New(okayapitest.NewClient(t, srv))}
	w.alice = srv.AddMember(okayapitest.Account{Username: "alice"})
	w.bob = srv.AddMember(okayapitest.Account{Username: "bob"})
	w.carol = srv.AddMember(okayapitest.Account{Username: "carol"})
	return w
}

// sendN sends n text messages from one member to another.
func (w *listWorld) sendN(t testing.TB, from, to okayapi.Member, n int, text string) {
	t.Helper()
	for i := range n {
		_, err := w.send.Send(context.Background(), from, to.UUID, chatmsg.Text{Content: fmt.Sprintf("%s %d", text, i+1)})
		require.NoError(t, err)
	}
}

// TestHistoryUsesRowsBeyondPerPage: a service that ignores perpage answers
// 100 rows to a request for 20: History yields them all, once, and
// skips nothing; so does Chats.
func TestHistoryUsesRowsBeyondPerPage(t *testing.T) {
	t.Parallel()
	w := newListWorld(t)
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
	w := newListWorld(t)
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
