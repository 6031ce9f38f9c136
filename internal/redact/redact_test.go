package redact_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/internal/redact"
	"github.com/okayapi-go/sdk/internal/redact/redacttest"
)

func TestCases(t *testing.T) {
	t.Parallel()
	redacttest.Run(t, func(_ *testing.T, secrets []redacttest.Secret, text string) string {
		secs := make([]redact.Secret, len(secrets))
		for i, s := range secrets {
			secs[i] = redact.Secret{Value: s.Value, Placeholder: "REDACTED-" + s.Name}
		}
		return redact.New("REDACTED-PART", secs...).String(text)
	}, func(name string) string { return "REDACTED-" + name })
}

func TestTokenLike(t *testing.T) {
	t.Parallel()
	tok := redacttest.Token
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"no long words here", "no long words here"},
		{tok, "#"},
		{"x" + tok[:16] + "-" + tok[:15], "#-" + tok[:15]},
		{"Notice: Undefined index: chat_message_data in /www/api/src/Domain.php", "Notice: Undefined index: chat_message_data in /www/api/src/Domain.php"},
		{`{"token":"` + tok[:40], `{"token":"#`},
		{"a" + tok + "b" + "\n" + tok[3:33], "#\n#"},
	} {
		assert.Equal(t, c.want, redact.TokenLike(c.in, "#"), c.in)
	}
}

func TestNilAndEmptySets(t *testing.T) {
	t.Parallel()
	var s *redact.Set
	assert.Equal(t, "x", s.String("x"))
	assert.True(t, redact.Strings("short").Empty())
	b := []byte("abc")
	assert.Same(t, &b[0], &redact.Strings(redacttest.Token).Bytes(b)[0], "nothing hidden: the same bytes")
}
