package phpjson

import (
	"encoding/json"
	"strconv"

	"github.com/okayapi-go/sdk/okayapi/internal/jsonscan"
)

// Lenient reads a value as T does, but never fails: what T cannot read
// leaves Value at T's zero value and keeps the value as it arrived in Raw.
// Use it for fields that must not fail a whole answer: a field of a list's
// row (one odd row never hides a page), or an id in the answer to a call
// that has taken effect (a message that was sent).
type Lenient[T any] struct {
	Value T
	// Raw is the value as it arrived when T could not read it; nil when
	// Value holds it, or the field was absent.
	Raw json.RawMessage
}

// UnmarshalJSON reads b into Value, or keeps it in Raw.
func (l *Lenient[T]) UnmarshalJSON(b []byte) error {
	if err := unmarshalInto(b, &l.Value); err != nil {
		var zero T
		l.Value, l.Raw = zero, append(json.RawMessage(nil), b...)
		return nil
	}
	l.Raw = nil
	return nil
}

// OK reports whether Value holds what arrived (or nothing arrived).
func (l Lenient[T]) OK() bool { return l.Raw == nil }

// unmarshalInto decodes b into v, calling v's own UnmarshalJSON directly
// when it has one, so that a token encoding/json has checked already is not
// scanned again.
func unmarshalInto(b []byte, v any) error {
	if u, ok := v.(json.Unmarshaler); ok {
		return u.UnmarshalJSON(b)
	}
	return json.Unmarshal(b, v)
}

// DefaultListMax is how many items a List reads when its Max is 0.
const DefaultListMax = 1000

// List is a list as PHP writes one: a JSON array, null (no items), or an
// object whose values are the items in order (PHP's array with keys that are
// not 0, 1, …).
//
// It reads at most Max items (DefaultListMax when Max is 0): the rest are
// skipped without being decoded, and Truncated is set, so that an answer of
// any size costs memory for no more items than were asked for. Set Max
// before decoding, to the page size the call asked for.
//
// An item that T cannot read (a row that is not an object, say) does not
// fail the list: it stays T's zero value in Items, and Unreadable holds it as
// it arrived, under its index. A value that is not a list at all fails.
type List[T any] struct {
	Max        int                     // at most this many items are read; 0 means DefaultListMax
	Items      []T                     // the items read, in order
	Unreadable map[int]json.RawMessage // items T could not read, by index in Items
	Truncated  bool                    // the list held more than Max items
}

// UnmarshalJSON reads at most Max items of an array, null or object.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	limit := l.Max
	if limit <= 0 {
		limit = DefaultListMax
	}
	l.Items, l.Unreadable, l.Truncated = nil, nil, false
	b = jsonscan.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '[' && b[0] != '{' {
		return notA("a list", b)
	}
	return jsonscan.ListItems(b, func(raw []byte) bool {
		if len(l.Items) == limit {
			l.Truncated = true
			return false
		}
		if l.Items == nil {
			l.Items = make([]T, 0, min(limit, 16))
		}
		var zero T
		l.Items = append(l.Items, zero)
		i := len(l.Items) - 1
		// Decoded in place: no copy of the item, nothing on the heap per item.
		if err := unmarshalInto(raw, &l.Items[i]); err != nil {
			l.Items[i] = zero
			if l.Unreadable == nil {
				l.Unreadable = map[int]json.RawMessage{}
			}
			l.Unreadable[i] = append(json.RawMessage(nil), raw...)
		}
		return true
	})
}

// Fields calls f with each field of the JSON object b, in order, until f
// returns false: the field's name, unescaped, and its value as raw JSON (a
// slice of b). It fails when b is not an object. It lets a plugin's wire type
// read a row in one pass, without reflection: an UnmarshalJSON that switches
// on the name and hands each value to the field's own UnmarshalJSON.
func Fields(b []byte, f func(name, value []byte) bool) error {
	var bad error
	err := jsonscan.ObjectFields(b, func(key, value []byte) bool {
		name, ok := unquoteBytes(key)
		if !ok {
			bad = jsonscan.ErrSyntax
			return false
		}
		return f(name, value)
	})
	if err == nil {
		err = bad
	}
	return err
}

// Profile is a member's profile as OkayAPI writes it in an answer (the user
// of a chat list row, App.User's answers): a username and ext_info, the
// member's extension fields, of which OkayAPI documents nickname,
// yesapi_avatar and age.
//
// It is read leniently and never fails: PHP's false or [] (no such member),
// null, or an ext_info it cannot read give the fields it can read, and zero
// for the rest.
type Profile struct {
	Username string // username
	Nickname string // ext_info.nickname
	Avatar   string // ext_info.yesapi_avatar
	Age      int    // ext_info.age; 0 if absent
	// Ext is all of ext_info, the documented fields included, as plain Go
	// values (see Object.Values); nil when there is none, or when it has more
	// than MaxObjectFields fields.
	Ext map[string]any
}

// UnmarshalJSON reads a profile; it never fails.
func (p *Profile) UnmarshalJSON(b []byte) error {
	*p = Profile{}
	obj, ok := readObject(b)
	if !ok {
		return nil
	}
	var ext Lenient[Object]
	_ = Fields(obj, func(name, value []byte) bool {
		switch string(name) {
		case "username":
			var u Lenient[String]
			_ = u.UnmarshalJSON(value)
			p.Username = string(u.Value)
		case "ext_info":
			_ = ext.UnmarshalJSON(value)
		}
		return true
	})
	if len(ext.Value) == 0 {
		return nil
	}
	values, err := ext.Value.Values()
	if err != nil {
		return nil
	}
	p.Ext = values
	p.Nickname = plainString(values["nickname"])
	p.Avatar = plainString(values["yesapi_avatar"])
	switch v := values["age"].(type) {
	case string:
		if n, ok := readInt([]byte(v)); ok {
			p.Age = int(n)
		}
	case json.Number:
		if n, ok := readInt([]byte(v)); ok {
			p.Age = int(n)
		}
	}
	return nil
}

// plainString is a value from Object.Values as String reads text: strings
// as they are, numbers as written, booleans as "true" or "false", anything
// else as "".
func plainString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
