package chatmsg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/internal/hook"
)

// sendKey is a send key as package exactlyonce makes them: 32 hex digits.
const sendKey = "0123456789abcdef0123456789abcdef"

// keyedWire is the chat_message_data sent for data under sendKey: the key
// first, then the message's own fields.
func keyedWire(data string) string {
	return `{"okayapi_send_key":"` + sendKey + `",` + data[1:]
}

// keyedSend sends msg under sendKey, as exactlyonce.Send does (through the
// same hook), and returns the error.
func keyedSend(svc *chatmsg.Service, msg chatmsg.Message) error {
	_, err := hook.Send(context.Background(), svc, replayMember(), uuidAB, msg, sendKey)
	return err
}

// TestKeyedSizeCapCountsTheKey: under a send key (exactlyonce), the key is
// part of chat_message_data and counts against the size cap, as sent:
// escapes count as their two bytes, white space inside strings counts, and
// white space between fields does not. A message exactly at the cap with
// its key goes out as is; one byte over is refused, naming
// chat_message_data, the cap and the size, and nothing is sent.
func TestKeyedSizeCapCountsTheKey(t *testing.T) {
	t.Parallel()
	const limit = 200
	// Each message is, with its key, limit+over bytes as sent.
	build := func(over int) []chatmsg.Message {
		room := limit + over - (len(keyedWire(`{}`)) - len(`{}`))   // less the key and its comma
		escaped := strings.Repeat(`"\`, 10)                         // 20 characters, 40 bytes as sent
		ws := "a b\tc\n"                                            // 6 characters, 8 bytes as sent
		rawEscaped, rawWS := strings.Repeat(`\"\\`, 10), `a b\tc\n` // the same as JSON
		textFill := room - len(`{"content":""}`) - 40 - 8
		customFill := room - len(`{"c":"","d":[[[]]]}`) - 40 - 8
		return []chatmsg.Message{
			chatmsg.Text{Content: escaped + ws + strings.Repeat("x", textFill)},
			chatmsg.Custom{Object: json.RawMessage("{ \"c\" : \"" + rawEscaped + rawWS + strings.Repeat("y", customFill) + "\" ,\n\t\"d\": [ [ [ ] ] ] }")},
		}
	}
	for _, over := range []int{0, 1} {
		for i, msg := range build(over) {
			t.Run(fmt.Sprintf("over %d msg %d", over, i), func(t *testing.T) {
				t.Parallel()
				svc, mock := newMockAPIWith(t, chatmsg.WithMaxMessageSize(limit))
				sendAnswers(mock)
				data, err := chatmsg.Data(msg)
				require.NoError(t, err)
				wire := keyedWire(string(data))
				require.Len(t, wire, limit+over, "the test's own arithmetic")
				require.NoError(t, svc.Check(msg), "without its key the message fits")

				err = keyedSend(svc, msg)
				if over == 0 {
					require.NoError(t, err)
					call := mock.onlyCall(t)
					assert.Equal(t, wire, call.Form.Get("chat_message_data"))
					assert.Equal(t, chatmsg.Kind(msg), call.Form.Get("chat_message_type"))
					return
				}
				ipe := assertRefused(t, mock, err, "chat_message_data")
				assert.Equal(t, "must be at most 200 bytes when encoded as JSON (got 201; see WithMaxMessageSize)", ipe.Rule)
				assert.ErrorContains(t, hook.CheckMessage(svc, msg, sendKey), "at most 200 bytes", "the check exactlyonce makes first")
			})
		}
	}
}

// TestKeyedSendAtTheDepthLimit: a custom object nested exactly 511 levels
// deep goes out under a send key too, unchanged but for the key.
func TestKeyedSendAtTheDepthLimit(t *testing.T) {
	t.Parallel()
	obj := `{"a":` + strings.Repeat("[", 510) + strings.Repeat("]", 510) + `}`
	svc, mock := newMockAPIWith(t)
	sendAnswers(mock)
	require.NoError(t, keyedSend(svc, chatmsg.Custom{Object: json.RawMessage(obj)}))
	assert.Equal(t, keyedWire(obj), mock.onlyCall(t).Form.Get("chat_message_data"))
}

// TestDepthCountsOnlyNesting: the 511-level limit is on nesting, not on
// how many arrays and objects a message holds side by side, nor on the
// brackets inside its text (escaped quotes included).
func TestDepthCountsOnlyNesting(t *testing.T) {
	t.Parallel()
	var siblings strings.Builder
	siblings.WriteString(`{"a":1`)
	for i := range 600 {
		siblings.WriteString(`,"k` + strconv.Itoa(i) + `":[{}]`)
	}
	siblings.WriteString(`}`)
	brackets := strings.Repeat("[{", 600)
	cases := []struct {
		name string
		msg  chatmsg.Message
	}{
		{"600 arrays side by side", chatmsg.Custom{Object: json.RawMessage(siblings.String())}},
		{"brackets in a custom string", chatmsg.Custom{Object: json.RawMessage(`{"a":"` + brackets + `"}`)}},
		{"brackets after an escaped quote", chatmsg.Custom{Object: json.RawMessage(`{"a":"\"` + brackets + `\\"}`)}},
		{"brackets in a text with an extension field", chatmsg.Text{Content: brackets, Ext: map[string]any{"e": brackets}}},
		{"brackets in an extension field name", chatmsg.Link{URL: "https://a.example/", Ext: map[string]any{brackets: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			data, err := chatmsg.Data(tc.msg)
			require.NoError(t, err)
			_, err = svc.Send(context.Background(), replayMember(), uuidAB, tc.msg)
			require.NoError(t, err)
			assert.Equal(t, string(data), mock.onlyCall(t).Form.Get("chat_message_data"))
		})
	}
}

// TestSurrogateEscapeBoundaries: a \u escape of a high surrogate
// (D800-DBFF) must be followed by one of a low surrogate (DC00-DFFF): the
// first and last pairs of each range are accepted and sent as written, in
// either case of hex digits; a high surrogate followed by anything just
// outside the low range, and every lone surrogate, is refused naming the
// field, and nothing is sent.
func TestSurrogateEscapeBoundaries(t *testing.T) {
	t.Parallel()
	for _, pair := range []string{`\ud800\udc00`, `\ud800\udfff`, `\udbff\udc00`, `\udbff\udfff`, `\uD800\uDC00`, `\uDBFF\uDFFF`, `\uDA9A\uDCAF`, `\ud93f\udd09`} {
		t.Run("pair "+pair, func(t *testing.T) {
			t.Parallel()
			obj := `{"a":"x` + pair + `y"}`
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			_, err := svc.Send(context.Background(), replayMember(), uuidAB, chatmsg.Custom{Object: json.RawMessage(obj)})
			require.NoError(t, err)
			assert.Equal(t, obj, mock.onlyCall(t).Form.Get("chat_message_data"))
		})
	}
	for _, bad := range []string{`\ud800\udbff`, `\ud800\ue000`, `\udbff\ue000`, `\ud800\ud7ff`, `\uDBFF\uE000`, `\ud800\\udc00`, `\ud800`, `\udbff x`, `\udc00\udc00`, `\udfff\udc00`} {
		t.Run("refused "+bad, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPIWith(t)
			sendAnswers(mock)
			sendErr, multiErr := sendBoth(svc, chatmsg.Custom{Object: json.RawMessage(`{"ok":"\ud83d\ude00","a":"x` + bad + `"}`)})
			ipe := assertRefused(t, mock, sendErr, "chat_message_data.a")
			assert.Contains(t, ipe.Rule, "UTF-8")
			assertRefused(t, mock, multiErr, "chat_message_data.a")
		})
	}
	t.Run("every lone surrogate", func(t *testing.T) {
		t.Parallel()
		for r := 0xD800; r <= 0xDFFF; r++ {
			for _, esc := range []string{fmt.Sprintf(`\u%04x`, r), fmt.Sprintf(`\u%04X`, r)} {
				_, err := chatmsg.Data(chatmsg.Custom{Object: json.RawMessage(`{"a":"` + esc + `"}`)})
				assertRefused(t, nil, err, "chat_message_data.a")
			}
		}
	})
	t.Run("escapes that are not surrogates", func(t *testing.T) {
		t.Parallel()
		for _, r := range []int{0, 0x9, 0x41, 0xe9, 0x2028, 0x9fff, 0xa000, 0xd000, 0xd7ff, 0xe000, 0xf900, 0xfffd, 0xffff} {
			for _, esc := range []string{fmt.Sprintf(`\u%04x`, r), fmt.Sprintf(`\u%04X`, r)} {
				obj := `{"a":"` + esc + `"}`
				data, err := chatmsg.Data(chatmsg.Custom{Object: json.RawMessage(obj)})
				require.NoError(t, err, esc)
				assert.Equal(t, obj, string(data))
			}
		}
	})
}

// badText is text that is not valid UTF-8.
const badText = "x\xff"

// textOf is a TextMarshaler: encoding/json sends what it returns as a
// string (rewriting invalid UTF-8 to U+FFFD).
type textOf string

func (s textOf) MarshalText() ([]byte, error) { return []byte(s), nil }

// idKey is a map key that encoding/json writes with MarshalText.
type idKey int

func (k idKey) MarshalText() ([]byte, error) {
	if k < 0 {
		return []byte("id" + badText), nil
	}
	return []byte("id" + strconv.Itoa(int(k))), nil
}

// addrByte is a byte whose pointer is a TextMarshaler: encoding/json writes
// a []addrByte as an array of its texts, not as base64.
type addrByte byte

func (b *addrByte) MarshalText() ([]byte, error) {
	if *b == 0xff {
		return []byte{0xff}, nil
	}
	return []byte{'b', byte(*b)}, nil
}

// Note is embedded in the structs below.
type Note struct {
	Text string `json:"text"`
}

// note is embedded unexported: encoding/json still writes its exported
// fields as the outer object's own.
type note struct {
	Memo string `json:"memo"`
}

// TestBadTextNamesItsPlace: text that encoding/json would rewrite to U+FFFD
// (invalid UTF-8 in a string, a map key or what a TextMarshaler returns) is
// refused, by NewCustom and in extension fields, with the top-level field in
// Field and the full path, as encoding/json names the fields, in Rule.
func TestBadTextNamesItsPlace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		v     any
		field string // after chat_message_data.
		path  string
	}{
		{"nested maps and a list", map[string]any{"meta": map[string]any{"tags": []string{"ok", badText}}}, "meta", "meta.tags[1]"},
		{"list of lists", map[string]any{"grid": [][]string{{"a"}, {"b", badText}}}, "grid", "grid[1][1]"},
		{"list of objects", map[string]any{"rows": []map[string]string{{"a": "ok"}, {"b": badText}}}, "rows", "rows[1].b"},
		{"three levels", map[string]any{"a": map[string]any{"b": map[string]string{"c": badText}}}, "a", "a.b.c"},
		{"embedded struct", struct {
			Note
			ID int `json:"id"`
		}{Note{Text: badText}, 1}, "text", "text"},
		{"embedded struct with a name", struct {
			Note `json:"note"`
		}{Note{Text: badText}}, "note", "note.text"},
		{"unexported embedded struct", struct {
			note
		}{note{Memo: badText}}, "memo", "memo"},
		{"embedded pointer", struct {
			*Note
		}{&Note{Text: badText}}, "text", "text"},
		{"TextMarshaler value", map[string]any{"t": textOf(badText)}, "t", "t"},
		{"TextMarshaler in a list", map[string]any{"t": []textOf{"ok", textOf(badText)}}, "t", "t[1]"},
		{"TextMarshaler map key", map[idKey]int{-1: 1}, "idx\uFFFD", "idx\uFFFD"},
		{"value under a TextMarshaler map key", map[string]any{"m": map[idKey]string{7: badText}}, "m", "m.id7"},
		{"value under an integer map key", map[string]any{"m": map[int]string{42: badText}}, "m", "m.42"},
		{"bytes whose pointer is a TextMarshaler", map[string]any{"b": []addrByte{'a', 0xff}}, "b", "b[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := chatmsg.NewCustom(tc.v)
			ipe := assertRefused(t, nil, err, "chat_message_data."+tc.field)
			assert.Equal(t, "must be valid UTF-8 text (invalid bytes and unpaired \\u surrogate escapes would be lost or refused on the way); the text at "+tc.path+" is not", ipe.Rule)
		})
	}
	t.Run("in an extension field", func(t *testing.T) {
		t.Parallel()
		svc, mock := newMockAPIWith(t)
		sendAnswers(mock)
		sendErr, multiErr := sendBoth(svc, chatmsg.Text{Content: "hi", Ext: map[string]any{"ok": 1, "meta": map[string]any{"tags": []any{"ok", []addrByte{0xff}}}}})
		for _, err := range []error{sendErr, multiErr} {
			ipe := assertRefused(t, mock, err, "chat_message_data.meta") // the path is inside the field
			assert.True(t, strings.HasSuffix(ipe.Rule, "; the text at tags[1][0] is not"), ipe.Rule)
		}
	})
}

// TestTextThatIsNotRewrittenGoesOut: what encoding/json does not turn into
// text, or turns into valid text, is not refused: bytes travel as base64
// (also as a byte array's numbers), TextMarshalers and their map keys as
// the valid text they return, and an embedded struct's fields as the
// object's own.
func TestTextThatIsNotRewrittenGoesOut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"bytes", map[string]any{"b": []byte(badText)}, `{"b":"eP8="}`},
		{"byte array", map[string]any{"b": [2]byte{'x', 0xff}}, `{"b":[120,255]}`},
		{"bytes whose pointer is a TextMarshaler", map[string]any{"b": []addrByte{'a'}}, `{"b":["ba"]}`},
		{"TextMarshaler map key", map[idKey]string{7: "ok"}, `{"id7":"ok"}`},
		{"TextMarshaler value", map[string]any{"t": textOf("ok")}, `{"t":"ok"}`},
		{"embedded struct", struct {
			Note
			note
		}{Note{Text: "a"}, note{Memo: "b"}}, `{"text":"a","memo":"b"}`},
		{"embedded struct with a name", struct {
			Note `json:"n"`
		}{Note{Text: "a"}}, `{"n":{"text":"a"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := chatmsg.NewCustom(tc.v)
			require.NoError(t, err)
			data, err := chatmsg.Data(c)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(data))
		})
	}
}

// TestDepthLimitExact: chat_message_data may nest exactly 511 levels, in a
// custom object and in an extension field, after other fields and text
// with brackets of its own; 512 levels are refused, naming
// chat_message_data and the rule, and nothing is sent.
func TestDepthLimitExact(t *testing.T) {
	t.Parallel()
	arrays := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	before := `"t":"] } a:b [","n":1,`
	for _, levels := range []int{511, 512} {
		for name, msg := range map[string]chatmsg.Message{
			"custom":          chatmsg.Custom{Object: json.RawMessage(`{` + before + `"a":` + arrays(levels-1) + `}`)},
			"custom, objects": chatmsg.Custom{Object: json.RawMessage(`{` + before + strings.Repeat(`"o":{`, levels-1) + strings.Repeat("}", levels))},
			"extension field": chatmsg.Text{Content: "] hi", Ext: map[string]any{"a": 1, "n": json.RawMessage(arrays(levels - 1))}},
		} {
			t.Run(fmt.Sprintf("%s %d", name, levels), func(t *testing.T) {
				t.Parallel()
				svc, mock := newMockAPIWith(t)
				sendAnswers(mock)
				sendErr, multiErr := sendBoth(svc, msg)
				if levels == 511 {
					require.NoError(t, sendErr)
					require.NoError(t, multiErr)
					assert.Len(t, mock.Calls(), 2)
					return
				}
				for _, err := range []error{sendErr, multiErr} {
					ipe := assertRefused(t, mock, err, "chat_message_data")
					assert.Equal(t, "must nest arrays and objects at most 511 levels deep (PHP's json_decode refuses more)", ipe.Rule)
				}
			})
		}
	}
}
