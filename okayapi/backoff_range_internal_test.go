package okayapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Waits stay between the client's minimum and maximum for every attempt,
// also for minimums whose doublings overflow (a power of two of nanoseconds).
func TestBackoffStaysWithinMinAndMax(t *testing.T) {
	t.Parallel()
	c := &Client{}
	for _, w := range [][2]time.Duration{
		{1 << 33, time.Hour}, {1 << 40, 1 << 41}, {time.Nanosecond, time.Hour}, {3 * time.Second, 3 * time.Second},
	} {
		for attempt := 0; attempt < 70; attempt++ {
			d := c.backoff(w[0], w[1], attempt, nil)
			require.GreaterOrEqual(t, d, w[0], "min %v, max %v, attempt %d", w[0], w[1], attempt)
			require.LessOrEqual(t, d, w[1], "min %v, max %v, attempt %d", w[0], w[1], attempt)
		}
	}
}

// The jitter covers the whole range from half the step to the step, so that
// callers that failed together spread out as much as they can.
func TestBackoffJitterCoversTheRange(t *testing.T) {
	t.Parallel()
	c := &Client{}
	for attempt, want := range map[int][]time.Duration{1: {1, 2}, 2: {2, 3, 4}} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 500 && len(seen) < len(want); i++ {
			seen[c.backoff(1, 4, attempt, nil)] = true
		}
		for _, d := range want {
			assert.True(t, seen[d], "attempt %d: a wait of %d ns is possible", attempt, d)
		}
	}
}
