package okayapi_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// TestParamNameRulesAtTheirEdges: each parameter name PHP would rewrite or
// sort as a number is refused, before sending, with the rule that names the
// reason; the bytes just past each rule (! after the space, ~ before DEL,
// letters after a number) pass and reach the service as given.
func TestParamNameRulesAtTheirEdges(t *testing.T) {
	t.Parallel()
	const (
		space   = "must not hold white space or control characters"
		dot     = "must not hold '.', '[' or ']'"
		numeric = "must not be a number"
	)
	h := newHarness(t)
	h.onAny(ok(`{}`))
	c := h.client()
	for name, rule := range map[string]string{
		"a b":    space,
		" ":      space,
		"a\x1fb": space,
		"a\x00":  space,
		"a\x7fb": space,
		"a.b":    dot,
		".":      dot,
		"a[b":    dot,
		"a]":     dot,
		"[]":     dot,
		"10":     numeric,
		"-1":     numeric,
		"+1":     numeric,
		"09":     numeric,
		"1e5":    numeric,
	} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe, "%q", name)
		assert.Equal(t, "parameter name", ipe.Field, "%q", name)
		assert.Contains(t, ipe.Rule, rule, "%q", name)
		assert.False(t, okayapi.MayHaveArrived(err))
	}
	assert.Zero(t, h.calls(), "nothing was sent")

	for _, name := range []string{"a!b", "!", "a~b", "~", "a\x80b", "a/b", "a-b", "a\\b", "a^b", "e5", "1e", "1a", "-", "+", "a1"} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		require.NoError(t, err, "%q", name)
		assert.Equal(t, "v", h.requests()[h.calls()-1].Form.Get(name), "%q is sent as given", name)
	}
}
