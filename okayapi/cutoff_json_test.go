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

// cutOffEnvelope holds every kind of JSON value the scanner steps over:
// nested objects and arrays, strings with escapes, numbers, the literals.
const cutOffEnvelope = `{"ret":200,"data":{"err_code":0,"list":[1,-2.5e3,"a\"b\\",true,false,null,{"k":[]}],"s":"\u4f60"},"msg":"ok"}`

// An answer cut off anywhere (a connection closed mid-body, a proxy's limit)
// is never read as a shorter answer: Do reports it could not read it, and
// does not panic. (phpjson and jsonscan check the same of their readers.)
func TestCutOffJSONIsRefused(t *testing.T) {
	t.Parallel()
	t.Run("Do", func(t *testing.T) {
		t.Parallel()
		for n := 0; n < len(cutOffEnvelope); n++ {
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, cutOffEnvelope[:n]))
			var out struct{ S string }
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
			require.ErrorIs(t, err, okayapi.ErrTransport, "cut after %d bytes: %s", n, cutOffEnvelope[:n])
			assert.Empty(t, out.S)
		}
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, cutOffEnvelope))
		var out struct{ S string }
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
		require.NoError(t, err, "the whole answer")
		assert.Equal(t, "你", out.S)
	})
}

// An envelope that is an object without ret is reported as such, not as
// malformed JSON: the excerpt and the reason point at the service's answer.
func TestEnvelopeWithoutRet(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{ }`, `{"data":{},"msg":"x"}`} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, body))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.ErrorIs(t, err, okayapi.ErrTransport, body)
		assert.Contains(t, err.Error(), "no ret", body)
	}
}
