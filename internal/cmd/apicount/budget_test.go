package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exported-name budget of issue 17: a user meets at most this many
// names in each package. Raising a number is a decision for a review, not a
// test fix.
func TestBudget(t *testing.T) {
	t.Parallel()
	for dir, most := range map[string]int{
		"../../../chatmsg":             70,
		"../../../okayapi":             60,
		"../../../okayapi/okayapitest": 50,
	} {
		names, err := exportedNames(dir)
		require.NoError(t, err, dir)
		assert.LessOrEqual(t, len(names), most, "%s exports %d names: %v", dir, len(names), names)
	}
}
