package chatmsg_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// FuzzAnswers feeds any body to the read calls and MultiSend: each either
// gives a result or one of the SDK's typed errors, never a panic, and a
// result's messages are never nil.
func FuzzAnswers(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.json"))
	require.NoError(f, err)
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("\xEF\xBB\xBF{\"ret\":200,\"data\":{\"list\":{\"0\":{\"chat_message_data\":\"{\\\"content\\\":1}\"}}}}"))
	member := replayMember()
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		svc, mock := newMockAPI(t, okayapi.QueryForm)
		for _, s := range []string{chatmsg.ServiceTakeMessageList, chatmsg.ServiceGetAllChatList, chatmsg.ServiceMultiSend, chatmsg.ServiceGetAllUnreadNum} {
			mock.reply(s, http.StatusOK, body)
		}
		typed := func(err error) {
			if err == nil {
				return
			}
			var (
				ae *okayapi.APIError
				pe *okayapi.PluginError
				te *okayapi.TransportError
				de *okayapi.DecodeError
			)
			assert.True(t, errors.As(err, &ae) || errors.As(err, &pe) || errors.As(err, &te) || errors.As(err, &de), "untyped error %T: %v", err, err)
		}
		list, err := svc.TakeMessageList(ctx, member, uuidAB, chatmsg.ListOptions{})
		typed(err)
		if err == nil {
			for _, m := range list.Messages {
				assert.NotNil(t, m.Message)
			}
		}
		chats, err := svc.GetAllChatList(ctx, member, chatmsg.ChatListOptions{})
		typed(err)
		if err == nil {
			for _, c := range chats.Chats {
				assert.NotNil(t, c.Last)
			}
		}
		_, err = svc.MultiSend(ctx, member, []string{uuidAB, uuidDogstar}, chatmsg.Text{Content: "hi"})
		typed(err)
		_, err = svc.GetAllUnreadNum(ctx, member)
		typed(err)
	})
}
