package okayapi

import (
	"errors"
	"strconv"

	"github.com/okayapi-go/sdk/internal/redact"
)

// redactor hides a call's secrets in text that is about to be kept in an
// error or shown, by the rule of package internal/redact that the cassette
// shares: each secret whole and any run of 16 or more of its bytes, as sent,
// URL- or JSON-escaped (as PHP and Go write it), in any letter case.
//
// Building one costs a little; it is built only when an error is.
type redactor struct{ set *redact.Set }

func newRedactor(secrets ...string) *redactor { return &redactor{redact.Strings(secrets...)} }

// redact returns s with every secret replaced by <redacted>.
func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	return r.set.String(s)
}

// redactBytes is redact for a body; it returns b itself when nothing is hidden.
func (r *redactor) redactBytes(b []byte) []byte {
	if r == nil {
		return b
	}
	return r.set.Bytes(b)
}

// unread is redact for an answer the SDK could not read as one envelope:
// it may hold a token the call hands out, which no list of secrets knows
// yet, so every run of 16 or more ASCII letters and digits is hidden too.
func (r *redactor) unread(s string) string {
	return redact.TokenLike(r.redact(s), redact.Mark)
}

// err returns err itself when its text holds no secret, and otherwise an
// error with the redacted text that still matches what err matched for the
// causes callers test with errors.Is.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.redact(msg); red != msg {
		return newRedactedError(red, err)
	}
	return err
}

// unreadErr is err for a cause that may quote an answer the SDK could not
// read (see unread).
func (r *redactor) unreadErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.unread(msg); red != msg {
		return newRedactedError(red, err)
	}
	return err
}

// redactedError is an error whose text had a secret in it: it shows the
// redacted text, and answers errors.Is and errors.As as the original would
// for the sentinels and types callers test for, without handing the original
// (which holds the secret) back through Unwrap, nor keeping it where a
// reflective dump (testify's diff, spew, go-cmp) would reach it: only a
// closure holds it.
type redactedError struct {
	msg string
	is  func(target error) bool
}

func newRedactedError(msg string, orig error) *redactedError {
	return &redactedError{msg: msg, is: func(target error) bool { return errors.Is(orig, target) }}
}

func (e *redactedError) Error() string { return e.msg }

// GoString shows only the redacted text, also to %#v.
func (e *redactedError) GoString() string {
	return "okayapi.redactedError(" + strconv.Quote(e.msg) + ")"
}

// Is matches what the original error matches.
func (e *redactedError) Is(target error) bool { return e.is(target) }

func asciiLower(s string) string { return redact.Lower(s) }

// excerpt is excerpt(b, excerptLen) with the secrets hidden.
func (r *redactor) excerpt(b []byte) string { return excerptHiding(b, r.redact) }

// unreadExcerpt is excerpt for an answer the SDK could not read (see unread).
func (r *redactor) unreadExcerpt(b []byte) string { return excerptHiding(b, r.unread) }

// excerptHiding hides with hide in a wider excerpt before cutting, so that
// a secret straddling the cut does not leave its first characters behind.
func excerptHiding(b []byte, hide func(string) string) string {
	const room = 8 * redact.MinRun // more than the longest run left over at a cut
	for w := 2*excerptLen + room; ; w *= 2 {
		red := hide(excerpt(b, w))
		// Done when nothing was cut, or when what redaction left is long
		// enough that a secret cut off at its end lies past excerptLen.
		if w >= len(b) || len(red) >= excerptLen+room {
			return excerpt([]byte(red), excerptLen)
		}
	}
}
