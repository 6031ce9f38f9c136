package okayapi

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExcerpt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short text is kept", "hello", 10, "hello"},
		{"exactly n bytes", "hello", 5, "hello"},
		{"cut marks the cut", "hello world", 5, "hello…"},
		{"white space is folded", "a \n\t b\r\n\r\nc", 20, "a b c"},
		{"leading and trailing space dropped", "  \n a b \n ", 20, "a b"},
		{"space before the cut is dropped", "ab   cd", 3, "ab…"},
		{"only white space left after the cut point", "abc   \n ", 3, "abc"},
		{"cut on a rune boundary", "你好世界", 7, "你好…"},
		{"a rune that does not fit is left out", "abcd你", 5, "abcd…"},
		{"a rune that fits exactly", "ab你", 5, "ab你"},
		{"emoji", "😀😀", 5, "😀…"},
		{"invalid UTF-8 reads as ?", "a\xffb", 10, "a?b"},
		{"ideographic space folds", "a\u3000\u3000b", 10, "a b"},
		{"empty", "", 10, ""},
		{"zero n", "abc", 0, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := excerpt([]byte(tt.in), tt.n)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got))
			assert.LessOrEqual(t, len(strings.TrimSuffix(got, "…")), tt.n)
		})
	}
}

func TestExcerptNeverSplitsARune(t *testing.T) {
	t.Parallel()
	in := []byte(strings.Repeat("a你😀 ", 20))
	for n := 0; n < len(in)+2; n++ {
		got := excerpt(in, n)
		require.True(t, utf8.ValidString(got), "n=%d: %q", n, got)
		require.LessOrEqual(t, len(strings.TrimSuffix(got, "…")), n, "n=%d", n)
	}
}

// FuzzExcerpt: an excerpt is valid UTF-8, at most n bytes before its "…",
// and has no runs of white space.
func FuzzExcerpt(f *testing.F) {
	f.Add([]byte("<html>\r\n  <head>502</head>\n</html>"), 40)
	f.Add([]byte("我爱小白接口 😀"), 5)
	f.Add([]byte{0xff, 0xfe, 'a'}, 2)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := excerpt(b, n)
		require.True(t, utf8.ValidString(got))
		body := strings.TrimSuffix(got, "…")
		assert.LessOrEqual(t, len(body), n)
		assert.NotContains(t, body, "  ")
	})
}
