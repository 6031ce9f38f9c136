package okayapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExcerptLeavesNoPieceOfACutSecret: an excerpt of a body that echoes a
// secret many times, whatever the offset, never shows a piece of one: not
// even the first few characters of a secret that straddles where the wider
// window was cut, also when the secrets before it shrank to <redacted> and
// pulled that piece forward into the first excerptLen bytes.
func TestExcerptLeavesNoPieceOfACutSecret(t *testing.T) {
	t.Parallel()
	const token = "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
	r := newRedactor(token, "S3cretAppS3cretApp")
	for _, hide := range []struct {
		name string
		f    func([]byte) string
	}{{"excerpt", r.excerpt}, {"unreadExcerpt", r.unreadExcerpt}} {
		for copies := 0; copies <= 8; copies++ {
			for fill := 0; fill <= 420; fill++ {
				body := strings.Repeat("-", fill) + " " + strings.Repeat(token+" ", copies) + token + " " + strings.Repeat("- ", 400)
				got := hide.f([]byte(body))
				// The filler has no digit and no upper-case letter; the
				// token is nothing else.
				require.False(t, strings.ContainsAny(got, "0123456789ABCDEF"),
					"%s, %d copies after %d bytes: %q", hide.name, copies, fill, got)
			}
		}
	}
}
