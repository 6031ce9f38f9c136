package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// minSecret is the shortest value that is replaced: shorter ones would
// mangle ordinary text, and no real key, token or signature is that short.
const minSecret = 8

// The textual placeholders.
const (
	phAppKey   = placeholderPrefix + "APP-KEY"
	phSecret   = placeholderPrefix + "APP-SECRET"
	phSign     = placeholderPrefix + "SIGN"
	phPassword = placeholderPrefix + "PASSWORD"
	phOther    = placeholderPrefix + "SECRET"
)

// secrets are the values a recorder hides, each with its placeholder.
type secrets struct {
	mu     sync.Mutex
	byVal  map[string]string // secret -> placeholder
	tokens int               // token placeholders handed out
}

func newSecrets() *secrets { return &secrets{byVal: map[string]string{}} }

// add hides v behind placeholder, unless it is too short or hidden already.
func (s *secrets) add(v, placeholder string) {
	if len(v) < minSecret || strings.HasPrefix(v, placeholderPrefix) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byVal[v]; !ok {
		s.byVal[v] = placeholder
	}
}

// token hides a member token behind a placeholder of the same shape (as
// long, hexadecimal digits, upper case unless it had lower-case letters
// only), the same one each time the token is seen in any letter case, and
// returns it.
func (s *secrets) token(v string) string {
	if len(v) < minSecret {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for known, p := range s.byVal {
		if strings.EqualFold(known, v) { // replace ignores case too
			return p
		}
	}
	s.tokens++
	n := strconv.FormatInt(int64(s.tokens), 16)
	if strings.ToLower(v) == v && strings.ContainsAny(v, "abcdef") {
		n = strings.ToLower(n)
	} else {
		n = strings.ToUpper(n)
	}
	p := strings.Repeat("0", max(0, len(v)-len(n))) + n
	s.byVal[v] = p
	return p
}

// replace returns b with every hidden value, in each form an answer may
// write it, replaced by its placeholder; extra are hidden for this call
// only.
func (s *secrets) replace(b []byte, extra map[string]string) []byte {
	s.mu.Lock()
	type pair struct{ form, placeholder string }
	var pairs []pair
	for _, m := range []map[string]string{s.byVal, extra} {
		for v, p := range m {
			if len(v) < minSecret {
				continue
			}
			for _, f := range forms(v) {
				pairs = append(pairs, pair{f, p})
			}
		}
	}
	s.mu.Unlock()
	// Longest first, so that a secret inside another is not cut in two.
	slices.SortFunc(pairs, func(a, b pair) int {
		if len(a.form) != len(b.form) {
			return len(b.form) - len(a.form)
		}
		return strings.Compare(a.form, b.form)
	})
	for _, p := range pairs {
		b = replaceFold(b, p.form, p.placeholder)
	}
	return b
}

// replaceString is replace for a string.
func (s *secrets) replaceString(v string, extra map[string]string) string {
	return string(s.replace([]byte(v), extra))
}

// forms lists the ways v may be written: as is, URL-escaped, and
// JSON-escaped as PHP and Go write it.
func forms(v string) []string {
	fs := []string{v, url.QueryEscape(v), url.PathEscape(v), jsonEscape(v, true, false), jsonEscape(v, false, false), jsonEscape(v, false, true)}
	slices.Sort(fs)
	return slices.Compact(fs)
}

// jsonEscape writes v as inside a JSON string: PHP's json_encode (slashes
// escaped; non-ASCII as \uXXXX when ascii) or Go's (html: <, > and &
// escaped).
func jsonEscape(v string, ascii, html bool) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '/' && !html:
			b.WriteString(`\/`)
		case r < 0x20, html && (r == '<' || r == '>' || r == '&'), ascii && r >= 0x80:
			if r > 0xFFFF {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// replaceFold replaces every occurrence of old in b, ignoring ASCII case,
// with repl.
func replaceFold(b []byte, old, repl string) []byte {
	if old == "" {
		return b
	}
	lb, lo := asciiLower([]byte(b)), asciiLower([]byte(old))
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.Index(lb[i:], lo)
		if j < 0 {
			break
		}
		j += i
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[last:j]...)
		out = append(out, repl...)
		last = j + len(old)
		i = last
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// asciiLower returns a copy of b with A–Z lowered and every other byte kept
// where it is.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// answerSecrets finds the secrets an answer hands out: the string values of
// fields named like a token, a password or a secret, at any depth. Tokens
// get a placeholder of their shape.
func (s *secrets) answerSecrets(body []byte) {
	b := bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys) // placeholders numbered the same each run
			for _, k := range keys {
				e := t[k]
				if str, ok := e.(string); ok && secretName(k) {
					if strings.Contains(strings.ToLower(k), "token") {
						s.token(str)
					} else {
						s.add(str, placeholderFor(k))
					}
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
}

// placeholderFor is the placeholder of a secret parameter or field.
func placeholderFor(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "passw"):
		return phPassword
	case strings.Contains(n, "token"):
		return placeholderPrefix + "TOKEN"
	}
	return phOther
}
