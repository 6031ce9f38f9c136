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

// TestMessageEncoding: each kind's chat_message_data, byte for byte, as it
// is sent and signed.
func TestMessageEncoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		msg  chatmsg.Message
		kind string
		want string
	}{
		{"text with emoji", chatmsg.Text{Content: "我 ❤ ⚽ "}, "text", `{"content":"我 ❤ ⚽ "}`},
		{"text with quotes and newline", chatmsg.Text{Content: "say \"hi\"\\\n"}, "text", `{"content":"say \"hi\"\\\n"}`},
		{"text with < > & kept", chatmsg.Text{Content: "a<b && c>d"}, "text", `{"content":"a<b && c>d"}`},
		{"text leading space kept", chatmsg.Text{Content: "  hi  "}, "text", `{"content":"  hi  "}`},
		{"html not escaped", chatmsg.HTML{Content: "<b>&</b>"}, "html", `{"content":"<b>&</b>"}`},
		{"html with attributes", chatmsg.HTML{Content: `<a href="https://x.example/?a=1&b=2">x</a>`}, "html",
			`{"content":"<a href=\"https://x.example/?a=1&b=2\">x</a>"}`},
		{"image", chatmsg.Image{URL: "https://cdn.example.com/a.png?x=1&y=2"}, "image", `{"url":"https://cdn.example.com/a.png?x=1&y=2"}`},
		{"image http", chatmsg.Image{URL: "http://cdn.example.com/a.png"}, "image", `{"url":"http://cdn.example.com/a.png"}`},
		{"link", chatmsg.Link{URL: "https://www.okayapi.com/"}, "link", `{"url":"https://www.okayapi.com/"}`},
		{"text ext sorted around content", chatmsg.Text{Content: "hi", Ext: map[string]any{"zz": 1, "aa": true}}, "text",
			`{"aa":true,"content":"hi","zz":1}`},
		{"link ext sorted around url", chatmsg.Link{URL: "https://a.example/", Ext: map[string]any{
			"title": "小白", "desc": "<i>x</i>", "n": 3, "a": []int{1, 2}, "z": nil,
		}}, "link", `{"a":[1,2],"desc":"<i>x</i>","n":3,"title":"小白","url":"https://a.example/","z":null}`},
		{"image ext raw JSON", chatmsg.Image{URL: "https://a.example/p.png", Ext: map[string]any{"size": json.RawMessage(`{"w":640, "h":480}`)}},
			"image", `{"size":{"w":640,"h":480},"url":"https://a.example/p.png"}`},
		{"html ext nested map sorted", chatmsg.HTML{Content: "<p>x</p>", Ext: map[string]any{"meta": map[string]any{"b": 2, "a": "<&>"}}},
			"html", `{"content":"<p>x</p>","meta":{"a":"<&>","b":2}}`},
		{"empty ext map", chatmsg.Text{Content: "hi", Ext: map[string]any{}}, "text", `{"content":"hi"}`},
		{"custom compacted", chatmsg.Custom{Object: json.RawMessage(" {\n  \"card\": { \"kind\": \"order\", \"n\": [1, 2] }\n} ")}, "custom",
			`{"card":{"kind":"order","n":[1,2]}}`},
		{"custom keeps key order and HTML", chatmsg.Custom{Object: json.RawMessage(`{"z":1,"a":"<b>&</b>"}`)}, "custom",
			`{"z":1,"a":"<b>&</b>"}`},
		{"custom empty object", chatmsg.Custom{Object: json.RawMessage(`{}`)}, "custom", `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.kind, chatmsg.Kind(tc.msg))
			for range 20 { // map order must not leak into the bytes
				data, err := chatmsg.Data(tc.msg)
				require.NoError(t, err)
				require.Equal(t, tc.want, string(data))
			}
		})
	}
}

// TestMessageEncodingOnTheWire: the bytes Data returns are what travels.
func TestMessageEncodingOnTheWire(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceSend, http.StatusOK, readFixture(t, "send/success.json"))
	msg := chatmsg.HTML{Content: "<b>&</b> +%# 😀", Ext: map[string]any{"z": "&", "a": 1}}

	_, err := svc.Send(context.Background(), replayMember(), uuidAB, msg)
	require.NoError(t, err)

	want := `{"a":1,"content":"<b>&</b> +%# 😀","z":"&"}`
	call := mock.onlyCall(t)
	assert.Equal(t, []string{want}, call.Form["chat_message_data"])
	assert.Equal(t, []string{"html"}, call.Form["chat_message_type"])
}

func TestNewCustom(t *testing.T) {
	t.Parallel()
	type card struct {
		Kind  string `json:"kind"`
		No    string `json:"no,omitempty"`
		Price int    `json:"price"`
		HTML  string `json:"html"`
	}
	ok := []struct {
		name string
		v    any
		want string
	}{
		{"struct", card{Kind: "order", Price: 12, HTML: "<b>&</b>"}, `{"kind":"order","price":12,"html":"<b>&</b>"}`},
		{"map sorted", map[string]any{"b": 1, "a": []string{"x"}}, `{"a":["x"],"b":1}`},
		{"raw object", json.RawMessage(`{"x": 1}`), `{"x":1}`},
		{"empty map", map[string]int{}, `{}`},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := chatmsg.NewCustom(tc.v)
			require.NoError(t, err)
			assert.Equal(t, "custom", chatmsg.Kind(c))
			data, err := chatmsg.Data(c)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(data))
		})
	}

	bad := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"slice", []int{1}},
		{"string", "x"},
		{"number", 12},
		{"nil map", map[string]int(nil)},
		{"func", func() {}},
		{"chan in map", map[string]any{"c": make(chan int)}},
	}
	for _, tc := range bad {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := chatmsg.NewCustom(tc.v)
			require.Error(t, err)
			assert.ErrorAs(t, err, new(*okayapi.InvalidParamError))
			var ipe *okayapi.InvalidParamError
			require.ErrorAs(t, err, &ipe)
			assert.Equal(t, "chat_message_data", ipe.Field)
		})
	}
}

func TestCustomDecode(t *testing.T) {
	t.Parallel()
	var v struct {
		Card struct {
			Kind string `json:"kind"`
			No   int    `json:"no"`
		} `json:"card"`
	}
	c := chatmsg.Custom{Object: json.RawMessage(`{"card":{"kind":"\u8ba2\u5355","no":7}}`)}
	require.NoError(t, c.Decode(&v))
	assert.Equal(t, "订单", v.Card.Kind)
	assert.Equal(t, 7, v.Card.No)
	assert.Error(t, chatmsg.Custom{Object: json.RawMessage(`{`)}.Decode(&v))
}

func TestMessageTypes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "text", chatmsg.Kind(chatmsg.Text{}))
	assert.Equal(t, "html", chatmsg.Kind(chatmsg.HTML{}))
	assert.Equal(t, "image", chatmsg.Kind(chatmsg.Image{}))
	assert.Equal(t, "link", chatmsg.Kind(chatmsg.Link{}))
	assert.Equal(t, "custom", chatmsg.Kind(chatmsg.Custom{}))
	assert.Equal(t, "video", chatmsg.Kind(chatmsg.Unknown{Kind: "video"}))
	assert.Equal(t, "sent", chatmsg.Sent.String())
	assert.Equal(t, "received", chatmsg.Received.String())
	assert.Equal(t, "unknown", chatmsg.Direction(0).String())
	assert.Equal(t, "unknown", chatmsg.Direction(42).String())
}

// decodeFromWire serves one TakeMessageList answer holding a message of the
// given kind and raw chat_message_data, and returns the decoded message.
func decodeFromWire(t *testing.T, kind, data string) chatmsg.Message {
	t.Helper()
	kindJSON, err := json.Marshal(kind)
	require.NoError(t, err)
	body := `{"ret":200,"data":{"err_code":0,"err_msg":"","list":[{"id":1,"chat_message_to_uuid":"` + uuidAB +
		`","chat_message_type":` + string(kindJSON) + `,"chat_message_data":` + data +
		`,"chat_message_is_read":0,"chat_message_io":"in","add_time":"2019-08-11 17:12:02"}],"unread_num":0},"msg":""}`
	require.True(t, json.Valid([]byte(body)), body)
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, []byte(body))
	list, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Messages, 1)
	return list.Messages[0].Message
}

// TestMessageDecoding: each kind read back from the wire into its Go type.
func TestMessageDecoding(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		name string
		kind string
		data string
		want chatmsg.Message
	}{
		{"text", "text", `{"content":"hi"}`, chatmsg.Text{Content: "hi"}},
		{"text escaped emoji", "text", `{"content":"I \u2764 \u26bd \ud83d\ude00"}`, chatmsg.Text{Content: "I ❤ ⚽ 😀"}},
		{"text with ext", "text", `{"content":"hi","at":["X"],"n":1,"o":{"a": 1}}`,
			chatmsg.Text{Content: "hi", Ext: map[string]any{"at": json.RawMessage(`["X"]`), "n": json.Number("1"), "o": json.RawMessage(`{"a": 1}`)}}},
		{"text content number", "text", `{"content":12}`, chatmsg.Text{Content: "12"}},
		{"text content null", "text", `{"content":null}`, chatmsg.Text{}},
		{"text no content", "text", `{"other":"x"}`, chatmsg.Text{Ext: map[string]any{"other": "x"}}},
		{"text empty array data", "text", `[]`, chatmsg.Text{}},
		{"text null data", "text", `null`, chatmsg.Text{}},
		{"text content object", "text", `{"content":{"a":1}}`, chatmsg.Unknown{Kind: "text", Raw: raw(`{"content":{"a":1}}`)}},
		{"html escaped slash", "html", `{"content":"<b>&<\/b>"}`, chatmsg.HTML{Content: "<b>&</b>"}},
		{"image", "image", `{"url":"https:\/\/a.example\/p.png","w":"640"}`,
			chatmsg.Image{URL: "https://a.example/p.png", Ext: map[string]any{"w": "640"}}},
		{"link", "link", `{"url":"https://a.example/"}`, chatmsg.Link{URL: "https://a.example/"}},
		{"link empty array data", "link", `[]`, chatmsg.Link{}},
		{"custom", "custom", `{"card":{"k":1},"url":"x"}`, chatmsg.Custom{Object: raw(`{"card":{"k":1},"url":"x"}`)}},
		{"custom empty array data", "custom", `[]`, chatmsg.Custom{Object: raw(`{}`)}},
		{"unknown kind", "video", `{"url":"https:\/\/a.example\/v.mp4","seconds":12}`,
			chatmsg.Unknown{Kind: "video", Raw: raw(`{"url":"https:\/\/a.example\/v.mp4","seconds":12}`)}},
		{"unknown kind empty array data", "voice", `[]`, chatmsg.Unknown{Kind: "voice", Raw: raw(`{}`)}},
		{"empty kind", "", `{"content":"hi"}`, chatmsg.Unknown{Kind: "", Raw: raw(`{"content":"hi"}`)}},
		{"data as JSON text", "text", `"{\"content\":\"hi\",\"n\":1}"`, chatmsg.Text{Content: "hi", Ext: map[string]any{"n": json.Number("1")}}},
		{"custom data as JSON text", "custom", `"{\"k\":1}"`, chatmsg.Custom{Object: raw(`{"k":1}`)}},
		{"data a plain string", "text", `"hello"`, chatmsg.Unknown{Kind: "text", Raw: raw(`"hello"`)}},
		{"data a number", "image", `12`, chatmsg.Unknown{Kind: "image", Raw: raw(`12`)}},
		{"data a non-empty array", "link", `["https://a.example/"]`, chatmsg.Unknown{Kind: "link", Raw: raw(`["https://a.example/"]`)}},
		{"kind is case sensitive", "TEXT", `{"content":"hi"}`, chatmsg.Unknown{Kind: "TEXT", Raw: raw(`{"content":"hi"}`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := decodeFromWire(t, tc.kind, tc.data)
			assert.Equal(t, tc.want, got)
			assertExtIsPlain(t, got)
		})
	}
}

// assertExtIsPlain: extension fields read back are plain Go values (see
// map[string]any): scalars as Go values, numbers as json.Number, and arrays and
// objects as json.RawMessage, never decoded into a tree.
func assertExtIsPlain(t *testing.T, m chatmsg.Message) {
	t.Helper()
	var ext map[string]any
	switch v := m.(type) {
	case chatmsg.Text:
		ext = v.Ext
	case chatmsg.HTML:
		ext = v.Ext
	case chatmsg.Image:
		ext = v.Ext
	case chatmsg.Link:
		ext = v.Ext
	}
	for k, v := range ext {
		switch v.(type) {
		case string, json.Number, bool, nil, json.RawMessage:
		default:
			t.Errorf("Ext[%q] is a %T", k, v)
		}
	}
}

// TestMessageRoundTrip: a message sent, then read back, is the same message
// (its extension values now as map[string]any describes them: numbers as
// json.Number, arrays and objects as json.RawMessage).
func TestMessageRoundTrip(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		name string
		msg  chatmsg.Message
		want chatmsg.Message
	}{
		{"text", chatmsg.Text{Content: "I ❤ ⚽ 😀"}, chatmsg.Text{Content: "I ❤ ⚽ 😀"}},
		{"text ext", chatmsg.Text{Content: "hi", Ext: map[string]any{"n": 1, "s": "<x>", "l": []int{1}}},
			chatmsg.Text{Content: "hi", Ext: map[string]any{"n": json.Number("1"), "s": "<x>", "l": json.RawMessage(`[1]`)}}},
		{"html", chatmsg.HTML{Content: "<b>&</b>"}, chatmsg.HTML{Content: "<b>&</b>"}},
		{"image", chatmsg.Image{URL: "https://cdn.example.com/a.png?x=1&y=2", Ext: map[string]any{"w": 640}},
			chatmsg.Image{URL: "https://cdn.example.com/a.png?x=1&y=2", Ext: map[string]any{"w": json.Number("640")}}},
		{"link", chatmsg.Link{URL: "https://www.okayapi.com/"}, chatmsg.Link{URL: "https://www.okayapi.com/"}},
		{"custom", chatmsg.Custom{Object: raw(`{ "card": {"kind": "order"} }`)}, chatmsg.Custom{Object: raw(`{"card":{"kind":"order"}}`)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.PathForm)
			mock.reply(chatmsg.ServiceSend, http.StatusOK, readFixture(t, "send/success.json"))
			_, err := svc.Send(context.Background(), replayMember(), uuidAB, tc.msg)
			require.NoError(t, err)
			sent := mock.onlyCall(t).Form

			got := decodeFromWire(t, sent.Get("chat_message_type"), sent.Get("chat_message_data"))
			assert.Equal(t, tc.want, got)
		})
	}
}
