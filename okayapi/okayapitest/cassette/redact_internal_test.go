package cassette

import (
	"testing"

	"github.com/okayapi-go/sdk/internal/redact/redacttest"
)

// TestWriterCases runs the shared table (the SDK's errors run the same one)
// through what the cassette writes: every byte of a recording passes
// secrets.replace.
func TestWriterCases(t *testing.T) {
	t.Parallel()
	redacttest.Run(t, func(_ *testing.T, secrets []redacttest.Secret, text string) string {
		s := newSecrets()
		for _, sec := range secrets {
			s.add(sec.Value, placeholderPrefix+sec.Name)
		}
		return s.replaceString(text, nil)
	}, func(name string) string { return placeholderPrefix + name })
}
