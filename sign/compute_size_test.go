package sign_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/sign"
)

// valuesOfSize returns a call's parameters whose last values and the secret
// add up to exactly n bytes, with "data" given twice (the last one counts).
func valuesOfSize(n int, secret string) (url.Values, map[string]string) {
	fixed := map[string]string{"s": "App.Market_ChatMessage.Send", "app_key": vectorAppKey}
	used := len(secret)
	for _, v := range fixed {
		used += len(v)
	}
	last := strings.Repeat("消", (n-used)/3) + strings.Repeat("x", (n-used)%3)
	values := url.Values{"data": {"an earlier value, not signed", last}, "sign": {"ignored"}}
	plain := map[string]string{"data": last}
	for k, v := range fixed {
		values.Set(k, v)
		plain[k] = v
	}
	return values, plain
}

// A long message (over the 2 KiB the signer hashes in one piece) is signed by
// the same rules as a short one: sorted names, the last of repeated values,
// "sign" left out.
func TestComputeLongValues(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2047, 2048, 2049, 4096, 100_000} {
		values, plain := valuesOfSize(n, vectorSecret)
		assert.Equal(t, reference(plain, vectorSecret), sign.Compute(values, vectorSecret), "%d bytes signed", n)
	}
}

// Signing runs on every call: up to 2 KiB of values and secret (every call
// but a long message), it allocates only the string it returns.
//
// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestComputeAllocatesOnlyItsResult(t *testing.T) {
	for _, n := range []int{200, 2048} {
		values, _ := valuesOfSize(n, vectorSecret)
		allocs := testing.AllocsPerRun(20, func() { _ = sign.Compute(values, vectorSecret) })
		assert.Equal(t, 1.0, allocs, "%d bytes signed", n)
	}
}
