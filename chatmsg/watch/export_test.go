package watch

import (
	"encoding/json"
	"time"
)

// SetSettle sets how long after a row is first seen a read settles it (2 s
// otherwise), below 1 s too, so that tests need not wait seconds.
func SetSettle(o *Options, d time.Duration) { o.settle = d }

// Cursor and ChatCursor are what a Store keeps, as JSON, for the tests to
// read and write.
type (
	Cursor     = cursor
	ChatCursor = chatCursor
)

// EncodeCursor is c as a Store keeps it.
func EncodeCursor(c Cursor) []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeCursor reads what a Store keeps.
func DecodeCursor(b []byte) (Cursor, error) {
	var c Cursor
	err := json.Unmarshal(b, &c)
	return c, err
}
