package okayapi

import (
	"testing"

	"github.com/okayapi-go/sdk/internal/redact/redacttest"
)

func values(secrets []redacttest.Secret) []string {
	vs := make([]string, len(secrets))
	for i, s := range secrets {
		vs[i] = s.Value
	}
	return vs
}

// TestRedactorCases runs the shared table (the cassette's writer runs the
// same one) through what errors keep: a message, and a body's excerpt.
func TestRedactorCases(t *testing.T) {
	t.Parallel()
	redacttest.Run(t, func(_ *testing.T, secrets []redacttest.Secret, text string) string {
		return newRedactor(values(secrets)...).redact(text)
	}, nil)
	for _, c := range redacttest.Cases {
		got := newRedactor(values(c.Secrets)...).excerpt([]byte(c.Text))
		c.Kept = nil // an excerpt folds white space and may cut
		redacttest.Check(t, got, c, nil)
	}
}
