package phpjson_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// objectOf writes a JSON object of n fields "k0":0 … "k<n-1>":0.
func objectOf(n int) phpjson.Object {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteString("}")
	return phpjson.Object(b.String())
}

// TestValuesFieldLimit: an object of MaxObjectFields fields is read whole;
// one more field is refused with ErrTooManyFields and no partial map.
func TestValuesFieldLimit(t *testing.T) {
	t.Parallel()
	m, err := objectOf(phpjson.MaxObjectFields).Values()
	require.NoError(t, err)
	assert.Len(t, m, phpjson.MaxObjectFields)

	m, err = objectOf(phpjson.MaxObjectFields + 1).Values()
	require.ErrorIs(t, err, phpjson.ErrTooManyFields)
	assert.Nil(t, m)
}
