package okayapi

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChinaTimeWithoutAZoneDatabase: on a machine with no time zone
// database (a scratch container), the service's times are still read at
// UTC+8, named CST.
func TestChinaTimeWithoutAZoneDatabase(t *testing.T) {
	t.Parallel()
	loc := chinaTime(func(string) (*time.Location, error) { return nil, errors.New("unknown time zone Asia/Shanghai") })
	got, err := parseTime("2019-08-11 17:12:02", loc)
	require.NoError(t, err)
	assert.True(t, time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC).Equal(got), "got %v", got.UTC())
	name, offset := got.Zone()
	assert.Equal(t, "CST", name)
	assert.Equal(t, 8*60*60, offset)
	assert.Equal(t, "CST", loc.String())

	found := time.FixedZone("from the database", 8*60*60)
	assert.Same(t, found, chinaTime(func(string) (*time.Location, error) { return found, nil }), "the database's zone when there is one")
}
