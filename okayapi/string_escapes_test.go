package okayapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// Text made only of escapes reads as encoding/json reads it: "\\\\" is two
// backslashes, not four.
func TestStringOfEscapesOnly(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`"\\"`: `\`, `"\\\\"`: `\\`, `"\/"`: `/`, `"\n\t"`: "\n\t", `"\u00e9"`: "é"} {
		var s phpjson.String
		require.NoError(t, s.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, want, string(s), in)
	}
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
