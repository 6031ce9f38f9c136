package okayapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBackoff: exponential steps with jitter in [step/2, step], capped at the
// maximum; Retry-After sets the wait, capped too.
func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{}
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	for attempt := 0; attempt < 70; attempt++ {
		step := maxWait
		if attempt < 5 {
			step = minWait << attempt
		}
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := c.backoff(minWait, maxWait, attempt, nil)
			require.GreaterOrEqual(t, d, step/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, step, "attempt %d", attempt)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 1, "attempt %d: waits are jittered", attempt)
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"1"}}}
	assert.Equal(t, time.Second, c.backoff(minWait, maxWait, 0, resp))
	resp.Header.Set("Retry-After", "3600")
	assert.Equal(t, maxWait, c.backoff(minWait, maxWait, 0, resp))
	assert.Equal(t, time.Duration(0), c.backoff(0, 0, 3, nil), "retries without waiting")
}

// TestOwnTransport: without WithHTTPClient a client has a pool of its own,
// so that the retry layer closing idle connections touches no other code,
// and keeps enough idle connections for many members at once.
func TestOwnTransport(t *testing.T) {
	t.Parallel()
	c, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	tr, ok := c.http.HTTPClient.Transport.(*http.Transport)
	require.True(t, ok, "a transport of its own, not nil (which means http.DefaultTransport)")
	assert.NotSame(t, http.DefaultTransport, tr)
	assert.Equal(t, maxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
	assert.NotNil(t, tr.Proxy, "honours HTTP(S)_PROXY like net/http's default")

	other, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	assert.NotSame(t, tr, other.http.HTTPClient.Transport, "clients do not share pools either")
}
