package okayapi

import (
	"net/url"
	"strings"

	"github.com/google/go-querystring/query"
)

var reserved = [...]string{"s", "service", "app_key", "sign", "uuid", "token"}

func (c *Client) buildParams(req *Request) (url.Values, error) {
	if !validService(req.Service) {
		return nil, &InvalidParamError{Field: "service", Rule: "must look like App.Class.Action (letters, digits, _ and dots)", Value: req.Service}
	}
	if !req.Member.isZero() {
		if err := req.Member.Validate(); err != nil {
			return nil, err
		}
	}
	var values url.Values
	switch p := req.Params.(type) {
	case nil:
		values = url.Values{}
	case url.Values:
		// A map of our own (the common parameters are added to it); the
		// value slices are shared, as nothing changes them.
		values = make(url.Values, len(p)+5)
		for k, v := range p {
			values[k] = v
		}
	default:
		v, err := query.Values(p)
		if err != nil {
			return nil, &InvalidParamError{Field: "params", Rule: "must be url.Values or a struct with url tags: " + err.Error()}
		}
		values = v
	}
	for _, name := range reserved {
		if _, ok := values[name]; ok {
			return nil, &InvalidParamError{Field: name, Rule: "is set by the client and must not be passed as a parameter"}
		}
	}
	for name := range values {
		if rule := badParamName(name); rule != "" {
			return nil, &InvalidParamError{Field: "parameter name", Rule: rule, Value: name}
		}
	}
	values.Set("s", req.Service)
	values.Set("app_key", c.appKey)
	if !req.Member.isZero() {
		values.Set("uuid", req.Member.UUID)
		values.Set("token", req.Member.Token())
	}
	return values, nil
}

// badParamName says why PHP would not receive a parameter under the name it
// was signed with, or sort it where the signature did, or returns "". PHP's
// form parser turns '.' and ' ' in a name into '_' and a[b] into an array,
// and ksort compares numeric names ("10", "-1", "9e0", "1.5") as numbers,
// not as bytes.
func badParamName(name string) string {
	if name == "" {
		return "must not be empty"
	}
	for i := 0; i < len(name); i++ {
		switch b := name[i]; {
		case b <= ' ' || b == 0x7F:
			return "must not hold white space or control characters (PHP rewrites them, so the signature could not match)"
		case b == '.' || b == '[' || b == ']':
			return "must not hold '.', '[' or ']' (PHP rewrites them, so the signature could not match)"
		}
	}
	if phpNumeric(name) {
		return "must not be a number (PHP sorts numeric names as numbers, so the signature could not match)"
	}
	return ""
}

// phpNumeric reports whether PHP's is_numeric holds for s (without the white
// space it also allows, which badParamName refuses anyway): an optional sign,
// digits, and an optional exponent. A fraction is not read: badParamName
// refuses a name with '.' before it asks.
func phpNumeric(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && '0' <= s[k] && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i == len(s)
}

func validService(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[len(s)-1] == '.' || !strings.Contains(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
