package chatmsg

import (
	"bytes"
	"encoding/json"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// keyField is the extension field of chat_message_data that carries a
// message's send key in exactly-once sending (package exactlyonce). The
// reference allows extra fields on every message kind; messages read back
// have it taken out of their data and put in ChatMessage.Key. The cassette
// package and the examples' tests spell it out too.
const keyField = "okayapi_send_key"

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

// withKey returns the compact JSON object data with keyField set to key, as
// its first field.
func withKey(data []byte, key string) []byte {
	out := make([]byte, 0, len(data)+len(keyField)+len(key)+6)
	out = append(out, `{"`+keyField+`":"`+key+`"`...)
	if rest := bytes.TrimSpace(data[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, data[1:]...)
}

// takeKey returns obj without its keyField, and the key it held ("" when
// it has none, or one that is not text).
func takeKey(obj phpjson.Object) (phpjson.Object, string) {
	if !hasField(obj, keyField) {
		return obj, ""
	}
	var key string
	out := []byte{'{'}
	err := phpjson.Fields(obj, func(name, v []byte) bool {
		if string(name) == keyField {
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
