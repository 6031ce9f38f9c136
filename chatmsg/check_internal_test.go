package chatmsg

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestCheckRange(t *testing.T) {
	t.Parallel()
	assert.NoError(t, checkRange("perpage", 0, 100))
	assert.NoError(t, checkRange("perpage", 100, 100))
	for _, v := range []int{-1, 101} {
		err := checkRange("perpage", v, 100)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe)
		assert.Equal(t, "perpage", ipe.Field)
	}
}
