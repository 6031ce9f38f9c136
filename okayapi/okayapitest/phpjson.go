package okayapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fake writes its answers the way PHP's json_encode (default flags)
// does, with its own small value model rather than encoding/json, so that it
// can reproduce what a PHP and MySQL service sends. Strings escape every
// non-ASCII character as \uXXXX (lower-case hex, surrogate pairs beyond the
// BMP) and "/" as "\/".

// Object is a PHP associative array, the value model of the answers a
// service gives: fields in order. Values may be nil, string, bool, int,
// int64, float64, DBInt, Object, []any, and anything read from a request
// (Call.Object) or a profile (User.ExtInfo), which keep PHP's view of the
// JSON they came from. Encoding any other type panics.
//
// Written, an Object is a JSON object; with quirks on (WithQuirks) an empty
// one is written as [] and one whose keys are "0", "1", … in order as a
// list, as PHP writes them.
type Object []Field

// Field is one key and value of an Object.
type Field struct {
	Key   string
	Value any
}

// DBInt is an integer as read from a MySQL column: written as a JSON string
// ("12") with quirks on, as a number otherwise. Use it for ids, counts and
// flags that the hosted service reads from its database.
type DBInt int64

// phpNumber is a number literal from a client's JSON, written back as PHP
// would after json_decode.
type phpNumber string

// set replaces the value of key in place, or appends it: a PHP array keeps
// the position of a key that is assigned again.
func (o Object) set(key string, v any) Object {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, Field{Key: key, Value: v})
}

// get returns the value of key, if present.
func (o Object) get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// phpEncode writes v as PHP's json_encode would, with or without the quirks.
func phpEncode(v any, quirks bool) []byte {
	e := phpEncoder{quirks: quirks}
	e.value(v)
	return e.buf.Bytes()
}

type phpEncoder struct {
	quirks bool
	buf    bytes.Buffer
}

func (e *phpEncoder) value(v any) {
	switch v := v.(type) {
	case nil:
		e.buf.WriteString("null")
	case string:
		e.str(v)
	case bool:
		e.buf.WriteString(strconv.FormatBool(v))
	case int:
		e.buf.WriteString(strconv.Itoa(v))
	case int64:
		e.buf.WriteString(strconv.FormatInt(v, 10))
	case float64:
		e.buf.WriteString(phpFloat(v))
	case DBInt:
		if e.quirks {
			e.buf.WriteByte('"')
			e.buf.WriteString(strconv.FormatInt(int64(v), 10))
			e.buf.WriteByte('"')
		} else {
			e.buf.WriteString(strconv.FormatInt(int64(v), 10))
		}
	case phpNumber:
		e.buf.WriteString(phpNumberText(string(v)))
	case []any:
		e.list(v)
	case Object:
		switch {
		case len(v) == 0 && e.quirks:
			e.buf.WriteString("[]")
		case e.quirks && isSequential(v):
			items := make([]any, len(v))
			for i, f := range v {
				items[i] = f.Value
			}
			e.list(items)
		default:
			e.buf.WriteByte('{')
			for i, f := range v {
				if i > 0 {
					e.buf.WriteByte(',')
				}
				e.str(f.Key)
				e.buf.WriteByte(':')
				e.value(f.Value)
			}
			e.buf.WriteByte('}')
		}
	default:
		panic(fmt.Sprintf("okayapitest: cannot encode %T in an answer (see Object)", v))
	}
}

func (e *phpEncoder) list(items []any) {
	e.buf.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.value(item)
	}
	e.buf.WriteByte(']')
}

// isSequential reports whether the keys are "0", "1", … in order: PHP turns
// such keys into integers and json_encode then writes a list.
func isSequential(o Object) bool {
	for i, f := range o {
		if f.Key != strconv.Itoa(i) {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

func (e *phpEncoder) str(s string) {
	b := &e.buf
	b.WriteByte('"')
	for _, r := range s { // invalid UTF-8 reads as U+FFFD
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || (r >= 0x80 && r <= 0xFFFF):
				e.u(r)
			case r < 0x80:
				b.WriteByte(byte(r))
			default:
				r -= 0x10000
				e.u(0xD800 + (r>>10)&0x3FF)
				e.u(0xDC00 + r&0x3FF)
			}
		}
	}
	b.WriteByte('"')
}

func (e *phpEncoder) u(r rune) {
	e.buf.WriteString(`\u`)
	e.buf.WriteByte(hexDigits[r>>12&0xF])
	e.buf.WriteByte(hexDigits[r>>8&0xF])
	e.buf.WriteByte(hexDigits[r>>4&0xF])
	e.buf.WriteByte(hexDigits[r&0xF])
}

// phpNumberText writes a JSON number literal as PHP would after json_decode:
// integers that fit 64 bits stay integers, everything else becomes a float.
func phpNumberText(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit // cannot happen for a literal the decoder accepted
	}
	return phpFloat(f)
}

// phpFloat approximates PHP 7.1+ json_encode of a float (serialize_precision
// -1, no JSON_PRESERVE_ZERO_FRACTION): the shortest round-trip digits, no
// fraction for integral values ("10", not "10.0"), and "1.0e+25" style
// exponents for very large or small ones.
func phpFloat(f float64) string {
	if abs := math.Abs(f); abs >= 1e-4 && abs < 1e15 || f == 0 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+25, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := exp[:1]
	digits := strings.TrimLeft(exp[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return mant + "e" + sign + digits
}

var errNotJSON = errors.New("not valid JSON")

// phpDecode reads client JSON as PHP's json_decode($s, true) would: objects
// become Object (keys in order, a repeated key keeps its first position
// and its last value), numbers keep their literal. Invalid UTF-8 is refused,
// as PHP refuses it.
func phpDecode(raw []byte) (any, error) {
	if !utf8.Valid(raw) {
		return nil, errNotJSON
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, errNotJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotJSON
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := Object{}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := key.(string)
				if !ok {
					return nil, errNotJSON
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				obj = obj.set(k, v)
			}
			if _, err := dec.Token(); err != nil { // }
				return nil, err
			}
			return obj, nil
		case '[':
			items := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, err
			}
			return items, nil
		}
		return nil, errNotJSON
	case json.Number:
		return phpNumber(t), nil
	case string, bool, nil:
		return t, nil
	}
	return nil, errNotJSON
}

// phpFromGo turns a Go value (an Account's Extra field) into the value model
// by way of encoding/json, as if PHP had stored and decoded it.
func phpFromGo(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return phpDecode(b)
}
