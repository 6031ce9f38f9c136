package chatmsg_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestProfileShapes: user and ext_info in every shape PHP may give them; an
// odd one never hides the conversation.
func TestProfileShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		user string
		want chatmsg.Profile
	}{
		{"object", `{"username":"dogstar","ext_info":{"nickname":"狗星","yesapi_avatar":"https:\/\/a.example\/a.png","age":"18","city":"广州"}}`,
			chatmsg.Profile{Username: "dogstar", Nickname: "狗星", Avatar: "https://a.example/a.png", Age: 18, Ext: map[string]json.RawMessage{
				"nickname": json.RawMessage(`"狗星"`), "yesapi_avatar": json.RawMessage(`"https:\/\/a.example\/a.png"`), "age": json.RawMessage(`"18"`), "city": json.RawMessage(`"广州"`)}}},
		{"ext_info as JSON text", `{"username":"dogstar","ext_info":"{\"nickname\":\"n\",\"age\":20}"}`,
			chatmsg.Profile{Username: "dogstar", Nickname: "n", Age: 20, Ext: map[string]json.RawMessage{"nickname": json.RawMessage(`"n"`), "age": json.RawMessage(`20`)}}},
		{"ext_info empty array", `{"username":"dogstar","ext_info":[]}`, chatmsg.Profile{Username: "dogstar", Ext: map[string]json.RawMessage{}}},
		{"ext_info unreadable", `{"username":"dogstar","ext_info":"not json"}`, chatmsg.Profile{Username: "dogstar"}},
		{"user empty array", `[]`, chatmsg.Profile{}},
		{"user null", `null`, chatmsg.Profile{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"ret":200,"data":{"err_code":0,"err_msg":"","list":[{"chat_message_to_uuid":"` + uuidAB +
				`","chat_message_data":{"content":"hi"},"chat_message_type":"text","chat_message_is_read":1,"chat_message_io":"out","add_time":"2019-08-11 17:12:02","user":` +
				tc.user + `}],"total":1},"msg":""}`
			require.True(t, json.Valid([]byte(body)), body)
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceGetAllChatList, http.StatusOK, []byte(body))
			list, err := svc.GetAllChatList(context.Background(), replayMember(), chatmsg.ChatListOptions{})
			require.NoError(t, err)
			require.Len(t, list.Chats, 1)
			assert.Equal(t, tc.want, list.Chats[0].User)
			assert.Equal(t, chatmsg.Text{Content: "hi"}, list.Chats[0].Last)
		})
	}
}
