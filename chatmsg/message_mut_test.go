package chatmsg_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/chatmsg"
)

// ruleUTF8 is the rule of text that is not valid UTF-8.
const ruleUTF8 = "must be valid UTF-8 text (invalid bytes and unpaired \\u surrogate escapes would be lost or refused on the way)"

// TestPreviewWidth: a summary of exactly max characters is shown whole, one
// more is cut to max-1 characters and "…"; a width of 0 or less shows
// nothing; a one-character width of a longer text shows just "…".
func TestPreviewWidth(t *testing.T) {
	t.Parallel()
	msg := chatmsg.Text{Content: "周末踢球"}
	assert.Equal(t, "周末踢球", chatmsg.Preview(msg, 4))
	assert.Equal(t, "周末踢球", chatmsg.Preview(msg, 5))
	assert.Equal(t, "周末…", chatmsg.Preview(msg, 3))
	assert.Equal(t, "…", chatmsg.Preview(msg, 1))
	assert.Equal(t, "", chatmsg.Preview(msg, 0))
	assert.Equal(t, "", chatmsg.Preview(msg, -1))
	assert.Equal(t, "a", chatmsg.Preview(chatmsg.Text{Content: " a "}, 1))
}

// TestPreviewOfPointers: a pointer to a message previews as the message.
func TestPreviewOfPointers(t *testing.T) {
	t.Parallel()
	for want, msg := range map[string]chatmsg.Message{
		"hi there":                 &chatmsg.Text{Content: "hi\nthere"},
		"<b>hi</b>":                &chatmsg.HTML{Content: " <b>hi</b> "},
		"https://a.example/p.png":  &chatmsg.Image{URL: "https://a.example/p.png"},
		"https://a.example/":       &chatmsg.Link{URL: "https://a.example/"},
		`{"a":[1,2]}`:              &chatmsg.Custom{Object: json.RawMessage(`{ "a": [1, 2] }`)},
		`(voice) {"src": "v.amr"}`: &chatmsg.Unknown{Kind: "voice", Raw: json.RawMessage(`{"src": "v.amr"}`)},
		`{"a": "x", oops}`:         chatmsg.Custom{Object: json.RawMessage("{\"a\": \"x\",\n oops}")}, // not JSON: shown as it is, on one line
	} {
		assert.Equal(t, want, chatmsg.Preview(msg, 100), "%#v", msg)
	}
}

// TestBadTextFieldIsTheTopLevelName: a refusal of text that is not valid
// UTF-8 names the top-level field that holds it, and only
// chat_message_data when that field has no name (an empty key); the rule
// says where inside the field it is, and nothing more when it is the
// field's own text.
func TestBadTextFieldIsTheTopLevelName(t *testing.T) {
	t.Parallel()
	_, err := chatmsg.NewCustom(map[string]any{"": map[string]string{"x": "x\xff"}})
	ipe := assertRefused(t, nil, err, "chat_message_data")
	assert.Equal(t, ruleUTF8+"; the text at .x is not", ipe.Rule)

	_, err = chatmsg.NewCustom(map[string]any{"": []string{"x\xff"}})
	ipe = assertRefused(t, nil, err, "chat_message_data")
	assert.Equal(t, ruleUTF8+"; the text at [0] is not", ipe.Rule)

	_, err = chatmsg.Data(chatmsg.Text{Content: "hi", Ext: map[string]any{"a": 1, "name": "x\xff"}})
	ipe = assertRefused(t, nil, err, "chat_message_data.name")
	assert.Equal(t, ruleUTF8, ipe.Rule)

	_, err = chatmsg.Data(chatmsg.Text{Content: "hi", Ext: map[string]any{"a": 1, "tags": []string{"ok", "x\xff"}}})
	ipe = assertRefused(t, nil, err, "chat_message_data.tags")
	assert.Equal(t, ruleUTF8+"; the text at [1] is not", ipe.Rule)
}
