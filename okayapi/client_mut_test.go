package okayapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// leakySigner is a caller's signer whose String prints its secret.
type leakySigner struct{ secret string }

func (s *leakySigner) Sign(url.Values) string { return "x" }
func (s *leakySigner) String() string         { return "leaky(" + s.secret + ")" }

// plainSigner is a caller's signer with no String method.
type plainSigner struct{ secret string }

func (s plainSigner) Sign(url.Values) string { return "x" }

// TestClientStringNamesACallersSignerByItsType: a signer of the caller's
// own is named by its Go type only, never through its own String, which
// might print its secret; the client's %v, %+v and %#v hold no secret.
func TestClientStringNamesACallersSignerByItsType(t *testing.T) {
	t.Parallel()
	const secret = "caller-secret-0123456789"
	for _, tt := range []struct {
		signer interface{ Sign(url.Values) string }
		kind   string
	}{
		{&leakySigner{secret: secret}, "signer *okayapi_test.leakySigner"},
		{plainSigner{secret: secret}, "signer okayapi_test.plainSigner"},
	} {
		c, err := okayapi.New(testBase, testAppKey, okayapi.WithSigner(tt.signer))
		require.NoError(t, err)
		assert.Equal(t, "okayapi.Client{"+testBase+", app key "+testAppKey+", query form, "+tt.kind+"}", c.String())
		for _, verb := range []string{"%v", "%+v", "%s"} {
			assert.NotContains(t, fmt.Sprintf(verb, c), secret, verb)
		}
	}
}
