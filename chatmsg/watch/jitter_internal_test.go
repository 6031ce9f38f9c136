package watch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJitterStaysWithinTenPercent: the wait after a poll, sampled many
// times, keeps to the interval ± 10% (Options, "its interval (±10%)") and
// spreads to both sides of it, so that members never poll in step.
func TestJitterStaysWithinTenPercent(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{2 * time.Millisecond, time.Second, 30 * time.Second} {
		below, above := 0, 0
		for range 2000 {
			j := jitter(d)
			require.GreaterOrEqual(t, j, d-d/10, "interval %v", d)
			require.LessOrEqual(t, j, d+d/10, "interval %v", d)
			if j < d-d/20 {
				below++
			}
			if j > d+d/20 {
				above++
			}
		}
		// A quarter of the samples each, if uniform: 500 of 2,000.
		assert.Greater(t, below, 300, "interval %v: shorter waits", d)
		assert.Greater(t, above, 300, "interval %v: longer waits", d)
	}
}
