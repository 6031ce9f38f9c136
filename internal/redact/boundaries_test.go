package redact_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/internal/redact"
)

// The edges of each rule, where an off-by-one would let a secret through
// or hide ordinary text (found by mutation testing: see TESTING.md).
func TestTokenLikeEdges(t *testing.T) {
	t.Parallel()
	sixteen := "azAZ09azAZ09azAZ" // every edge of the three ranges, 16 long
	for _, c := range []struct{ in, want string }{
		{sixteen, "#"},
		{sixteen[:15], sixteen[:15]},
		{"(" + sixteen + ")", "(#)"},
		{"@[`{/:" + sixteen[:15], "@[`{/:" + sixteen[:15]}, // the bytes beside each range are not token characters
		{"@" + strings.Repeat("Z", 16) + "[", "@#["},
		{"`" + strings.Repeat("z", 16) + "{", "`#{"},
		{"/" + strings.Repeat("9", 16) + ":", "/#:"},
	} {
		assert.Equal(t, c.want, redact.TokenLike(c.in, "#"), c.in)
	}
}

func TestLowerEdges(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "az@[`{", redact.Lower("AZ@[`{"))
	assert.Equal(t, "xaz@[`{", redact.Lower("xAZ@[`{"))
	assert.Equal(t, "z", redact.Lower("Z"))
	assert.Equal(t, "äz", redact.Lower("ÄZ"))
	assert.Equal(t, "abc", redact.Lower("abc"))
}

func TestSetEdges(t *testing.T) {
	t.Parallel()
	a := "0123456789abcdefghij" // 20 characters
	b := "KLMNOPQRSTUVWXYZklmn"
	set := redact.New("", redact.Secret{Value: a, Placeholder: "A"}, redact.Secret{Value: b, Placeholder: "B"})

	// At the very start and the very end of a text, whole and back to back.
	assert.Equal(t, "A", set.String(a))
	assert.Equal(t, "A tail", set.String(a+" tail"))
	assert.Equal(t, "head A", set.String("head "+a))
	assert.Equal(t, "AB", set.String(a+b))
	assert.Equal(t, "BA", set.String(b+a))

	// A piece of exactly MinRun characters, at the start, the end, or the
	// middle of the secret, and of the text; one character shorter stays.
	for _, piece := range []string{a[:16], a[4:], a[2:18]} {
		assert.Equal(t, redact.Mark, set.String(piece), piece)
		assert.Equal(t, "x "+redact.Mark, set.String("x "+piece), piece)
		assert.Equal(t, redact.Mark+" x", set.String(piece+" x"), piece)
	}
	assert.Equal(t, a[:15], set.String(a[:15]))
	assert.Equal(t, a[5:], set.String(a[5:]))

	// Wholes and pieces mixed in one text keep their places.
	assert.Equal(t, "A and "+redact.Mark+" then B", set.String(a+" and "+b[:16]+" then "+b))
	assert.Equal(t, redact.Mark+" and A", set.String(b[2:18]+" and "+a))

	// Two pieces side by side are one hidden run, not two marks.
	assert.Equal(t, redact.Mark, set.String(a[:16]+a[4:]))

	// A secret of exactly MinRun characters: a piece is the whole.
	c := "abcdefghijklmnop"
	assert.Equal(t, "[C]", redact.New("", redact.Secret{Value: c, Placeholder: "[C]"}).String(c))
	assert.Equal(t, "[C]q", redact.New("", redact.Secret{Value: c, Placeholder: "[C]"}).String(c+"q"))

	// The partial mark defaults to Mark; a given one is used.
	assert.Equal(t, "x"+redact.Mark, redact.New("", redact.Secret{Value: a}).String("x"+a[:16]))
	assert.Equal(t, "x#", redact.New("#", redact.Secret{Value: a}).String("x"+a[:16]))
}
