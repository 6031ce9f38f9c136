package phpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/okayapi-go/sdk/okayapi/internal/jsonscan"
)

var (
	jsonNull     = []byte("null")
	jsonEmptyObj = []byte("{}")
)

// Int is an integer that may arrive as a number (12, 12.0), a string ("12",
// " 12 "), an empty string, false/true or null (the last three read as 0 or 1).
type Int int64

// UnmarshalJSON accepts the forms listed on Int.
func (n *Int) UnmarshalJSON(b []byte) error {
	v, ok := readInt(b)
	if !ok {
		return notA("an integer", bytes.TrimSpace(b))
	}
	*n = Int(v)
	return nil
}

func readInt(b []byte) (int64, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case 'n':
		return 0, string(b) == "null"
	case 'f':
		return 0, string(b) == "false"
	case 't':
		return 1, string(b) == "true"
	case '"':
		s, ok := unquoteBytes(b)
		if !ok {
			return 0, false
		}
		b = bytes.TrimSpace(s)
		if len(b) == 0 {
			return 0, true
		}
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// unquoteBytes is jsonscan.Unquote for a value that is only inspected: without escapes
// it allocates nothing.
func unquoteBytes(q []byte) ([]byte, bool) {
	if len(q) >= 2 && bytes.IndexByte(q[1:len(q)-1], '\\') < 0 && q[len(q)-1] == '"' {
		return q[1 : len(q)-1], true
	}
	s, ok := jsonscan.Unquote(q)
	return []byte(s), ok
}

// Bool is a flag that may arrive as true/false, 0/1 (any other integer reads
// as true, as in PHP), "0"/"1", "true"/"false", "" or null (the last two read
// as false).
type Bool bool

// UnmarshalJSON accepts the forms listed on Bool.
func (v *Bool) UnmarshalJSON(b []byte) error {
	raw := bytes.TrimSpace(b)
	s := raw
	if len(s) > 0 && s[0] == '"' {
		var ok bool
		if s, ok = unquoteBytes(s); !ok {
			return notA("a 0/1 flag", raw)
		}
		s = bytes.TrimSpace(s)
	}
	switch string(s) {
	case "", "null", "0", "false", "0.0":
		*v = false
		return nil
	case "1", "true", "1.0":
		*v = true
		return nil
	}
	if n, err := strconv.ParseInt(string(s), 10, 64); err == nil {
		*v = n != 0
		return nil
	}
	return notA("a 0/1 flag", raw)
}

// String is text that may also arrive as a number, a boolean or null (null
// reads as "").
type String string

// UnmarshalJSON accepts a JSON string, number, boolean or null.
func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull):
		*s = ""
	case b[0] == '"':
		v, ok := jsonscan.Unquote(b)
		if !ok {
			return notA("a string", b)
		}
		*s = String(v)
	case b[0] == '{' || b[0] == '[':
		return notA("a string", b)
	default:
		*s = String(b)
	}
	return nil
}

// Object is a JSON object kept raw. An empty array ([]) or null, which PHP
// writes for an empty object, reads as {}; so does a string holding the JSON
// text of an object, or "[]" (a service that keeps the object in a text
// column answers it that way). Anything else, "" included, is an error.
type Object json.RawMessage

// UnmarshalJSON keeps an object as it is and reads the other forms listed on
// Object.
func (o *Object) UnmarshalJSON(b []byte) error {
	obj, ok := readObject(b)
	if !ok {
		return notA("an object", bytes.TrimSpace(b))
	}
	*o = append((*o)[:0], obj...)
	return nil
}

// readObject returns the object b holds, in one of the forms listed on
// Object, without copying it when it is one already.
func readObject(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull) || jsonscan.IsEmptyArray(b):
		return jsonEmptyObj, true
	case b[0] == '{':
		return b, true
	case b[0] == '"':
		text, ok := jsonscan.Unquote(b)
		if !ok {
			return nil, false
		}
		inner := bytes.TrimSpace([]byte(text))
		if jsonscan.IsEmptyArray(inner) {
			return jsonEmptyObj, true
		}
		if len(inner) == 0 || inner[0] != '{' || !json.Valid(inner) {
			return nil, false
		}
		return inner, true
	}
	return nil, false
}

// MarshalJSON writes the object, or {} if it is empty.
func (o Object) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return jsonEmptyObj, nil
	}
	return o, nil
}

// IsEmpty reports whether the object has no fields.
func (o Object) IsEmpty() bool {
	b := bytes.TrimSpace(o)
	if len(b) < 2 {
		return true
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// Fields splits the object into its fields, each kept as raw JSON.
func (o Object) Fields() (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if o.IsEmpty() {
		return m, nil
	}
	err := json.Unmarshal(o, &m)
	return m, err
}

// MaxObjectFields is the most fields Object.Values reads: a real profile or
// message has a handful, and each field read costs far more memory than its
// bytes in the answer.
const MaxObjectFields = 256

// ErrTooManyFields: Object.Values met an object of more than MaxObjectFields
// fields.
var ErrTooManyFields = errors.New("phpjson: object has more than MaxObjectFields fields")

// Values reads the object's fields as plain Go values, in one pass and
// without building a tree: strings as string, numbers as json.Number (so
// that none loses precision), booleans as bool, null as nil, and arrays and
// objects as json.RawMessage, to unmarshal into types of your own (memory
// then stays within the size of the answer, however the values nest). An
// object of more than MaxObjectFields fields fails with ErrTooManyFields.
func (o Object) Values() (map[string]any, error) {
	m := map[string]any{}
	if o.IsEmpty() {
		return m, nil
	}
	var bad error
	err := jsonscan.ObjectFields(o, func(key, value []byte) bool {
		if len(m) == MaxObjectFields {
			bad = ErrTooManyFields
			return false
		}
		name, ok := jsonscan.Unquote(key)
		if !ok {
			bad = jsonscan.ErrSyntax
			return false
		}
		v, ok := PlainValue(value)
		if !ok {
			bad = jsonscan.ErrSyntax
			return false
		}
		m[name] = v
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// PlainValue reads one JSON value as Object.Values reads each field's:
// string, json.Number, bool, nil, or json.RawMessage (a copy) for an array or
// an object. ok is false when b is not one JSON value.
func PlainValue(b []byte) (v any, ok bool) {
	b = jsonscan.TrimSpace(b)
	if len(b) == 0 {
		return nil, false
	}
	switch c := b[0]; {
	case c == '"':
		s, ok := jsonscan.Unquote(b)
		return s, ok
	case c == 't' && string(b) == "true":
		return true, true
	case c == 'f' && string(b) == "false":
		return false, true
	case c == 'n' && string(b) == "null":
		return nil, true
	case c == '-' || '0' <= c && c <= '9':
		if !json.Valid(b) {
			return nil, false
		}
		return json.Number(b), true
	case c == '[' || c == '{':
		return json.RawMessage(append([]byte(nil), b...)), true
	}
	return nil, false
}

// notA says what a value was instead of what. It names only the kind of JSON
// value, never the value: the value may be a token the service echoed back,
// and a DecodeError already shows a redacted excerpt of the data.
func notA(what string, raw []byte) error {
	kind := "invalid JSON"
	if len(raw) > 0 {
		switch c := raw[0]; {
		case c == '"':
			kind = "a string"
		case c == '{':
			kind = "an object"
		case c == '[':
			kind = "an array"
		case c == 't' || c == 'f':
			kind = "a boolean"
		case c == '-' || '0' <= c && c <= '9':
			kind = "a number"
		}
	}
	return errors.New("phpjson: cannot read " + kind + " as " + what)
}
