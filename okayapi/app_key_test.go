package okayapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/okayapi"
)

// An app key is printable ASCII: DEL and bytes beyond ASCII are refused like
// white space (a key pasted from a document), the printable edges pass.
func TestAppKeyCharacters(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"K\x7f", "K\x80", "Ｋ", "K\x00", "K "} {
		_, err := okayapi.New(testBase, key)
		assert.ErrorIs(t, err, okayapi.ErrInvalidParam, "%q", key)
	}
	for _, key := range []string{"!K~", testAppKey} {
		_, err := okayapi.New(testBase, key)
		assert.NoError(t, err, "%q", key)
	}
}
