package okayapi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// Unix seconds are read whatever their digits (0 and 9 included); a sign, or
// 0, is not a time (0 is never read as 1970).
func TestParseTimeUnixSeconds(t *testing.T) {
	t.Parallel()
	c, err := okayapi.New(testBase, testAppKey, okayapi.WithLocation(time.UTC))
	require.NoError(t, err)
	for _, n := range []int64{1565514790, 1900000009, 1234567890} {
		got, err := c.ParseTime(itoa(int(n)))
		require.NoError(t, err, n)
		assert.True(t, time.Unix(n, 0).Equal(got), "%d: got %v", n, got)
	}
	for _, s := range []string{"+1565514790", "0", "00"} {
		got, err := c.ParseTime(s)
		assert.False(t, err == nil && got.Equal(time.Unix(0, 0)), "%q read as 1970", s)
		if s[0] == '+' {
			assert.Error(t, err, s)
		}
	}
}

// Without WithLocation, times are read in Asia/Shanghai itself (with its
// history), not merely at +8: in the summer of 1988 China kept daylight time.
func TestDefaultLocationIsShanghai(t *testing.T) {
	t.Parallel()
	if _, err := time.LoadLocation("Asia/Shanghai"); err != nil {
		t.Skip("no time zone database on this machine:", err)
	}
	c, err := okayapi.New(testBase, testAppKey)
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", c.Location().String())
	got, err := c.ParseTime("1988-07-01 12:00:00")
	require.NoError(t, err)
	assert.True(t, time.Date(1988, 7, 1, 3, 0, 0, 0, time.UTC).Equal(got), "got %v", got.UTC())
}
