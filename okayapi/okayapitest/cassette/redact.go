package cassette

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/okayapi-go/sdk/internal/redact"
)

// minSecret is the shortest value that is replaced (redact.MinLen).
const minSecret = redact.MinLen

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

// partOfSecret replaces what is left of a secret that is not there whole
// (a truncated or partly echoed token, say), and tokenLike each run of
// letters and digits in an answer that is not one JSON document.
const (
	partOfSecret = placeholderPrefix + "PART"
	tokenLike    = placeholderPrefix + "TOKEN-LIKE"
)

// replace returns b with every hidden value replaced, by the rule of
// package internal/redact that the SDK's errors share: a whole value, in
// each form an answer may write it, by its placeholder; any run of 16 or
// more bytes of one by REDACTED-PART. extra are hidden for this call only.
func (s *secrets) replace(b []byte, extra map[string]string) []byte {
	s.mu.Lock()
	var secs []redact.Secret
	for _, m := range []map[string]string{s.byVal, extra} {
		for v, p := range m {
			secs = append(secs, redact.Secret{Value: v, Placeholder: p})
		}
	}
	s.mu.Unlock()
	// Sorted, so that the same secrets are always replaced the same way.
	slices.SortFunc(secs, func(a, b redact.Secret) int { return strings.Compare(a.Value, b.Value) })
	return redact.New(partOfSecret, secs...).Bytes(b)
}

// replaceAnswer is replace for an answer body. An answer that is not one
// JSON document (a PHP notice or warning before the JSON, text after it,
// two envelopes, a truncated body) was not searched for the secrets it
// hands out, so every run of 16 or more ASCII letters and digits in it is
// replaced by REDACTED-TOKEN-LIKE as well: it may be a new token.
func (s *secrets) replaceAnswer(b []byte, extra map[string]string) []byte {
	b = s.replace(b, extra)
	if json.Valid(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))) {
		return b
	}
	return []byte(redact.TokenLike(string(b), tokenLike))
}

// replaceString is replace for a string.
func (s *secrets) replaceString(v string, extra map[string]string) string {
	return string(s.replace([]byte(v), extra))
}

// answerSecrets finds the secrets an answer hands out: the string values of
// fields named like a token, a password or a secret, at any depth. Tokens
// get a placeholder of their shape.
func (s *secrets) answerSecrets(body []byte) {
	b := bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
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
		case string:
			// JSON inside a string (data sent as a string): its fields too.
			if in := strings.TrimSpace(t); strings.HasPrefix(in, "{") || strings.HasPrefix(in, "[") {
				var nested any
				d := json.NewDecoder(strings.NewReader(in))
				d.UseNumber()
				if d.Decode(&nested) == nil {
					walk(nested)
				}
			}
		}
	}
	for {
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		walk(v) // every value of two envelopes back to back
	}
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
