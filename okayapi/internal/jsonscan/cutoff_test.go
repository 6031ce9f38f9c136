package jsonscan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/internal/jsonscan"
)

// exactly returns s as bytes with no spare capacity, so that a read past the
// end fails loudly instead of finding stray bytes.
func exactly(s string) []byte {
	b := []byte(s)
	return b[:len(b):len(b)]
}

// envelope holds every kind of value the scanner steps over.
const envelope = `{"ret":200,"data":{"err_code":0,"list":[1,-2.5e3,"a\"b\\",true,false,null,{"k":[]}],"s":"\u4f60"},"msg":"ok"}`

// JSON cut off anywhere (a connection closed mid-body) is refused, never read
// as a shorter value, and never read past its end.
func TestCutOffJSONIsRefused(t *testing.T) {
	t.Parallel()
	all := func(_, _ []byte) bool { return true }
	for n := 0; n < len(envelope); n++ {
		assert.Error(t, jsonscan.ObjectFields(exactly(envelope[:n]), all), "object cut after %d bytes: %s", n, envelope[:n])
		_, err := jsonscan.ObjectEnd(exactly(envelope[:n]), all)
		assert.Error(t, err, "object cut after %d bytes", n)
	}
	var keys []string
	end, err := jsonscan.ObjectEnd(exactly(envelope), func(k, _ []byte) bool { keys = append(keys, string(k)); return true })
	require.NoError(t, err)
	assert.Equal(t, len(envelope), end)
	assert.Equal(t, []string{`"ret"`, `"data"`, `"msg"`}, keys)

	const list = `[1,-2.5e3,"a\"b\\",true,false,null,{"k":[]},[[]]]`
	items := func(_ []byte) bool { return true }
	for n := 0; n < len(list); n++ {
		assert.Error(t, jsonscan.ListItems(exactly(list[:n]), items), "list cut after %d bytes: %s", n, list[:n])
	}
	count := 0
	require.NoError(t, jsonscan.ListItems(exactly(list), func([]byte) bool { count++; return true }))
	assert.Equal(t, 8, count)
	for _, blank := range []string{"", " ", "\n\t"} {
		assert.Error(t, jsonscan.ListItems(exactly(blank), items), "%q is no list", blank)
	}
}

// An empty object ends where its brace does.
func TestEmptyObjectEnd(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{`{}`: 2, `{ }`: 3, ` {}`: 3, "{\n}": 3} {
		end, err := jsonscan.ObjectEnd(exactly(in), func(_, _ []byte) bool { return true })
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, end, "%q", in)
	}
}

// Unquote reads strings as encoding/json does, on the edges of its fast
// path: escapes only, raw control characters, a lone 0x80 byte, an escape
// cut off.
func TestUnquoteEdges(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"\\"`: `\`, `"\\\\"`: `\\`, `"\/"`: `/`, "\"\x80\"": "\uFFFD", "\"a\x80\"": "a\uFFFD", `"\u00e9"`: "é", `"plain"`: "plain",
	} {
		got, ok := jsonscan.Unquote(exactly(in))
		require.True(t, ok, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"\"\t\"", "\"\x01\x02\"", `"\"`, `"abc\"`, `"\u12"`, `"\x"`, `"`, ``} {
		_, ok := jsonscan.Unquote(exactly(in))
		assert.False(t, ok, "%q", in)
	}
}

// A number is stepped over whole, whatever its digits (0 and 9 included).
func TestSkipValueNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"0", "9", "-1.9e9", "1234567890", "99.09E+9", "-0.0e-0"} {
		end, err := jsonscan.SkipValue(exactly(n+","), 0)
		require.NoError(t, err, n)
		assert.Equal(t, len(n), end, n)
	}
}
