package chatmsg_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// sendAnswers makes every call of svc's mock succeed.
func sendAnswers(mock *mockAPI) {
	for _, service := range []string{
		chatmsg.ServiceSend, chatmsg.ServiceMultiSend, chatmsg.ServiceTakeMessageList,
		chatmsg.ServiceMarkAsReaded, chatmsg.ServiceGetAllChatList, chatmsg.ServiceGetAllUnreadNum,
	} {
		mock.reply(service, http.StatusOK, []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","list":[],"detail":[],"unread_num":0},"msg":""}`))
	}
}

// assertRefused checks that err is an *okayapi.InvalidParamError for field
// and that no HTTP request was made.
func assertRefused(t *testing.T, mock *mockAPI, err error, field string) *okayapi.InvalidParamError {
	t.Helper()
	require.Error(t, err)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.ErrorAs(t, err, new(*okayapi.InvalidParamError))
	assert.Equal(t, field, ipe.Field)
	assert.NotEmpty(t, ipe.Rule)
	assert.False(t, okayapi.MayHaveArrived(err), "refused before sending")
	if mock != nil {
		assert.Zero(t, mock.mt.GetTotalCallCount(), "no HTTP request may be made")
		assert.Empty(t, mock.Calls())
	}
	return ipe
}

// sendBoth sends msg with Send and with MultiSend and returns both errors.
func sendBoth(svc *chatmsg.Service, msg chatmsg.Message) (sendErr, multiErr error) {
	_, sendErr = svc.Send(context.Background(), replayMember(), uuidAB, msg)
	_, multiErr = svc.MultiSend(context.Background(), replayMember(), []string{uuidAB, uuidDogstar}, msg)
	return sendErr, multiErr
}

// TestMessageSizeCap: chat_message_data may be at most the cap when encoded
// (DefaultMaxMessageSize, or WithMaxMessageSize's), for ASCII and for
// Chinese text (3 bytes a character); one byte more is refused before
// anything is sent, by Send and by MultiSend.
func TestMessageSizeCap(t *testing.T) {
	t.Parallel()
	require.Equal(t, 64<<10, chatmsg.DefaultMaxMessageSize)
	const wrap = len(`{"content":""}`)
	zh := func(chars int, tail string) string { return strings.Repeat("你", chars) + tail }
	cases := []struct {
		name    string
		limit   int // 0: the default
		content string
		ok      bool
	}{
		{"ASCII at the default cap", 0, strings.Repeat("a", 64<<10-wrap), true},
		{"ASCII one byte over the default cap", 0, strings.Repeat("a", 64<<10-wrap+1), false},
		{"Chinese at the default cap", 0, zh((64<<10-wrap)/3, "ab"), true},
		{"Chinese one character over the default cap", 0, zh((64<<10-wrap)/3+1, ""), false},
		{"ASCII at a cap of 100", 100, strings.Repeat("a", 100-wrap), true},
		{"ASCII over a cap of 100", 100, strings.Repeat("a", 100-wrap+1), false},
		{"Chinese at a cap of 100", 100, zh(28, "ab"), true},
		{"Chinese over a cap of 100", 100, zh(29, ""), false},
		{"escapes count as sent", 100, strings.Repeat(`"`, (100-wrap)/2+1), false},
		{"10 MB", 0, strings.Repeat("a", 10<<20), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			limit := chatmsg.DefaultMaxMessageSize
			var opts []chatmsg.Option
			if tc.limit != 0 {
				limit = tc.limit
				opts = append(opts, chatmsg.WithMaxMessageSize(tc.limit))
			}
			msg := chatmsg.Text{Content: tc.content}
			data, err := chatmsg.Data(msg)
			require.NoError(t, err, "Data itself has no cap")
			if tc.ok {
				require.Len(t, data, limit, "the test is at the cap")
			} else {
				require.Greater(t, len(data), limit)
			}

			svc, mock := newMockAPIWith(t, opts...)
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, msg)
			if tc.ok {
				require.NoError(t, sendErr)
				require.NoError(t, multiErr)
				calls := mock.Calls()
				require.Len(t, calls, 2)
				for _, c := range calls {
					assert.Equal(t, string(data), c.Form.Get("chat_message_data"))
				}
				return
			}
			for _, err := range []error{sendErr, multiErr} {
				ipe := assertRefused(t, mock, err, "chat_message_data")
				assert.Contains(t, ipe.Rule, "at most "+strconv.Itoa(limit)+" bytes when encoded")
				assert.Contains(t, ipe.Rule, strconv.Itoa(len(data)))
				assert.Less(t, len(err.Error()), 300, "the error does not carry the message")
			}
		})
	}
}

// TestMessageSizeCapCountsEverything: extension fields and custom objects
// count toward the cap too.
func TestMessageSizeCapCountsEverything(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 200)
	for name, msg := range map[string]chatmsg.Message{
		"text ext":   chatmsg.Text{Content: "hi", Ext: map[string]any{"pad": big}},
		"image ext":  chatmsg.Image{URL: "https://a.example/p.png", Ext: map[string]any{"pad": big}},
		"link url":   chatmsg.Link{URL: "https://a.example/" + big},
		"custom":     chatmsg.Custom{Object: json.RawMessage(`{"pad":"` + big + `"}`)},
		"html ext":   chatmsg.HTML{Content: "<b>hi</b>", Ext: map[string]any{"pad": []string{big}}},
		"custom pad": chatmsg.Custom{Object: json.RawMessage(`{"a":1` + strings.Repeat(" ", 300) + `}`)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t, chatmsg.WithMaxMessageSize(150))
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, msg)
			if name == "custom pad" {
				// White space is compacted away before the size is taken.
				require.NoError(t, sendErr)
				require.NoError(t, multiErr)
				return
			}
			assertRefused(t, mock, sendErr, "chat_message_data")
			assertRefused(t, mock, multiErr, "chat_message_data")
		})
	}
}

// TestWithMaxMessageSizeNotPositive: a cap that is not positive is a
// programming error, reported once, by New, with the value.
func TestWithMaxMessageSizeNotPositive(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1} {
		assert.PanicsWithValue(t, "chatmsg: WithMaxMessageSize("+strconv.Itoa(n)+"): the cap must be a positive number of bytes",
			func() { chatmsg.New(nil, chatmsg.WithMaxMessageSize(n)) })
	}
	assert.NotPanics(t, func() { chatmsg.New(nil, chatmsg.WithMaxMessageSize(1)) })
}

// newMockAPIWith is newMockAPI (query form) with chatmsg options.
func newMockAPIWith(t *testing.T, opts ...chatmsg.Option) (*chatmsg.Service, *mockAPI) {
	t.Helper()
	return newMockService(t, okayapi.QueryForm, opts)
}

// TestInvalidUTF8Refused: text that is not valid UTF-8 (which encoding/json
// would silently turn into U+FFFD, or pass on raw) is refused, naming the
// field, by Data, Send and MultiSend; nothing is sent.
func TestInvalidUTF8Refused(t *testing.T) {
	t.Parallel()
	bad := "bad\xff"
	badPtr := &bad
	type inner struct {
		Name string `json:"name"`
		Skip string `json:"-"`
	}
	cases := []struct {
		name  string
		msg   chatmsg.Message
		field string
	}{
		{"text content", chatmsg.Text{Content: "hi \xff"}, "chat_message_data.content"},
		{"text content truncated rune", chatmsg.Text{Content: "你好"[:4]}, "chat_message_data.content"},
		{"html content", chatmsg.HTML{Content: "<b>\xc3</b>"}, "chat_message_data.content"},
		{"image url", chatmsg.Image{URL: "https://a.example/\xff.png"}, "chat_message_data.url"},
		{"link url", chatmsg.Link{URL: "https://a.example/\xfe"}, "chat_message_data.url"},
		{"ext key", chatmsg.Text{Content: "hi", Ext: map[string]any{"k\xff": 1}}, "chat_message_data.k\uFFFD"},
		{"ext string value", chatmsg.Text{Content: "hi", Ext: map[string]any{"name": bad}}, "chat_message_data.name"},
		{"ext nested in list", chatmsg.Image{URL: "https://a.example/p.png", Ext: map[string]any{"meta": map[string]any{"a": []any{"ok", bad}}}}, "chat_message_data.meta"},
		{"ext nested map key", chatmsg.Link{URL: "https://a.example/", Ext: map[string]any{"meta": map[string]string{"k\xff": "v"}}}, "chat_message_data.meta"},
		{"ext struct field", chatmsg.HTML{Content: "<p>x</p>", Ext: map[string]any{"s": inner{Name: bad}}}, "chat_message_data.s"},
		{"ext pointer", chatmsg.Text{Content: "hi", Ext: map[string]any{"p": badPtr}}, "chat_message_data.p"},
		{"ext typed string", chatmsg.Text{Content: "hi", Ext: map[string]any{"t": string(bad)}}, "chat_message_data.t"},
		{"ext raw JSON", chatmsg.Text{Content: "hi", Ext: map[string]any{"r": json.RawMessage("\"x\xff\"")}}, "chat_message_data.r"},
		{"ext raw JSON lone surrogate", chatmsg.Text{Content: "hi", Ext: map[string]any{"r": json.RawMessage(`"\ud800"`)}}, "chat_message_data.r"},
		{"custom value", chatmsg.Custom{Object: json.RawMessage("{\"a\":\"\xff\"}")}, "chat_message_data.a"},
		{"custom nested value", chatmsg.Custom{Object: json.RawMessage("{\"ok\":1,\"card\":{\"t\":[\"\xe4\xbd\"]}}")}, "chat_message_data.card"},
		{"custom key", chatmsg.Custom{Object: json.RawMessage("{\"\xff\":1}")}, "chat_message_data"},
		{"custom lone high surrogate", chatmsg.Custom{Object: json.RawMessage(`{"a":"\ud83d x"}`)}, "chat_message_data.a"},
		{"custom lone low surrogate", chatmsg.Custom{Object: json.RawMessage(`{"a":"\uDE00"}`)}, "chat_message_data.a"},
		{"custom reversed pair", chatmsg.Custom{Object: json.RawMessage(`{"a":"\ude00\ud83d"}`)}, "chat_message_data.a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := chatmsg.Data(tc.msg)
			assertRefused(t, nil, err, tc.field)

			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, tc.msg)
			ipe := assertRefused(t, mock, sendErr, tc.field)
			assert.Contains(t, ipe.Rule, "UTF-8")
			assertRefused(t, mock, multiErr, tc.field)
		})
	}

	t.Run("NewCustom", func(t *testing.T) {
		t.Parallel()
		_, err := chatmsg.NewCustom(map[string]any{"a": []string{"ok", bad}})
		assertRefused(t, nil, err, "chat_message_data.a")
		_, err = chatmsg.NewCustom(inner{Name: bad})
		assertRefused(t, nil, err, "chat_message_data.name")
		c, err := chatmsg.NewCustom(inner{Name: "ok", Skip: bad})
		require.NoError(t, err, "a field that is not encoded is not checked")
		assert.JSONEq(t, `{"name":"ok"}`, string(c.Object))
	})
}

// TestValidUTF8Accepted: what looks close to the refused cases but is valid
// goes out unchanged.
func TestValidUTF8Accepted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		msg  chatmsg.Message
		want string
	}{
		{"a real U+FFFD", chatmsg.Text{Content: "a\uFFFDb"}, "{\"content\":\"a\uFFFDb\"}"},
		{"emoji", chatmsg.Text{Content: "😀", Ext: map[string]any{"e": "👍"}}, `{"content":"😀","e":"👍"}`},
		{"bytes are base64, not text", chatmsg.Text{Content: "hi", Ext: map[string]any{"b": []byte("\xff")}}, `{"b":"/w==","content":"hi"}`},
		{"raw JSON with escapes", chatmsg.Text{Content: "hi", Ext: map[string]any{"r": json.RawMessage(`"\ud83d\ude00 \ufffd \\ud800"`)}},
			`{"content":"hi","r":"\ud83d\ude00 \ufffd \\ud800"}`},
		{"custom surrogate pair", chatmsg.Custom{Object: json.RawMessage(`{"a":"\ud83d\ude00","b":"\\udc00"}`)}, `{"a":"\ud83d\ude00","b":"\\udc00"}`},
		{"custom surrogate pair upper case", chatmsg.Custom{Object: json.RawMessage(`{"a":"\uD83D\uDE00"}`)}, `{"a":"\uD83D\uDE00"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, tc.msg)
			require.NoError(t, sendErr)
			require.NoError(t, multiErr)
			for _, c := range mock.Calls() {
				assert.Equal(t, tc.want, c.Form.Get("chat_message_data"))
			}
		})
	}
}

// TestBlankContentRefused: content that is nothing but Unicode white space
// and zero-width characters is blank, though PHP's trim keeps U+3000: the
// member would receive an empty-looking message.
func TestBlankContentRefused(t *testing.T) {
	t.Parallel()
	blank := map[string]string{
		"ideographic space":  "\u3000",
		"zero-width space":   "\u200b",
		"ZWNJ and ZWJ":       "\u200c\u200d",
		"word joiner":        "\u2060",
		"BOM":                "\ufeff",
		"no-break space":     "\u00a0",
		"mixed":              " \t\u3000\u200b\n\ufeff\u2028\u00a0\u2060 ",
		"line separator":     "\u2028\u2029",
		"thin and em spaces": "\u2009\u2003\u202f",
	}
	for name, content := range blank {
		for kind, msg := range map[string]chatmsg.Message{"text": chatmsg.Text{Content: content}, "html": chatmsg.HTML{Content: content}} {
			t.Run(kind+" "+name, func(t *testing.T) {
				t.Parallel()
				_, err := chatmsg.Data(msg)
				assertRefused(t, nil, err, "chat_message_data.content")
				svc, mock := newMockAPIWith(t)
				sendAnswers(mock)
				sendErr, multiErr := sendBoth(svc, msg)
				ipe := assertRefused(t, mock, sendErr, "chat_message_data.content")
				assert.Contains(t, ipe.Rule, "blank")
				assertRefused(t, mock, multiErr, "chat_message_data.content")
			})
		}
	}
	for _, content := range []string{"\u3000你好", "\u200bx", ".", "\u3000\u200b0"} {
		t.Run("not blank "+strconv.Quote(content), func(t *testing.T) {
			t.Parallel()
			_, err := chatmsg.Data(chatmsg.Text{Content: content})
			require.NoError(t, err)
			_, err = chatmsg.Data(chatmsg.HTML{Content: content})
			require.NoError(t, err)
		})
	}
}

// TestNilContext: every call refuses a nil context with an
// InvalidParamError naming ctx, before any other check and without a panic.
func TestNilContext(t *testing.T) {
	t.Parallel()
	var nilCtx context.Context
	for _, member := range []okayapi.Member{replayMember(), {}} {
		for name, call := range everyCall(member) {
			t.Run(name+" member "+strconv.FormatBool(member.UUID != ""), func(t *testing.T) {
				t.Parallel()
				svc, mock := newMockAPIWith(t)
				sendAnswers(mock)
				var err error
				require.NotPanics(t, func() { err = call(nilCtx, svc) })
				assertRefused(t, mock, err, "ctx")
			})
		}
	}
}

// rawData is a caller's type that embeds Text (and so is a Message) and
// has a Data method of its own.
type rawData struct {
	chatmsg.Text
	raw string
}

func (r rawData) Data() (json.RawMessage, error) { return json.RawMessage(r.raw), nil }

// TestEmbeddedKindSendsItsOwnData: a type of the caller's that embeds a kind
// is sent as that kind, checked by its rules; a Data method of its own is
// not what is sent.
func TestEmbeddedKindSendsItsOwnData(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPIWith(t)
	sendAnswers(mock)
	sendErr, multiErr := sendBoth(svc, rawData{Text: chatmsg.Text{Content: "hi"}, raw: `[not json`})
	require.NoError(t, sendErr)
	require.NoError(t, multiErr)
	calls := mock.Calls()
	require.Len(t, calls, 2)
	for _, c := range calls {
		assert.Equal(t, `{"content":"hi"}`, c.Form.Get("chat_message_data"))
		assert.Equal(t, "text", c.Form.Get("chat_message_type"))
	}

	svc, mock = newMockAPIWith(t)
	sendAnswers(mock)
	sendErr, multiErr = sendBoth(svc, rawData{Text: chatmsg.Text{Content: " "}, raw: `{"content":"hi"}`})
	assertRefused(t, mock, sendErr, "chat_message_data.content")
	assertRefused(t, mock, multiErr, "chat_message_data.content")
}

// TestEmptyObjectAsJSONText: a service keeping the data in a text column
// answers an empty object as the JSON string "[]" (PHP's re-encoding of
// {}); it reads back as an empty object, as a bare [] does.
func TestEmptyObjectAsJSONText(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		kind string
		data string
		want chatmsg.Message
	}{
		{"custom", `"[]"`, chatmsg.Custom{Object: raw(`{}`)}},
		{"custom", `" [ ] "`, chatmsg.Custom{Object: raw(`{}`)}},
		{"custom", `"{}"`, chatmsg.Custom{Object: raw(`{}`)}},
		{"text", `"[]"`, chatmsg.Text{}},
		{"html", `"[]"`, chatmsg.HTML{}},
		{"image", `"[]"`, chatmsg.Image{}},
		{"link", `"[]"`, chatmsg.Link{}},
		{"voice", `"[]"`, chatmsg.Unknown{Kind: "voice", Raw: raw(`{}`)}},
		{"custom", `"[1]"`, chatmsg.Unknown{Kind: "custom", Raw: raw(`"[1]"`)}},
		{"custom", `""`, chatmsg.Unknown{Kind: "custom", Raw: raw(`""`)}},
	}
	for _, tc := range cases {
		t.Run(tc.kind+" "+tc.data, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, decodeFromWire(t, tc.kind, tc.data))
		})
	}
}

// TestCheck: Check refuses what Send would refuse, naming the same field,
// and sends nothing.
func TestCheck(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPIWith(t, chatmsg.WithMaxMessageSize(32))
	for _, tc := range []struct {
		msg   chatmsg.Message
		field string
	}{
		{chatmsg.Text{Content: " \u200b"}, "chat_message_data.content"},
		{chatmsg.Image{URL: "ftp://x.example/a.png"}, "chat_message_data.url"},
		{chatmsg.Text{Content: strings.Repeat("a", 32)}, "chat_message_data"},
		{chatmsg.Unknown{Kind: "video"}, "chat_message_type"},
		{nil, "chat_message_data"},
	} {
		err := svc.Check(tc.msg)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe, "%#v", tc.msg)
		assert.Equal(t, tc.field, ipe.Field, "%#v", tc.msg)
	}
	assert.NoError(t, svc.Check(chatmsg.Text{Content: "hi"}))
	assert.Empty(t, mock.Calls())
}
