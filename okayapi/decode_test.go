package okayapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// TestMalformedAnswerIsDecodeError: an answer that is the envelope but not
// valid JSON, at any place in it, is a *DecodeError (whether or not the
// call decodes data), never a nil error.
func TestMalformedAnswerIsDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"garbage in an unknown field", `{"ret":200,"data":{},"msg":"","x":[1 2 3]}`},
		{"garbage in debug", `{"ret":200,"data":{},"msg":"","debug":{"sql" 1}}`},
		{"garbage in data", `{"ret":200,"data":{"err_code":0,"x":[1 2 3]},"msg":""}`},
		{"garbage in data beside an err_code", `{"ret":200,"data":{"err_code":1,"x":[1 2]},"msg":""}`},
		{"garbage in data beside a ret of 500", `{"ret":500,"data":{"x":[1 2]},"msg":""}`},
		{"data that is no object and malformed", `{"ret":200,"data":[1 2],"msg":""}`},
		{"a first data that is malformed", `{"ret":200,"data":{"x":[1 2 3]},"data":{},"msg":""}`},
		{"a bad escape in msg", `{"ret":200,"data":{},"msg":"a\qb"}`},
		{"a control character in msg", "{\"ret\":200,\"data\":{},\"msg\":\"a\tb\"}"},
		{"a number with a leading zero", `{"ret":0200,"data":{},"msg":""}`},
		{"a malformed number in msg", `{"ret":200,"data":{},"msg":1.2.3}`},
		{"a bad escape in a key", `{"ret":200,"data":{},"msg":"","k\q":1}`},
		{"a trailing comma", `{"ret":200,"data":{},"msg":"",}`},
		{"trailing garbage", `{"ret":200,"data":{},"msg":""}x`},
		{"cut off", `{"ret":200,"data":{"err_code":0`},
	}
	for _, tt := range tests {
		for _, decode := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "", true: ", decoded"}[decode], func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, tt.body))
				var out any
				if decode {
					out = &map[string]any{}
				}
				_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, out)
				var de *okayapi.DecodeError
				require.True(t, errors.As(err, &de), "want a *DecodeError, got %v", err)
				assert.Equal(t, "answer is not valid JSON", de.Reason)
				assert.Equal(t, testSvc, de.Service)
				assert.ErrorIs(t, err, okayapi.ErrTransport)
				assert.True(t, okayapi.MayHaveArrived(err))
			})
		}
	}
}

// TestNotTheEnvelopeIsTransportError: a body that does not even start as
// the envelope (a gateway's page, a PHP error printed as text) stays a
// *TransportError.
func TestNotTheEnvelopeIsTransportError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "<html>502</html>", "Fatal error: x", `[1,2]`} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, body))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		var te *okayapi.TransportError
		assert.True(t, errors.As(err, &te), "%q: want a *TransportError, got %v", body, err)
	}
}
