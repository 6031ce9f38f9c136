package okayapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// An answer that announces its length is held to the cap like any other:
// exactly the cap is read, one byte more is refused before reading.
func TestAnnouncedLengthAtTheCap(t *testing.T) {
	t.Parallel()
	const limit = 64
	exact := envelope(200, `{}`, "")
	exact += strings.Repeat(" ", limit-len(exact))
	announced := func(body string) func(*http.Request) (*http.Response, error) {
		return func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: int64(len(body)),
				Body: io.NopCloser(strings.NewReader(body))}, nil
		}
	}
	h := newHarness(t)
	h.on(queryURL, announced(exact))
	_, err := h.client(okayapi.WithMaxResponseSize(limit)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err, "exactly the cap")

	h = newHarness(t)
	h.on(queryURL, announced(exact+" "))
	_, err = h.client(okayapi.WithMaxResponseSize(limit)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	assert.ErrorIs(t, err, okayapi.ErrResponseTooLarge, "one byte more")
}
