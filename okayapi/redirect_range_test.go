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

// Every 3xx is a redirect the client refuses, 300 Multiple Choices and the
// codes net/http would not follow included; 299 and 400 are not redirects.
func TestEveryThreeHundredIsARedirect(t *testing.T) {
	t.Parallel()
	for _, code := range []int{300, 304, 305, 399} {
		h := newHarness(t)
		h.on(queryURL, func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(code, "")
			resp.Header.Set("Location", "https://other.example.test/")
			return resp, nil
		})
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.ErrorIs(t, err, okayapi.ErrRedirect, "HTTP %d", code)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "other.example.test", te.Location, "HTTP %d", code)
	}
	for _, code := range []int{299, 400} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(code, "").HeaderSet(http.Header{"Location": {"https://other.example.test/"}}))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.ErrorIs(t, err, okayapi.ErrTransport, "HTTP %d", code)
		assert.NotErrorIs(t, err, okayapi.ErrRedirect, "HTTP %d", code)
	}
}
