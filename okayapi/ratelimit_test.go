package okayapi_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/okayapi-go/sdk/okayapi"
)

// countingLimiter lets every request through, or none, and counts them.
type countingLimiter struct {
	waits atomic.Int32
	deny  error
}

func (l *countingLimiter) Wait(context.Context) error {
	l.waits.Add(1)
	return l.deny
}

// TestLimiterGuardsEveryAttempt: each HTTP attempt, retries included, waits
// for the limiter first.
func TestLimiterGuardsEveryAttempt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var n atomic.Int32
	h.on(queryURL, func(*http.Request) (*http.Response, error) {
		if n.Add(1) < 3 {
			return httpmock.NewStringResponse(503, "busy"), nil
		}
		return httpmock.NewStringResponse(200, envelope(200, `{}`, "")), nil
	})
	l := &countingLimiter{}
	c := h.client(okayapi.WithLimiter(l), okayapi.WithRetries(3, 0, 0))
	resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	assert.EqualValues(t, 3, l.waits.Load())
}

// TestLimiterRefusalSendsNothing: a limiter that will not let the request
// go (its context ends first) fails the call before anything is sent.
func TestLimiterRefusalSendsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(ok(`{}`))
	l := &countingLimiter{deny: errors.New("quota exhausted")}
	_, err := h.client(okayapi.WithLimiter(l), okayapi.WithRetries(0, 0, 0)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.ErrorAs(t, err, new(*okayapi.TransportError))
	assert.False(t, okayapi.MayHaveArrived(err), "%v", err)
	assert.Zero(t, h.calls())

	// x/time/rate's limiter refuses at once a wait longer than the context allows.
	h2 := newHarness(t)
	h2.onAny(ok(`{}`))
	c := h2.client(okayapi.WithLimiter(rate.NewLimiter(0.001, 1)))
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err, "the burst lets the first one through")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, &okayapi.Request{Service: testSvc}, nil)
	require.Error(t, err)
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 1, h2.calls())

	var ipe *okayapi.InvalidParamError
	_, err = okayapi.New(testBase, testAppKey, okayapi.WithLimiter(nil))
	assert.ErrorAs(t, err, &ipe)
}

// TestFinal429IsErrRateLimited: the last answer HTTP 429 is ErrRateLimited
// with the service's Retry-After, and the call was not processed.
func TestFinal429IsErrRateLimited(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]time.Duration{"": 0, "7": 7 * time.Second} {
		h := newHarness(t)
		h.on(queryURL, func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(429, "slow down")
			if header != "" {
				resp.Header.Set("Retry-After", header)
			}
			return resp, nil
		})
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		require.ErrorIs(t, err, okayapi.ErrRateLimited)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, want, te.RetryAfter)
		assert.False(t, okayapi.MayHaveArrived(err), "a 429 was turned away unprocessed")
	}
}
