package phpjson_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// A whole number written as a float (PHP's json_encode of a float, MySQL's
// DECIMAL) is read exactly up to 2^53, where every integer still has its own
// float64; one step past is refused rather than rounded.
func TestIntFloatEdge(t *testing.T) {
	t.Parallel()
	var v phpjson.Int
	require.NoError(t, json.Unmarshal([]byte(`9.007199254740992e15`), &v))
	assert.Equal(t, phpjson.Int(1<<53), v)
	require.NoError(t, json.Unmarshal([]byte(`"-9007199254740992.0"`), &v))
	assert.Equal(t, phpjson.Int(-(1 << 53)), v)
	assert.Error(t, json.Unmarshal([]byte(`9.007199254740994e15`), &v))
}
