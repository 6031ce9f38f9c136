package okayapi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	tests := []struct {
		name    string
		in      string
		loc     *time.Location
		want    time.Time // compared as instants
		zero    bool
		wantErr bool
	}{
		{"China time by default", "2019-08-11 17:12:02", nil, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"in UTC", "2019-08-11 17:12:02", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"in a fixed zone", "2019-08-11 17:12:02", time.FixedZone("X", -5*3600), utc(2019, 8, 11, 22, 12, 2), false, false},
		{"white space around", "  2019-08-11 17:12:02\n", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"date alone", "2019-08-11", time.UTC, utc(2019, 8, 11, 0, 0, 0), false, false},
		{"T without zone", "2019-08-11T17:12:02", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"RFC 3339 with offset ignores loc", "2019-08-11T17:12:02+08:00", time.UTC, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"RFC 3339 in UTC", "2019-08-11T09:12:02Z", nil, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"Unix seconds", "1565514722", time.UTC, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"empty", "", time.UTC, time.Time{}, true, false},
		{"zero MySQL date-time", "0000-00-00 00:00:00", time.UTC, time.Time{}, true, false},
		{"zero MySQL date", "0000-00-00", nil, time.Time{}, true, false},
		{"garbage", "yesterday", time.UTC, time.Time{}, false, true},
		{"a flag is no time", "true", time.UTC, time.Time{}, false, true},
		{"a float is no time", "12.0", time.UTC, time.Time{}, false, true},
		{"a negative number is no time", "-5", time.UTC, time.Time{}, false, true},
		{"bad month", "2019-13-11 17:12:02", time.UTC, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := clientIn(t, tt.loc).ParseTime(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.True(t, got.IsZero())
				return
			}
			require.NoError(t, err)
			if tt.zero {
				assert.True(t, got.IsZero())
				return
			}
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
		})
	}
}

func TestParseTimeKeepsTheLocation(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CST", 8*3600)
	got, err := clientIn(t, loc).ParseTime("2019-08-11 17:12:02")
	require.NoError(t, err)
	assert.Equal(t, loc, got.Location())
	assert.Equal(t, 17, got.Hour())
}

// clientIn returns a client reading times in loc (nil: the default).
func clientIn(t *testing.T, loc *time.Location) *okayapi.Client {
	t.Helper()
	var opts []okayapi.Option
	if loc != nil {
		opts = append(opts, okayapi.WithLocation(loc))
	}
	c, err := okayapi.New(testBase, testAppKey, opts...)
	require.NoError(t, err)
	return c
}
