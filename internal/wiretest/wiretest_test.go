package wiretest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/internal/wiretest"
)

func TestSignPublicVector(t *testing.T) {
	t.Parallel()
	params := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {"16BD4337FB1D355902E0502AFCBFD4DF"}, "sign": {"ignored"}}
	assert.Equal(t, "908AA11EC46BB439184B64BA68315718",
		wiretest.Sign(params, "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"))
}
