package chatmsg_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// TestProfileShapes: user and ext_info in every shape PHP may give them; an
// odd one never hides the conversation.
func TestProfileShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		user string
		want phpjson.Profile
	}{
		{"object", `{"username":"dogstar","ext_info":{"nickname":"狗星","yesapi_avatar":"https:\/\/a.example\/a.png","age":"18","city":"广州"}}`,
			phpjson.Profile{Username: "dogstar", Nickname: "狗星", Avatar: "https://a.example/a.png", Age: 18, Ext: map[string]any{
				"nickname": "狗星", "yesapi_avatar": "https://a.example/a.png", "age": "18", "city": "广州"}}},
		{"ext_info as JSON text", `{"username":"dogstar","ext_info":"{\"nickname\":\"n\",\"age\":20}"}`,
			phpjson.Profile{Username: "dogstar", Nickname: "n", Age: 20, Ext: map[string]any{"nickname": "n", "age": json.Number("20")}}},
		{"ext_info empty array", `{"username":"dogstar","ext_info":[]}`, phpjson.Profile{Username: "dogstar", Ext: map[string]any{}}},
		{"ext_info unreadable", `{"username":"dogstar","ext_info":"not json"}`, phpjson.Profile{Username: "dogstar"}},
		{"user empty array", `[]`, phpjson.Profile{}},
		{"user null", `null`, phpjson.Profile{}},
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

// TestListsSurviveOddRows: one odd add_time or user does not fail a page;
// what cannot be read is zero and Raw keeps it.
func TestListsSurviveOddRows(t *testing.T) {
	t.Parallel()
	row := func(addTime, user string) string {
		return `{"id":"5","chat_message_to_uuid":"` + uuidAB + `","chat_message_data":{"content":"hi"},"chat_message_type":"text",` +
			`"chat_message_is_read":"0","chat_message_io":"in","add_time":` + addTime + `,"user":` + user + `}`
	}
	t.Run("TakeMessageList", func(t *testing.T) {
		t.Parallel()
		body := `{"ret":200,"data":{"err_code":0,"list":[` + row(`"2019-08-11 17:12"`, `[]`) + `,` + row(`"yesterday"`, `[]`) + `],"unread_num":1},"msg":""}`
		svc, mock := newMockAPI(t, okayapi.QueryForm)
		mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, []byte(body))
		list, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{})
		require.NoError(t, err)
		require.Len(t, list.Messages, 2)
		assert.Equal(t, "2019-08-11T09:12:00Z", list.Messages[0].SentAt.UTC().Format(time.RFC3339), "minutes-only times are read")
		assert.True(t, list.Messages[1].SentAt.IsZero(), "an unreadable add_time is zero")
		assert.Equal(t, chatmsg.Text{Content: "hi"}, list.Messages[1].Message)
		assert.Contains(t, string(list.Raw), "yesterday")
	})
	t.Run("GetAllChatList", func(t *testing.T) {
		t.Parallel()
		body := `{"ret":200,"data":{"err_code":0,"list":[` + row(`"2019-08-11 17:12:02"`, `false`) + `,` + row(`null`, `{"username":{"x":1},"ext_info":7}`) + `],"total":2},"msg":""}`
		svc, mock := newMockAPI(t, okayapi.QueryForm)
		mock.reply(chatmsg.ServiceGetAllChatList, http.StatusOK, []byte(body))
		list, err := svc.GetAllChatList(context.Background(), replayMember(), chatmsg.ChatListOptions{})
		require.NoError(t, err)
		require.Len(t, list.Chats, 2)
		assert.Equal(t, phpjson.Profile{}, list.Chats[0].User, "user false: no profile")
		assert.Equal(t, phpjson.Profile{}, list.Chats[1].User, "unreadable username and ext_info")
		assert.True(t, list.Chats[1].SentAt.IsZero())
		assert.Equal(t, 2, list.Total)
	})
}

// TestOddRowFields: each field of a row that cannot be read is zero, the
// rest of the row and of the page are kept.
func TestOddRowFields(t *testing.T) {
	t.Parallel()
	body := `{"ret":200,"data":{"err_code":0,"list":[` +
		`{"id":"x1","chat_message_to_uuid":"` + uuidAB + `","chat_message_type":"text","chat_message_data":{"content":"a"},"chat_message_is_read":"2","chat_message_io":"in","add_time":{}},` +
		`"garbage",` +
		`{"id":7,"chat_message_to_uuid":["x"],"chat_message_type":"link","chat_message_data":{"url":"https://a.example/"},"chat_message_is_read":"yes","chat_message_io":"out","add_time":"2019-08-11 17:12:02"}` +
		`],"unread_num":0},"msg":""}`
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, []byte(body))
	list, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Messages, 3)

	// In id order, unreadable ids last (in the service's order).
	first := list.Messages[1]
	assert.Zero(t, first.ID, "unreadable id")
	assert.True(t, first.Read, "a non-zero number counts as read")
	assert.True(t, first.SentAt.IsZero(), "unreadable add_time")
	assert.Equal(t, chatmsg.Text{Content: "a"}, first.Message)
	assert.Equal(t, chatmsg.Sent, first.Direction)
	assert.Equal(t, uuidAB, first.With)

	assert.Equal(t, chatmsg.Unknown{Kind: "", Raw: json.RawMessage(`"garbage"`)}, list.Messages[2].Message, "a row that is not an object is kept")

	third := list.Messages[0]
	assert.Equal(t, int64(7), third.ID)
	assert.Empty(t, third.With, "unreadable uuid")
	assert.False(t, third.Read, "unreadable flag")
	assert.Equal(t, chatmsg.Link{URL: "https://a.example/"}, third.Message)
	assert.Equal(t, chatmsg.Received, third.Direction)
}

// TestMultiSendSurvivesOddDetail: the messages were sent, so an odd detail
// gives what can be read rather than an error.
func TestMultiSendSurvivesOddDetail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		detail string
		want   []chatmsg.Delivery
	}{
		{`[{"other_uuid":"` + uuidAB + `","chat_message_id":"abc"},{"other_uuid":"` + uuidDogstar + `","chat_message_id":"8"}]`,
			[]chatmsg.Delivery{{To: uuidAB, MessageID: 0}, {To: uuidDogstar, MessageID: 8}}},
		{`{"0":{"other_uuid":"` + uuidAB + `","chat_message_id":7}}`, []chatmsg.Delivery{{To: uuidAB, MessageID: 7}}},
		{`[1,{"other_uuid":"` + uuidDogstar + `","chat_message_id":8}]`, []chatmsg.Delivery{{}, {To: uuidDogstar, MessageID: 8}}},
		{`false`, nil},
		{`"x"`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.detail, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceMultiSend, http.StatusOK, []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","detail":`+tc.detail+`},"msg":""}`))
			res, err := svc.MultiSend(context.Background(), replayMember(), []string{uuidAB, uuidDogstar}, chatmsg.Text{Content: "hi"})
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Deliveries)
			assert.Contains(t, string(res.Raw), `"detail"`)
		})
	}
}
