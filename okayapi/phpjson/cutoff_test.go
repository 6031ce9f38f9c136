package phpjson_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// exactly returns s as bytes with no spare capacity, so that a read past the
// end fails loudly instead of finding stray bytes.
func exactly(s string) []byte {
	b := []byte(s)
	return b[:len(b):len(b)]
}

// A row or a list cut off anywhere is refused by Fields and List, never read
// as a shorter value, and none of them panics.
func TestCutOffJSONIsRefused(t *testing.T) {
	t.Parallel()
	const row = `{"id":"12","list":[1,-2.5e3,"a\"b\\",true,false,null,{"k":[]}],"s":"\u4f60"}`
	for n := 0; n < len(row); n++ {
		err := phpjson.Fields(exactly(row[:n]), func(_, _ []byte) bool { return true })
		assert.Error(t, err, "cut after %d bytes: %s", n, row[:n])
	}
	var names []string
	require.NoError(t, phpjson.Fields(exactly(row), func(name, _ []byte) bool {
		names = append(names, string(name))
		return true
	}))
	assert.Equal(t, []string{"id", "list", "s"}, names)

	const list = `[1,-2.5e3,"a\"b\\",true,false,null,{"k":[]},[[]]]`
	for n := 1; n < len(list); n++ {
		var l phpjson.List[phpjson.Object]
		assert.Error(t, l.UnmarshalJSON(exactly(list[:n])), "cut after %d bytes: %s", n, list[:n])
	}
	var l phpjson.List[phpjson.Object]
	require.NoError(t, l.UnmarshalJSON(exactly(list)))
	assert.Len(t, l.Items, 8)
}

// Text made only of escapes reads as encoding/json reads it; a string cut
// inside an escape is not text, nor is a key with a bad escape.
func TestStringEscapeEdges(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`"\\"`: `\`, `"\\\\"`: `\\`, `"\/"`: `/`, `"\n\t"`: "\n\t", `"\u00e9"`: "é"} {
		var s phpjson.String
		require.NoError(t, s.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, want, string(s), in)
	}
	for _, in := range []string{`"\"`, `"abc\"`, `"\u12"`, `"\ud83d\u"`, `"\x"`} {
		var s phpjson.String
		assert.Error(t, s.UnmarshalJSON([]byte(in)), "%s", in)
	}
	err := phpjson.Fields([]byte(`{"a\x":1}`), func(_, _ []byte) bool { return true })
	assert.Error(t, err, "a key with a bad escape")
}
