package chatmsg_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/chatmsg"
)

// TestMessagesShowThemselves: every kind prints as one line of what a member
// sees, and Preview cuts it to a width in characters.
func TestMessagesShowThemselves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  chatmsg.Message
		want string
	}{
		{chatmsg.Text{Content: "周末踢球吗？\n a&b  😀 "}, "周末踢球吗？ a&b 😀"},
		{chatmsg.HTML{Content: "<b>hi</b>\n<i>there</i>"}, "<b>hi</b> <i>there</i>"},
		{chatmsg.Image{URL: "https://example.com/cat.png", Ext: chatmsg.Ext{"w": 640}}, "https://example.com/cat.png"},
		{chatmsg.Link{URL: "https://example.com/x"}, "https://example.com/x"},
		{chatmsg.Custom{Object: json.RawMessage("{ \"a\" : 1 }")}, `{"a":1}`},
		{chatmsg.Unknown{Kind: "video", Raw: json.RawMessage(`{"src": "v.mp4"}`)}, `(video) {"src": "v.mp4"}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fmt.Sprint(tt.msg))
		assert.Equal(t, tt.want, chatmsg.Preview(tt.msg, 100))
	}
	assert.Equal(t, "周末踢…", chatmsg.Preview(chatmsg.Text{Content: "周末踢球吗？"}, 4))
	assert.Equal(t, "", chatmsg.Preview(nil, 10))
	assert.Equal(t, "", chatmsg.Preview((*chatmsg.Text)(nil), 10))
}

// TestResultsShowThemselves: printing a result shows the result, not bytes.
func TestResultsShowThemselves(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"err_code":0,"id":"12"}`)
	assert.Equal(t, "sent, message #12", fmt.Sprint(&chatmsg.SendResult{MessageID: 12, Raw: raw}))
	assert.Equal(t, "sent (the service returned no message id)", fmt.Sprint(&chatmsg.SendResult{Raw: raw}))
	multi := &chatmsg.MultiSendResult{Deliveries: []chatmsg.Delivery{{To: "A", MessageID: 2}, {To: "B"}}, Raw: raw}
	assert.Equal(t, "sent to 2 member(s): A #2, B", fmt.Sprint(multi))
	assert.Equal(t, "sent (the service listed no deliveries)", fmt.Sprint(&chatmsg.MultiSendResult{Raw: raw}))
}
