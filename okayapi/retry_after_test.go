package okayapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// retryAfter answers code with a Retry-After header.
func retryAfter(code int, v string) httpmock.Responder {
	return status(code).HeaderSet(http.Header{"Retry-After": {v}})
}

// A Retry-After exactly as long as the client's maximum wait is not "longer
// than max": the call is retried.
func TestRetryAfterEqualToTheMaximumWaitIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, sequence(retryAfter(503, "0"), ok(`{}`)))
	resp, err := h.client(okayapi.WithRetries(1, 0, 0)).Do(context.Background(),
		&okayapi.Request{Service: testSvc, Idempotent: true}, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
}

// Retry-After: 0 asks for no wait, and the client takes none, even when its
// own backoff would wait an hour.
func TestRetryAfterZeroRetriesAtOnce(t *testing.T) {
	t.Parallel()
	for _, code := range []int{429, 503} {
		h := newHarness(t)
		h.on(queryURL, sequence(retryAfter(code, "0"), ok(`{}`)))
		// A guard: a client that waited its backoff would fail here.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := h.client(okayapi.WithRetries(1, time.Hour, time.Hour)).Do(ctx,
			&okayapi.Request{Service: testSvc, Idempotent: true}, nil)
		cancel()
		require.NoError(t, err, "HTTP %d", code)
		assert.Equal(t, 2, resp.Attempts)
	}
}

// A gateway's 503 with an empty body is retried like any other, and the
// retry's answer is the result.
func TestEmptyRetryableAnswerIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, sequence(httpmock.NewStringResponder(503, ""), ok(`{"n":1}`)))
	var out struct{ N int }
	resp, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: true}, &out)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, 1, out.N)
}
