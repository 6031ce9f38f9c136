package okayapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBackoff: exponential steps with jitter between half the step and the
// step, never below the minimum nor above the maximum; Retry-After sets the
// wait, capped too; a minimum of 0 retries at once.
func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{}
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	for attempt := 0; attempt < 70; attempt++ {
		step := maxWait
		if attempt < 5 {
			step = minWait << attempt
		}
		low := max(minWait, step/2)
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := c.backoff(minWait, maxWait, attempt, nil)
			require.GreaterOrEqual(t, d, low, "attempt %d", attempt)
			require.LessOrEqual(t, d, step, "attempt %d", attempt)
			seen[d] = true
		}
		if attempt > 0 {
			assert.Greater(t, len(seen), 1, "attempt %d: waits are jittered", attempt)
		}
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"1"}}}
	assert.Equal(t, time.Second, c.backoff(minWait, maxWait, 0, resp))
	resp.Header.Set("Retry-After", "3600")
	assert.Equal(t, maxWait, c.backoff(minWait, maxWait, 0, resp))
	for attempt := 0; attempt < 5; attempt++ {
		assert.Equal(t, time.Duration(0), c.backoff(0, time.Second, attempt, nil), "min 0 retries at once")
	}
}

// inner returns the transport that a client's attempts go through.
func inner(t *testing.T, c *Client) http.RoundTripper {
	t.Helper()
	rt, _ := c.transport()
	return rt
}

// TestOwnTransport: without WithHTTPClient a client has a pool of its own
// with enough idle connections for many members at once.
func TestOwnTransport(t *testing.T) {
	t.Parallel()
	c, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	tr, ok := inner(t, c).(*http.Transport)
	require.True(t, ok, "a transport of its own, not nil (which means http.DefaultTransport)")
	assert.NotSame(t, http.DefaultTransport, tr)
	assert.Equal(t, maxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
	assert.NotNil(t, tr.Proxy, "honours HTTP(S)_PROXY like net/http's default")

	other, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	assert.NotSame(t, tr, inner(t, other), "clients do not share pools either")
}

// TestRetryLayerClosesNoPool: the retry layer's CloseIdleConnections, which
// it calls after a call fails for good, reaches no transport.
func TestRetryLayerClosesNoPool(t *testing.T) {
	t.Parallel()
	ct := &closeCounter{}
	c, err := New("https://api.example.test", "K", WithHTTPClient(&http.Client{Transport: ct}))
	require.NoError(t, err)
	c.net().http.HTTPClient.CloseIdleConnections()
	assert.Zero(t, ct.closed)
}

type closeCounter struct{ closed int }

func (*closeCounter) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, http.ErrNotSupported
}
func (c *closeCounter) CloseIdleConnections() { c.closed++ }
