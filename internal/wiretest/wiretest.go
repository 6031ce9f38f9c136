// Package wiretest holds the test helpers shared by the SDK's and the fake
// server's tests: the public signature vector, an independent signer, and a
// recording httpmock host. It must not import package sign: it is the
// independent check that sign (and the fake's verification) compute what
// docs/wire.md says.
package wiretest

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// Sign is the dynamic signature spelled out the obvious way, as docs/wire.md
// describes it: every parameter but sign, sorted by name, values concatenated,
// the secret appended, MD5, upper-case hex.
func Sign(params url.Values, secret string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "sign" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(params.Get(name))
	}
	b.WriteString(secret)
	sum := md5.Sum([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
