// Package sign computes OkayAPI request signatures.
//
// OkayAPI apps are configured for one of three signature modes: dynamic (the
// default: an MD5 over the sorted parameter values and the app secret), static
// (one fixed sign value) or none. Each mode is a [Signer]. The package is pure:
// it knows nothing of HTTP and never sends the app secret anywhere.
package sign

import (
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
)

// param is the name of the form parameter that carries the signature.
const param = "sign"

// A Signer computes the value of the sign parameter for the parameters of one
// call. An empty result means the call is sent without a sign parameter.
//
// Implementations must be safe for concurrent use and must not include the
// app secret or the sign value in what fmt prints of them, with any verb.
// This package's signers print only their kind: sign.Dynamic(<redacted>).
type Signer interface {
	Sign(params url.Values) string
}

// Dynamic returns the dynamic ("动态签名") signer for an app secret.
// See [Compute] for the algorithm.
func Dynamic(secret string) Signer { return &dynamic{secret: secret} }

// dynamic is used through a pointer, so that a struct holding one prints
// an address, not the secret.
type dynamic struct{ secret string }

func (d *dynamic) Sign(params url.Values) string { return Compute(params, d.secret) }

// String hides the secret from fmt and loggers.
func (*dynamic) String() string { return "sign.Dynamic(<redacted>)" }

// GoString hides the secret from %#v.
func (d *dynamic) GoString() string { return d.String() }

// Format prints String for every verb.
func (d *dynamic) Format(f fmt.State, _ rune) { io.WriteString(f, d.String()) }

// LogValue hides the secret from slog.
func (d *dynamic) LogValue() slog.Value { return slog.StringValue(d.String()) }

// Static returns a signer that sends the same sign value with every call, for
// apps set to a static signature.
func Static(value string) Signer { return &static{value: value} }

// static is used through a pointer, like dynamic.
type static struct{ value string }

func (s *static) Sign(url.Values) string { return s.value }

// String hides the static sign value from fmt and loggers.
func (*static) String() string { return "sign.Static(<redacted>)" }

// GoString hides the static sign value from %#v.
func (s *static) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *static) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue hides the static sign value from slog.
func (s *static) LogValue() slog.Value { return slog.StringValue(s.String()) }

// None returns a signer for apps with signatures turned off: calls carry no
// sign parameter.
func None() Signer { return none{} }

type none struct{}

func (none) Sign(url.Values) string { return "" }

func (none) String() string { return "sign.None()" }

func (n none) GoString() string { return n.String() }

// Compute returns OkayAPI's dynamic signature of params under secret:
//
//  1. every parameter except "sign" itself,
//  2. sorted by name in byte order (PHP ksort),
//  3. their decoded values concatenated with no names or separators (an empty
//     value adds nothing),
//  4. followed by the app secret,
//  5. hashed with MD5 and written as upper-case hex.
//
// A parameter given several values is signed with its last one, as PHP keeps
// the last of repeated form fields.
func Compute(params url.Values, secret string) string {
	// The names sort in a small array on the stack, and the values are
	// hashed from a stack buffer when they fit: the result is the one
	// allocation.
	var nameBuf [24]string
	names := nameBuf[:0]
	size := len(secret)
	for name, vs := range params {
		if name == param || len(vs) == 0 {
			continue
		}
		names = append(names, name)
		size += len(vs[len(vs)-1])
	}
	slices.Sort(names)
	var sum [md5.Size]byte
	if size <= 2048 {
		var buf [2048]byte
		b := buf[:0]
		for _, name := range names {
			vs := params[name]
			b = append(b, vs[len(vs)-1]...)
		}
		b = append(b, secret...)
		sum = md5.Sum(b)
	} else {
		h := md5.New()
		for _, name := range names {
			vs := params[name]
			io.WriteString(h, vs[len(vs)-1])
		}
		io.WriteString(h, secret)
		h.Sum(sum[:0])
	}
	return upperHex(sum)
}

// upperHex writes an MD5 sum as 32 upper-case hex digits.
func upperHex(sum [md5.Size]byte) string {
	const digits = "0123456789ABCDEF"
	var out [md5.Size * 2]byte
	for i, c := range sum {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&0x0F]
	}
	return string(out[:])
}
