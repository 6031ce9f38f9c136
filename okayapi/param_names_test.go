package okayapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// Numeric names with every digit in the exponent, 0 and 9 included, are
// refused before anything is sent (PHP would sort them as numbers).
func TestNumericNamesWithAnyExponentDigit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(ok(`{}`))
	c := h.client()
	for _, name := range []string{"1e0", "1e9", "9E9", "1e+9", "1e-9", "90e90"} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe, "%q", name)
		assert.Equal(t, "parameter name", ipe.Field)
	}
	assert.Zero(t, h.calls())
}

// A service name may be up to 128 characters long.
func TestServiceNameLength(t *testing.T) {
	t.Parallel()
	long := "App." + strings.Repeat("a", 120) + ".Get" // 128
	require.Len(t, long, 128)
	h := newHarness(t)
	h.onAny(ok(`{}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: long}, nil)
	require.NoError(t, err)
	_, err = h.client().Do(context.Background(), &okayapi.Request{Service: long + "x"}, nil)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "service", ipe.Field)
	assert.Equal(t, 1, h.calls())
}

// Every ASCII letter, digit and '_' may appear in a service name.
func TestServiceNameCharacters(t *testing.T) {
	t.Parallel()
	svc := "App.abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
	h := newHarness(t)
	h.onAny(ok(`{}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: svc}, nil)
	require.NoError(t, err)
	for _, bad := range []string{"App.a`b", "App.a{b", "App.a@b", "App.a[b", "App.a/b", "App.a:b"} {
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: bad}, nil)
		assert.ErrorIs(t, err, okayapi.ErrInvalidParam, bad)
	}
	assert.Equal(t, 1, h.calls())
}
