package okayapitest

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The fake reads a request as PHP fills $_REQUEST (request_order "GP": the
// query, then the body over it) and checks the dynamic signature over
// that, in its own code written from docs/wire.md, not with package sign:
// a signing bug in the SDK is then caught, not mirrored.

// phpParam is one entry of $_REQUEST.
type phpParam struct {
	key   string // the name after PHP rewrote it
	isInt bool   // a decimal name PHP made an integer key
	n     int64  // the integer key, if isInt
	value string // the value; "Array" for an array, as PHP converts one to a string
	array bool   // the name had [...]: the value is an array
}

// phpParams are $_REQUEST's entries in PHP's order.
type phpParams []phpParam

// set assigns key as PHP does: a key assigned again keeps its place.
func (ps phpParams) set(p phpParam) phpParams {
	for i := range ps {
		if ps[i].key == p.key {
			if p.array && ps[i].array {
				return ps // one more element of the same array
			}
			ps[i] = p
			return ps
		}
	}
	return append(ps, p)
}

// register adds one raw name=value pair as php_register_variable does.
func (ps phpParams) register(raw, value string) phpParams {
	key, array, ok := phpName(raw)
	if !ok {
		return ps // an empty name is dropped
	}
	p := phpParam{key: key, value: value, array: array}
	if array {
		p.value = "Array"
	}
	p.n, p.isInt = phpIntKey(key)
	return ps.set(p)
}

// values returns the parameters one value per name, for the checks and
// RecordedRequest.Form.
func (ps phpParams) values() url.Values {
	out := make(url.Values, len(ps))
	for _, p := range ps {
		out[p.key] = []string{p.value}
	}
	return out
}

// phpName rewrites a parameter name as PHP does: leading spaces are
// dropped; in the name proper, "." and " " become "_"; "a[b]" is the array
// a (ok false for an empty name); a "[" with no "]" after it becomes "_"
// and the rest is kept as is.
func phpName(raw string) (key string, array, ok bool) {
	name := strings.TrimLeft(raw, " ")
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case ' ', '.':
			b.WriteByte('_')
		case '[':
			if strings.IndexByte(name[i+1:], ']') >= 0 {
				return b.String(), true, b.Len() > 0
			}
			b.WriteByte('_')
			b.WriteString(name[i+1:])
			return b.String(), false, true
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), false, b.Len() > 0
}

// phpIntKey reports whether PHP turns the array key s into an integer: a
// decimal integer without a leading zero or "+", that fits 64 bits.
func phpIntKey(s string) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] == '0' && (len(digits) > 1 || len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// phpNumeric matches PHP 8's numeric strings, after the white space around
// them is trimmed.
var phpNumeric = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// phpNumber reads s as a number if PHP 8 calls it a numeric string.
func phpNumberOf(s string) (float64, bool) {
	t := strings.Trim(s, " \t\n\r\v\f")
	if !phpNumeric.MatchString(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	return f, err == nil
}

// phpKeyCompare orders two keys as PHP 8's ksort with its default flags
// (SORT_REGULAR): integers by value; two strings as numbers if both are
// numeric, else byte by byte; an integer and a string as numbers if the
// string is numeric, else as strings.
func phpKeyCompare(a, b phpParam) int {
	switch {
	case a.isInt && b.isInt:
		return cmpInt(a.n, b.n)
	case !a.isInt && !b.isInt:
		if x, ok := phpNumberOf(a.key); ok {
			if y, ok := phpNumberOf(b.key); ok {
				return cmpFloat(x, y)
			}
		}
		return strings.Compare(a.key, b.key)
	case a.isInt:
		if y, ok := phpNumberOf(b.key); ok {
			return cmpFloat(float64(a.n), y)
		}
		return strings.Compare(a.key, b.key)
	default:
		return -phpKeyCompare(b, a)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// phpSign is the dynamic signature as docs/wire.md describes it: every
// parameter except sign, sorted by name as ksort sorts them, their values
// concatenated, then the secret; MD5, upper-case hex.
func phpSign(ps phpParams, secret string) string {
	sorted := slices.DeleteFunc(slices.Clone(ps), func(p phpParam) bool { return p.key == "sign" })
	slices.SortStableFunc(sorted, phpKeyCompare)
	h := md5.New()
	for _, p := range sorted {
		io.WriteString(h, p.value)
	}
	io.WriteString(h, secret)
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// phpURLDecode decodes as PHP's urldecode: "+" is a space, %XX a byte, and
// anything else, a bad escape included, is kept as it is.
func phpURLDecode(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(v))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// phpParseQuery registers the pairs of an urlencoded string in order.
func (ps phpParams) parseQuery(q string) phpParams {
	for _, pair := range strings.Split(q, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		ps = ps.register(phpURLDecode(name), phpURLDecode(value))
	}
	return ps
}

// phpRequest reads r as PHP fills $_REQUEST: the query, then a POST's
// body (urlencoded or multipart; files and anything PHP cannot parse are
// left out) over it.
func phpRequest(r *http.Request) phpParams {
	ps := phpParams{}.parseQuery(r.URL.RawQuery)
	var post phpParams
	mediaType, mt, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Body == nil || r.Method != http.MethodPost:
	case mediaType == "application/x-www-form-urlencoded":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxFormSize+1))
		if err == nil && len(body) <= maxFormSize {
			post = post.parseQuery(string(body))
		}
	case mediaType == "multipart/form-data" && mt["boundary"] != "":
		mr := multipart.NewReader(io.LimitReader(r.Body, maxFormSize), mt["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FormName() != "" && part.FileName() == "" {
				if v, err := io.ReadAll(part); err == nil {
					post = post.register(part.FormName(), string(v))
				}
			}
			part.Close()
		}
	}
	for _, p := range post {
		ps = ps.set(p)
	}
	return ps
}
