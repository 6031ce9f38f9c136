package wiretest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/internal/wiretest"
)

func TestSignPublicVector(t *testing.T) {
	t.Parallel()
	params := wiretest.VectorParams()
	params.Set("sign", "ignored")
	assert.Equal(t, wiretest.VectorSign, wiretest.Sign(params, wiretest.VectorSecret))
}
