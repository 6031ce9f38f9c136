package jsonscan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzUnquote: for every valid JSON string, Unquote gives what encoding/json
// gives, so reading a token once loses nothing.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"plain"`, `"\u4f60\u597d"`, `"a\/b"`, `"\ud83d\ude00"`, `"\ud83d"`, `"tab\there"`, "\"\xff\"", `"\"\\"`, `"\u2028"`, `"\udc00\ud800"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		var want string
		b := TrimSpace([]byte(q))
		if json.Unmarshal(b, &want) != nil || len(b) == 0 || b[0] != '"' {
			return
		}
		got, ok := Unquote(b)
		require.True(t, ok, "%q", q)
		assert.Equal(t, want, got, "%q", q)
	})
}

// FuzzSkipValue: on valid JSON, SkipValue finds the end of the value and
// ListItems and ObjectFields see what encoding/json sees.
func FuzzSkipValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,"]",{"b":"}"}],"c":null}`, `[1,2,3]`, `"x\"y"`, `-1.5e3`, `true`, `{"0":"a","1":"b"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		if !json.Valid(b) {
			return
		}
		start := SkipSpace(b, 0)
		end, err := SkipValue(b, start)
		require.NoError(t, err)
		assert.Equal(t, len(TrimSpace(b)), end-start)
		var arr []json.RawMessage
		if json.Unmarshal(b, &arr) == nil && TrimSpace(b)[0] == '[' {
			var got []string
			require.NoError(t, ListItems(b, func(item []byte) bool { got = append(got, string(item)); return true }))
			require.Len(t, got, len(arr))
			for i := range arr {
				assert.Equal(t, string(TrimSpace(arr[i])), got[i])
			}
		}
	})
}
