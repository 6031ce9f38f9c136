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

// An answer whose data is malformed deep inside (a broken list, a bad
// literal) is an answer that could not be read (ErrTransport), never a
// success or a plugin error: also when the caller reads no data (out nil),
// and when err_code says the call failed, where nothing else would look at
// the rest of data.
func TestMalformedDataIsNeverAnAnswer(t *testing.T) {
	t.Parallel()
	type shape struct {
		N int `json:"n"`
	}
	tests := []struct {
		name string
		data string
		out  bool
	}{
		{"success, nothing read", `{"err_code":0,"list":[1,,2]}`, false},
		{"success without err_code, nothing read", `{"list":{"a":tru}}`, false},
		{"success, data read", `{"err_code":0,"n":1,"list":[1,,2]}`, true},
		{"plugin error, nothing read", `{"err_code":2,"err_msg":"x","list":[1,,2]}`, false},
		{"plugin error, data read", `{"err_code":2,"err_msg":"x","list":[1,,2]}`, true},
		{"plugin error as text, data read", `{"err_code":"2","list":{"a":nul}}`, true},
		{"a key without its colon", `{"err_code" 0}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, ok(tt.data))
			var out any
			if tt.out {
				out = &shape{}
			}
			resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, out)
			require.Error(t, err)
			assert.ErrorIs(t, err, okayapi.ErrTransport)
			assert.NotErrorIs(t, err, okayapi.ErrPlugin)
			assert.Contains(t, err.Error(), "not valid JSON")
			require.NotNil(t, resp)
			assert.Equal(t, 200, resp.Ret)
		})
	}
	t.Run("well-formed plugin error, data read", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, ok(`{"err_code":2,"err_msg":"x","n":"not a number"}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &shape{})
		var pe *okayapi.PluginError
		require.ErrorAs(t, err, &pe, "the code is reported, not the shape of the rest")
		assert.Equal(t, 2, pe.Code)
	})
}

// Every key and value of the envelope is checked, also those the SDK does
// not read: a raw control character in an unknown field, or a malformed
// number, makes the answer unreadable; and malformed data is reported as
// malformed, even when err_code is unreadable too.
func TestEveryEnvelopeTokenIsChecked(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"ret":200,"data":{},"msg":"","x":"` + "\t" + `"}`,
		`{"ret":200,"data":{},"msg":"","x":"` + "\x01\x1f" + `"}`,
		`{"ret":200,"data":{},"msg":"","` + "\t" + `":1}`,
		`{"ret":200,"data":{},"msg":"","x":1.2.3}`,
		`{"ret":200,"data":{},"msg":"","x":12a}`,
	} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, body))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.ErrorIs(t, err, okayapi.ErrTransport, "%q", body)
		assert.Contains(t, err.Error(), "not valid JSON", "%q", body)
	}
	h := newHarness(t)
	h.on(queryURL, ok(`{"err_code":"abc","list":[1,,2]}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &struct{}{})
	require.ErrorIs(t, err, okayapi.ErrTransport)
	assert.Contains(t, err.Error(), "not valid JSON")
}
