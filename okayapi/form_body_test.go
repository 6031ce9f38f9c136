package okayapi_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// The body is exactly the form url.Values.Encode writes (names in byte
// order, every value escaped, no stray '&'), with s left in the URL.
func TestFormBodyIsTheStandardEncoding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	params := url.Values{"chat_message_data": {`{"content":"名 a&b=c+d 100%"}`}, "名": {"字"}, "z": {"1", "2"}}
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Params: params}, nil)
	require.NoError(t, err)
	sent := h.only()
	want := url.Values{}
	for k, v := range sent.Form {
		want[k] = v
	}
	assert.Equal(t, want.Encode(), sent.Body)
	assert.Equal(t, []string{"1", "2"}, sent.Form["z"])
	assert.Equal(t, "字", sent.Form.Get("名"))
	assert.NotContains(t, sent.Form, "s", "s travels in the URL")
}
