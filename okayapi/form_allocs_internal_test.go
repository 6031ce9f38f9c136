package okayapi

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every call encodes its form: encodeForm allocates the body only, also when
// every byte of the names and values needs escaping.
//
// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestEncodeFormAllocatesTheBodyOnly(t *testing.T) {
	for _, values := range []url.Values{
		{"名": {"字"}},
		{"s": {"App.User.Login"}, "app_key": {"K"}, "名": {"字字", "字"}, "data": {"%%%&&&"}},
	} {
		assert.Equal(t, 1.0, testing.AllocsPerRun(20, func() { _ = encodeForm(values, "s") }), "%v", values)
	}
}
