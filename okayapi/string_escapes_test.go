package okayapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// A msg made only of escapes reads as encoding/json reads it: "\\\\" is
// two backslashes, not four.
func TestMsgOfEscapesOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":{},"msg":"\\\\"}`))
	resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Equal(t, `\\`, resp.Msg)
}

// A msg holding raw control characters is not JSON text: the answer is a
// transport failure, whatever else the characters are next to.
func TestMsgWithRawControlCharacters(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{"\t", "\x01\x02", "a\nb"} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":{},"msg":"`+msg+`"}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		assert.ErrorIs(t, err, okayapi.ErrTransport, "%q", msg)
	}
}
