package chatmsg_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/chatmsg"
)

// TestPreview: Preview shows every kind as one line of what a member sees,
// cut to a width in characters.
func TestPreview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  chatmsg.Message
		want string
	}{
		{chatmsg.Text{Content: "周末踢球吗？\n a&b  😀 "}, "周末踢球吗？ a&b 😀"},
		{chatmsg.HTML{Content: "<b>hi</b>\n<i>there</i>"}, "<b>hi</b> <i>there</i>"},
		{chatmsg.Image{URL: "https://example.com/cat.png", Ext: map[string]any{"w": 640}}, "https://example.com/cat.png"},
		{chatmsg.Link{URL: "https://example.com/x"}, "https://example.com/x"},
		{chatmsg.Custom{Object: json.RawMessage("{ \"a\" : 1 }")}, `{"a":1}`},
		{chatmsg.Unknown{Kind: "video", Raw: json.RawMessage(`{"src": "v.mp4"}`)}, `(video) {"src": "v.mp4"}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, chatmsg.Preview(tt.msg, 100))
	}
	assert.Equal(t, "周末踢…", chatmsg.Preview(chatmsg.Text{Content: "周末踢球吗？"}, 4))
	assert.Equal(t, "", chatmsg.Preview(nil, 10))
	assert.Equal(t, "", chatmsg.Preview((*chatmsg.Text)(nil), 10))
}
