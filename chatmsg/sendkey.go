package chatmsg

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// KeyField is the extension field of chat_message_data that carries a
// message's send key in exactly-once sending. The reference allows extra
// fields on every message kind; messages read back have it taken out of
// their data and put in ChatMessage.Key.
const KeyField = "okayapi_send_key"

// newKey returns a random 128-bit send key as 32 hex digits.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// checkKey checks a send key given back to ResumeSend.
func checkKey(key string) error {
	if len(key) != 32 || strings.Trim(strings.ToLower(key), "0123456789abcdef") != "" {
		return &okayapi.InvalidParamError{Field: "key", Rule: "must be a send key: 32 hexadecimal digits"}
	}
	return nil
}

// hasField reports whether the JSON object data has a field name.
func hasField(data []byte, name string) bool {
	// A name written with \u escapes matches too: the names are compared decoded.
	if !bytes.Contains(data, []byte(name)) && !bytes.Contains(data, []byte(`\u`)) {
		return false
	}
	found := false
	_ = phpjson.Fields(data, func(n, _ []byte) bool {
		found = string(n) == name
		return !found
	})
	return found
}

// withKey returns the compact JSON object data with KeyField set to key, as
// its first field.
func withKey(data []byte, key string) []byte {
	out := make([]byte, 0, len(data)+len(KeyField)+len(key)+6)
	out = append(out, `{"`+KeyField+`":"`+key+`"`...)
	if rest := bytes.TrimSpace(data[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, data[1:]...)
}

// takeKey returns obj without its KeyField, and the key it held ("" when
// it has none, or one that is not text).
func takeKey(obj phpjson.Object) (phpjson.Object, string) {
	if !hasField(obj, KeyField) {
		return obj, ""
	}
	var key string
	out := []byte{'{'}
	err := phpjson.Fields(obj, func(name, v []byte) bool {
		if string(name) == KeyField {
			var s phpjson.String
			if s.UnmarshalJSON(v) == nil {
				key = string(s)
				return true
			}
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		q, _ := json.Marshal(string(name))
		out = append(out, q...)
		out = append(out, ':')
		out = append(out, v...)
		return true
	})
	if err != nil || key == "" {
		return obj, ""
	}
	return append(out, '}'), key
}
