package okayapi

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// minSecretLen is the shortest secret that is redacted: shorter ones would
// mangle ordinary text, and no real token, secret or signature is that short.
const minSecretLen = 8

// minSecretRun is the shortest run of a secret's characters that is redacted
// on its own: a truncated answer may echo only the start of a token.
const minSecretRun = 16

const redactedMark = "<redacted>"

// redactor hides secrets in text that is about to be kept in an error or
// shown. It matches, ignoring ASCII case, each secret in the forms a service
// may echo it (as sent, URL-encoded, and JSON-escaped as PHP and Go write
// it), and any run of minSecretRun or more bytes of one of those forms.
//
// Building one costs a little; it is built only when an error is.
type redactor struct {
	runs  map[string]struct{} // every minSecretRun-byte window of a long form, lower case
	short []string            // whole forms shorter than minSecretRun, lower case
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, secret := range secrets {
		if len(secret) < minSecretLen {
			continue
		}
		for _, form := range secretForms(secret) {
			form = asciiLower(form)
			if len(form) < minSecretRun {
				if !slices.Contains(r.short, form) {
					r.short = append(r.short, form)
				}
				continue
			}
			if r.runs == nil {
				r.runs = make(map[string]struct{})
			}
			for i := 0; i+minSecretRun <= len(form); i++ {
				r.runs[form[i:i+minSecretRun]] = struct{}{}
			}
		}
	}
	return r
}

// secretForms lists the ways secret may appear in an answer.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), phpJSONEscape(secret, true), phpJSONEscape(secret, false)}
	forms = append(forms, jsonMarshalString(secret))
	slices.Sort(forms)
	return slices.Compact(forms)
}

// phpJSONEscape writes s as json_encode does inside a string: / as \/,
// control characters as \uXXXX, and, when ascii is set (PHP's default),
// every non-ASCII character as \uXXXX (surrogate pairs beyond the BMP).
func phpJSONEscape(s string, ascii bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || ascii && r >= 0x80 || r == 0x2028 || r == 0x2029:
			if r > 0xFFFF {
				r -= 0x10000
				writeU(&b, 0xD800+(r>>10))
				writeU(&b, 0xDC00+(r&0x3FF))
			} else {
				writeU(&b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	s := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(s)))
	b.WriteString(s)
}

// jsonMarshalString is encoding/json's escaping of s (which also escapes <, >
// and &), without the quotes.
func jsonMarshalString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '<' || r == '>' || r == '&' || r < 0x20 || r == 0x2028 || r == 0x2029:
			writeU(&b, r)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// marks returns the byte ranges of s to hide, sorted and merged.
func (r *redactor) marks(s string) [][2]int {
	if r == nil || len(r.runs) == 0 && len(r.short) == 0 {
		return nil
	}
	ls := asciiLower(s)
	var spans [][2]int
	if len(r.runs) > 0 {
		for i := 0; i+minSecretRun <= len(ls); i++ {
			if _, ok := r.runs[ls[i:i+minSecretRun]]; ok {
				spans = append(spans, [2]int{i, i + minSecretRun})
			}
		}
	}
	for _, form := range r.short {
		for off := 0; ; {
			j := strings.Index(ls[off:], form)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{off + j, off + j + len(form)})
			off += j + 1
		}
	}
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp[0] <= last[1] {
			last[1] = max(last[1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// redact returns s with every secret run replaced by <redacted>.
func (r *redactor) redact(s string) string {
	return r.replace(s, r.marks(s))
}

// replace returns s with spans (from marks) replaced by <redacted>.
func (r *redactor) replace(s string, spans [][2]int) string {
	if spans == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp[0]])
		b.WriteString(redactedMark)
		prev = sp[1]
	}
	b.WriteString(s[prev:])
	return b.String()
}

// redactBytes is redact for a body; it returns b itself when nothing is hidden.
func (r *redactor) redactBytes(b []byte) []byte {
	spans := r.marks(string(b))
	if spans == nil {
		return b
	}
	return []byte(r.replace(string(b), spans))
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
		return &redactedError{msg: red, orig: err}
	}
	return err
}

// redactedError is an error whose text had a secret in it: it shows the
// redacted text, and answers errors.Is and errors.As as the original would
// for the sentinels and types callers test for, without handing the original
// (which holds the secret) back through Unwrap.
type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string { return e.msg }

// GoString shows only the redacted text, also to %#v.
func (e *redactedError) GoString() string {
	return "okayapi.redactedError(" + strconv.Quote(e.msg) + ")"
}

// Is matches what the original error matches.
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// excerpt is excerpt(b, excerptLen) with the secrets hidden. It hides them
// in a wider excerpt before cutting, so that a secret straddling the cut does
// not leave its first characters behind.
func (r *redactor) excerpt(b []byte) string {
	const room = 8 * minSecretRun // more than the longest run left over at a cut
	for w := 2*excerptLen + room; ; w *= 2 {
		red := r.redact(excerpt(b, w))
		// Done when nothing was cut, or when what redaction left is long
		// enough that a secret cut off at its end lies past excerptLen.
		if w >= len(b) || len(red) >= excerptLen+room {
			return excerpt([]byte(red), excerptLen)
		}
	}
}
