package chatmsg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/internal/redact/redacttest"
)

// TestResultsHoldNoSecretThroughReflection dumps each result and error type
// with testify's failure output (go-spew), go-cmp's diff (unexported fields
// too), %#v and %+v: no app secret or token shows. A result keeps its
// *okayapi.Response, which keeps no pointer to the client or the call.
func TestResultsHoldNoSecretThroughReflection(t *testing.T) {
	t.Parallel()
	w := newIntegWorld(t, nil)
	ctx := context.Background()
	alice, bob, carol := w.alice, w.bob, w.carol
	secrets := []string{w.srv.Secret(), alice.Token(), bob.Token(), carol.Token()}
	values := map[string]any{"Service": w.chat}

	send, err := w.chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"})
	require.NoError(t, err)
	values["SendResult"] = send
	multi, err := w.chat.MultiSend(ctx, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "hi all"})
	require.NoError(t, err)
	values["MultiSendResult"] = multi
	list, err := w.chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	values["MessageList"] = list
	chats, err := w.chat.GetAllChatList(ctx, bob, chatmsg.ChatListOptions{})
	require.NoError(t, err)
	values["ChatList"] = chats
	unread, err := w.chat.GetAllUnreadNum(ctx, bob)
	require.NoError(t, err)
	values["UnreadCount"] = unread
	bc, err := broadcast.Send(ctx, w.chat, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "news"}, broadcast.Options{})
	require.NoError(t, err)
	values["broadcast.Result"] = bc

	_, selfErr := w.chat.Send(ctx, alice, alice.UUID, chatmsg.Text{Content: "me"})
	require.ErrorIs(t, selfErr, chatmsg.ErrSelf)
	values["PluginError"] = selfErr
	values["broadcast.Error"] = &broadcast.Error{NotDelivered: 1, Errs: []error{selfErr}}
	values["exactlyonce.UncertainError"] = &exactlyonce.UncertainError{Key: "k", To: []string{bob.UUID}, Err: selfErr, Check: selfErr}
	values["exactlyonce.NotDeliveredError"] = &exactlyonce.NotDeliveredError{Key: "k", Rounds: 1, Err: selfErr}
	for m, err := range w.chat.History(ctx, alice, bob.UUID, chatmsg.HistoryOptions{}) {
		require.NoError(t, err)
		values["ChatMessage"] = m
		break
	}

	for c, err := range w.chat.Chats(ctx, bob, chatmsg.ChatsOptions{}) {
		require.NoError(t, err)
		values["Chat"] = c
		break
	}
	require.Contains(t, values, "Chat")
	require.Contains(t, values, "ChatMessage")

	for name, v := range values {
		redacttest.AssertNoDump(t, name, v, secrets...)
	}
}
