package chatmsg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
)

// TestSendKeyFieldIsReserved: a message of the app's that carries the send
// key's field itself (okayapi_send_key, also written with \u escapes) is
// refused, naming that field, and nothing is sent; a field that only looks
// like it, or text that mentions it, goes out.
func TestSendKeyFieldIsReserved(t *testing.T) {
	t.Parallel()
	for name, msg := range map[string]chatmsg.Message{
		"text ext":       chatmsg.Text{Content: "hi", Ext: map[string]any{"okayapi_send_key": "k"}},
		"custom":         chatmsg.Custom{Object: json.RawMessage(`{"a":1,"okayapi_send_key":"k"}`)},
		"custom escaped": chatmsg.Custom{Object: json.RawMessage(`{"okayapi\u005fsend_key":"k"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, msg)
			for _, err := range []error{sendErr, multiErr, keyedSend(svc, msg)} {
				ipe := assertRefused(t, mock, err, "chat_message_data.okayapi_send_key")
				assert.Contains(t, ipe.Rule, "send key")
			}
		})
	}
	for name, msg := range map[string]chatmsg.Message{
		"longer name":    chatmsg.Text{Content: "hi", Ext: map[string]any{"okayapi_send_key2": "k"}},
		"text mentions":  chatmsg.Text{Content: "okayapi_send_key"},
		"nested field":   chatmsg.Custom{Object: json.RawMessage(`{"a":{"okayapi_send_key":"k"}}`)},
		"escaped others": chatmsg.Custom{Object: json.RawMessage(`{"\u0061":"\u00e9"}`)},
	} {
		t.Run("sent: "+name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			data, err := chatmsg.Data(msg)
			require.NoError(t, err)
			require.NoError(t, keyedSend(svc, msg))
			assert.Equal(t, keyedWire(string(data)), mock.onlyCall(t).Form.Get("chat_message_data"))
		})
	}
}

// TestKeyedSendOfAnEmptyObject: an empty custom object sent under a send
// key carries the key alone.
func TestKeyedSendOfAnEmptyObject(t *testing.T) {
	t.Parallel()
	for _, obj := range []string{`{}`, `{ }`} {
		svc, mock := newMockAPIWith(t)
		sendAnswers(mock)
		require.NoError(t, keyedSend(svc, chatmsg.Custom{Object: json.RawMessage(obj)}))
		assert.Equal(t, `{"okayapi_send_key":"`+sendKey+`"}`, mock.onlyCall(t).Form.Get("chat_message_data"))
	}
}

// TestReadBackTakesTheKeyOut: a message read back with a send key in its
// data has it in Key, and its data without it, wherever the key stood; a
// key that is not text, or is empty, is no send key: the data stays as it
// arrived. Chat lists do the same.
func TestReadBackTakesTheKeyOut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind, data string
		want       chatmsg.Message
		key        string
	}{
		{"text", `{"okayapi_send_key":"k1","content":"hi"}`, chatmsg.Text{Content: "hi"}, "k1"},
		{"text", `{"content":"hi","okayapi_send_key":"k2","e":1}`, chatmsg.Text{Content: "hi", Ext: map[string]any{"e": json.Number("1")}}, "k2"},
		{"custom", `{"a":1,"b":[2],"okayapi_send_key":"k3"}`, chatmsg.Custom{Object: json.RawMessage(`{"a":1,"b":[2]}`)}, "k3"},
		{"custom", `{"okayapi_send_key":"k4"}`, chatmsg.Custom{Object: json.RawMessage(`{}`)}, "k4"},
		{"custom", `{"a":1,"okayapi_send_key":[7]}`, chatmsg.Custom{Object: json.RawMessage(`{"a":1,"okayapi_send_key":[7]}`)}, ""},
		{"custom", `{"okayapi_send_key":"","a":1}`, chatmsg.Custom{Object: json.RawMessage(`{"okayapi_send_key":"","a":1}`)}, ""},
		{"custom", `{"a":{"okayapi_send_key":"k"}}`, chatmsg.Custom{Object: json.RawMessage(`{"a":{"okayapi_send_key":"k"}}`)}, ""},
		{"link", `{"url":"https://a.example/","okayapi_send_key":"k5"}`, chatmsg.Link{URL: "https://a.example/"}, "k5"},
	}
	for _, tc := range cases {
		t.Run(tc.data, func(t *testing.T) {
			t.Parallel()
			row := fmt.Sprintf(`{"id":"9","chat_message_to_uuid":"%s","chat_message_type":%q,"chat_message_data":%s,"chat_message_io":"in","chat_message_is_read":"1","add_time":"2019-08-11 17:12:02","user":[]}`, uuidAB, tc.kind, tc.data)
			svc, _ := scriptedLists(t, func(int, listCall) []string { return []string{row} })

			list, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{})
			require.NoError(t, err)
			require.Len(t, list.Messages, 1)
			assert.Equal(t, tc.want, list.Messages[0].Message)
			assert.Equal(t, tc.key, list.Messages[0].Key)

			chats, err := svc.GetAllChatList(context.Background(), replayMember(), chatmsg.ChatListOptions{})
			require.NoError(t, err)
			require.Len(t, chats.Chats, 1)
			assert.Equal(t, tc.want, chats.Chats[0].Last)
			assert.Equal(t, tc.key, chats.Chats[0].Key)
		})
	}
}
