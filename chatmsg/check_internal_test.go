package chatmsg

import (
	"strings"
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

// TestAppendStringIsTheEncoders: a text message without extension fields is
// written without encoding/json; it must give the encoder's bytes
// (SetEscapeHTML(false)) for every kind of character.
func TestAppendStringIsTheEncoders(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{"", "hi", `say "hi"\`, "a<b && c>d", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029 \u2027", "我 ❤ ⚽ 😀", all.String()} {
		got, err := withExt("content", s, nil)
		require.NoError(t, err)
		want, err := marshalNoEscape(map[string]any{"content": s})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%q", s)
	}
}
