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

// An answer that does not announce its length (chunked) is read whole up to
// the cap, however its size falls against the reader's buffer.
func TestUnannouncedLengthUpToTheCap(t *testing.T) {
	t.Parallel()
	padded := func(n int) string {
		e := envelope(200, `{"n":1}`, "")
		return e + strings.Repeat(" ", n-len(e))
	}
	for _, tc := range []struct{ size, limit int }{
		{512, 512}, {513, 513}, {1024, 1024}, {5000, 5000}, {5000, 0}, {100_000, 0},
	} {
		h := newHarness(t)
		h.on(queryURL, unsized(padded(tc.size)))
		opts := []okayapi.Option{}
		if tc.limit > 0 {
			opts = append(opts, okayapi.WithMaxResponseSize(int64(tc.limit)))
		}
		var out struct{ N int }
		_, err := h.client(opts...).Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
		require.NoError(t, err, "%d bytes, cap %d", tc.size, tc.limit)
		assert.Equal(t, 1, out.N)
	}
}
