package okayapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// The types below decode the JSON habits of a PHP and MySQL service: numbers
// written as strings, booleans as 0/1, empty objects as [], and null. Plugin
// packages use them in their wire structs and hand callers plain Go types.

var (
	jsonNull     = []byte("null")
	jsonEmptyObj = []byte("{}")
)

// Int is an integer that may arrive as a number (12, 12.0), a string ("12",
// " 12 "), an empty string, false/true or null (the last three read as 0 or 1).
type Int int64

// UnmarshalJSON accepts the forms listed on Int.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	raw := b
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull) || string(b) == `""` || string(b) == "false":
		*n = 0
		return nil
	case string(b) == "true":
		*n = 1
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = bytes.TrimSpace([]byte(s))
		if len(b) == 0 {
			*n = 0
			return nil
		}
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*n = Int(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return notA("an integer", raw)
	}
	*n = Int(f)
	return nil
}

// Bool is a flag that may arrive as true/false, 0/1, "0"/"1", "true"/"false",
// "" or null (the last two read as false).
type Bool bool

// UnmarshalJSON accepts the forms listed on Bool.
func (v *Bool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	raw := b
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = bytes.TrimSpace([]byte(s))
	}
	switch string(b) {
	case "", "null", "0", "false", "0.0":
		*v = false
	case "1", "true", "1.0":
		*v = true
	default:
		return notA("a 0/1 flag", raw)
	}
	return nil
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
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
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
// writes for an empty object, reads as {}. Any other array is an error.
type Object json.RawMessage

// UnmarshalJSON keeps an object as it is and turns [] or null into {}.
func (o *Object) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull) || isEmptyArray(b):
		*o = append((*o)[:0], jsonEmptyObj...)
	case b[0] == '{':
		*o = append((*o)[:0], b...)
	default:
		return notA("an object", b)
	}
	return nil
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

// List is a JSON array that may also arrive as null, or as an object (PHP
// writes an array with non-sequential keys as one); an object's values are
// taken in order.
type List[T any] []T

// UnmarshalJSON accepts an array, null, or an object whose values are the items.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull):
		*l = nil
		return nil
	case b[0] == '[':
		var items []T
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		*l = items
		return nil
	case b[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil {
			return err
		}
		var items []T
		for dec.More() {
			if _, err := dec.Token(); err != nil { // the key
				return err
			}
			var item T
			if err := dec.Decode(&item); err != nil {
				return err
			}
			items = append(items, item)
		}
		*l = items
		return nil
	}
	return notA("a list", b)
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
	return errors.New("okayapi: cannot read " + kind + " as " + what)
}

func isEmptyArray(b []byte) bool {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}
