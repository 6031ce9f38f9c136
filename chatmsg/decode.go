package chatmsg

import (
	"encoding/json"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// decodeMessage turns chat_message_type and chat_message_data from the wire
// into the Go type for the kind. Fields beyond a kind's own go to Ext as
// plain Go values (see Text.Ext). A kind this SDK does not know, or data that does
// not fit its kind, becomes Unknown, keeping the data as it arrived.
//
// It also returns the message's send key (package exactlyonce), which it takes out
// of the data, so that no member is shown it.
func decodeMessage(kind string, data phpjson.Lenient[phpjson.Object]) (Message, string) {
	t := kind
	if !data.OK() {
		return Unknown{Kind: t, Raw: data.Raw}, ""
	}
	obj, sendKey := takeKey(data.Value)
	if len(obj) == 0 {
		obj = phpjson.Object("{}")
	}
	raw := json.RawMessage(obj)
	switch t {
	case kindCustom:
		return Custom{Object: raw}, sendKey
	case kindText, kindHTML, kindImage, kindLink:
	default:
		return Unknown{Kind: t, Raw: raw}, sendKey
	}
	key := "content"
	if t == kindImage || t == kindLink {
		key = "url"
	}
	// One pass over the object: the kind's own field, and the rest to Ext
	// (made only when there is one).
	var value string
	var ext map[string]any
	ok := true
	err := phpjson.Fields(obj, func(name, v []byte) bool {
		if string(name) == key {
			var s phpjson.String
			if s.UnmarshalJSON(v) != nil {
				ok = false
				return false
			}
			value = string(s)
			return true
		}
		if ext == nil {
			ext = map[string]any{}
		}
		if len(ext) == phpjson.MaxObjectFields {
			ok = false
			return false
		}
		pv, good := phpjson.PlainValue(v)
		if !good {
			ok = false
			return false
		}
		ext[string(name)] = pv
		return true
	})
	if err != nil || !ok {
		return Unknown{Kind: t, Raw: raw}, sendKey
	}
	switch t {
	case kindText:
		return Text{Content: value, Ext: ext}, sendKey
	case kindHTML:
		return HTML{Content: value, Ext: ext}, sendKey
	case kindImage:
		return Image{URL: value, Ext: ext}, sendKey
	default:
		return Link{URL: value, Ext: ext}, sendKey
	}
}
