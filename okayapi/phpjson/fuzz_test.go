package phpjson_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// FuzzTolerantTypes: whatever the service writes, the tolerant types either
// read it or return an error; they never panic, and an Object they accept
// is a JSON object.
func FuzzTolerantTypes(f *testing.F) {
	for _, seed := range []string{`12`, `"12"`, `" 12 "`, `12.0`, `""`, `null`, `true`, `"1"`, `[]`, `{}`, `{"a":[1]}`, `[1,2]`, `"\u00e9"`, `1e400`, `-0`, `"-9223372036854775808"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n phpjson.Int
		_ = n.UnmarshalJSON(b)
		var v phpjson.Bool
		_ = v.UnmarshalJSON(b)
		var s phpjson.String
		if s.UnmarshalJSON(b) == nil && json.Valid(b) {
			assert.True(t, utf8.ValidString(string(s)) || !utf8.Valid(b), "a string from valid JSON is valid UTF-8")
		}
		var o phpjson.Object
		if o.UnmarshalJSON(b) == nil && json.Valid(b) {
			_, err := o.Fields()
			assert.NoError(t, err, "an accepted object splits into fields")
		}
		var l phpjson.List[phpjson.Int]
		_ = l.UnmarshalJSON(b)
	})
}
