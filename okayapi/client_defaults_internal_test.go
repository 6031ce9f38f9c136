package okayapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client without WithRetries waits as WithRetries documents: between
// 200 ms and 2 s, never retrying at once.
func TestDefaultRetryWaits(t *testing.T) {
	t.Parallel()
	c, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	assert.Equal(t, DefaultRetries, c.net().http.RetryMax)
	for attempt := 0; attempt < 10; attempt++ {
		d := c.net().http.Backoff(c.net().http.RetryWaitMin, c.net().http.RetryWaitMax, attempt, nil)
		assert.GreaterOrEqual(t, d, 200*time.Millisecond, "attempt %d", attempt)
		assert.LessOrEqual(t, d, 2*time.Second, "attempt %d", attempt)
	}
	assert.GreaterOrEqual(t, c.net().http.Backoff(c.net().http.RetryWaitMin, c.net().http.RetryWaitMax, 20, nil), time.Second, "late waits near the maximum")
}

// A client's own pool keeps idle connections for many members on several
// hosts, more than net/http's default of 100 in all.
func TestOwnPoolKeepsManyIdleConnections(t *testing.T) {
	t.Parallel()
	c, err := New("https://api.example.test", "K")
	require.NoError(t, err)
	tr, ok := inner(t, c).(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, 64, tr.MaxIdleConnsPerHost)
	assert.GreaterOrEqual(t, tr.MaxIdleConns, 4*64)
}
