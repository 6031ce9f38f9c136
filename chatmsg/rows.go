package chatmsg

import (
	"bytes"
	"encoding/json"
	"errors"
)

// rows is a list read as okayapi.List reads one (an array, null, or PHP's
// object whose values are the items, in order), except that only its first
// max items are decoded: json.Decoder streams through the list and stops
// there, so the rest is never turned into Go values. Memory for a list of
// any length is thus bounded by max items, not by what the service sent.
//
// Set max before decoding; a max of 0 keeps nothing.
type rows[T any] struct {
	max   int
	items []T
}

// UnmarshalJSON reads at most r.max items. Like okayapi.List, it fails only
// when the value is not a list at all (a string, a number, a boolean); an
// item's own UnmarshalJSON decides how leniently items are read.
func (r *rows[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		r.items = nil
		return nil
	}
	if b[0] != '[' && b[0] != '{' {
		return errNotAList
	}
	keyed := b[0] == '{'
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // [ or {
		return err
	}
	var items []T
	for len(items) < r.max && dec.More() {
		if keyed {
			if _, err := dec.Token(); err != nil { // the key
				return err
			}
		}
		var item T
		if err := dec.Decode(&item); err != nil {
			return err
		}
		items = append(items, item)
	}
	r.items = items
	return nil
}

// errNotAList names only the kind of problem, never the value (it may echo
// a token; a DecodeError already shows a redacted excerpt).
var errNotAList = errors.New("chatmsg: cannot read the value as a list")

// looseRows is rows that never fails to decode, for answers to calls that
// have taken effect (MultiSend): ok says whether the value read as a list.
type looseRows[T any] struct {
	rows[T]
	ok bool
}

// UnmarshalJSON reads the list as rows does; a value that is not a list
// gives no items and ok false.
func (r *looseRows[T]) UnmarshalJSON(b []byte) error {
	if err := r.rows.UnmarshalJSON(b); err != nil {
		r.items, r.ok = nil, false
		return nil
	}
	r.ok = true
	return nil
}
