package chatmsg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/okayapi-go/sdk/okayapi"
)

// Type is a message kind as the service names it (chat_message_type).
type Type string

// The message kinds the service accepts.
const (
	TypeText   Type = "text"
	TypeHTML   Type = "html"
	TypeImage  Type = "image"
	TypeLink   Type = "link"
	TypeCustom Type = "custom"
)

// Ext holds a message's extension fields: any extra keys the service stores
// beside a kind's own field (content or url). Values must marshal to JSON,
// and keys and every string inside the values (map keys and struct fields
// included, as encoding/json encodes them) must be valid UTF-8: a message
// holding invalid text is refused, naming chat_message_data.<key>, rather
// than sent with the bytes replaced by U+FFFD.
// On messages read back from the service, values are what
// phpjson.Object.Values gives: string, json.Number, bool, nil, and
// json.RawMessage for arrays and objects (unmarshal them into types of your
// own), so that a string sent comes back equal to itself and reading a
// message never costs more memory than its bytes. A message with more than
// phpjson.MaxObjectFields fields reads back as Unknown.
type Ext map[string]any

// Message is one chat message of any kind: Text, HTML, Image, Link, Custom,
// or, when read back, Unknown for a kind this SDK does not know. Only this
// package's types implement it, and types of yours that embed one of them;
// Custom carries any structure of your own. Whatever the type, Send and
// MultiSend check what its Data returns before sending: one JSON object of
// valid UTF-8 text, within the size cap (see DefaultMaxMessageSize), sent
// compacted.
type Message interface {
	// Type returns the message's kind.
	Type() Type
	// Data returns the JSON object sent as chat_message_data, after checking
	// the message: an error names the field and the rule it broke.
	Data() (json.RawMessage, error)

	isMessage()
}

func (Text) isMessage()    {}
func (HTML) isMessage()    {}
func (Image) isMessage()   {}
func (Link) isMessage()    {}
func (Custom) isMessage()  {}
func (Unknown) isMessage() {}

// Text is a plain text message. Emoji are welcome.
//
// Content must be valid UTF-8 and must not be blank. Blank means nothing a
// member could see: Unicode white space (unicode.IsSpace, which includes
// U+3000 ideographic space and U+00A0 no-break space), format characters
// (zero-width spaces and joiners, direction marks, U+FEFF), variation
// selectors and blank fillers (U+2800, U+3164). This is deliberately
// stricter than the service, whose PHP trim removes only ASCII white space:
// such a message would be stored, and the member would receive one that
// looks empty.
type Text struct {
	Content string // required: valid UTF-8, not blank
	Ext     Ext    // optional extension fields
}

// HTML is a rich text message. Content follows the rules of Text.Content
// (valid UTF-8, not blank after removing white space and invisible
// characters); it is the HTML source and is not parsed, so markup alone,
// such as "<p></p>", is not blank.
type HTML struct {
	Content string // required: valid UTF-8, not blank: the HTML source
	Ext     Ext    // optional extension fields
}

// Image is a picture, given by its URL.
type Image struct {
	URL string // required: an absolute http or https URL
	Ext Ext    // optional extension fields
}

// Link is a link message.
type Link struct {
	URL string // required: an absolute http or https URL
	Ext Ext    // optional extension fields
}

// Custom is a message of the app's own structure: any JSON object whose
// text is valid UTF-8 (no invalid bytes, no unpaired \u surrogate escapes,
// which PHP's json_decode refuses).
type Custom struct {
	Object json.RawMessage // required: a JSON object of valid UTF-8 text
}

// Unknown is a message read back whose kind this SDK does not know. It is
// kept, not dropped, so that it can be shown or forwarded.
type Unknown struct {
	Kind Type            // chat_message_type as the service wrote it
	Raw  json.RawMessage // chat_message_data as it arrived
}

// Type returns TypeText.
func (Text) Type() Type { return TypeText }

// Type returns TypeHTML.
func (HTML) Type() Type { return TypeHTML }

// Type returns TypeImage.
func (Image) Type() Type { return TypeImage }

// Type returns TypeLink.
func (Link) Type() Type { return TypeLink }

// Type returns TypeCustom.
func (Custom) Type() Type { return TypeCustom }

// Type returns the kind the service named.
func (u Unknown) Type() Type { return u.Kind }

// Data returns {"content": ..., ext...}.
func (m Text) Data() (json.RawMessage, error) { return contentData("content", m.Content, m.Ext) }

// Data returns {"content": ..., ext...}.
func (m HTML) Data() (json.RawMessage, error) { return contentData("content", m.Content, m.Ext) }

// Data returns {"url": ..., ext...}.
func (m Image) Data() (json.RawMessage, error) { return urlData(m.URL, m.Ext) }

// Data returns {"url": ..., ext...}.
func (m Link) Data() (json.RawMessage, error) { return urlData(m.URL, m.Ext) }

// Data returns the object, compacted. Text that is not valid UTF-8 fails,
// naming the top-level field that holds it.
func (m Custom) Data() (json.RawMessage, error) {
	b := bytes.TrimSpace(m.Object)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "custom data must be a JSON object", Value: string(b)}
	}
	if err := checkObjectText(b); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "custom data must be a JSON object", Value: string(b)}
	}
	return buf.Bytes(), nil
}

// Data always fails: an Unknown message cannot be sent, as the service takes
// only the five kinds it documents. Raw holds the data as read.
func (u Unknown) Data() (json.RawMessage, error) {
	return nil, &okayapi.InvalidParamError{Field: "chat_message_type", Rule: "must be one of text, html, image, link, custom", Value: string(u.Kind)}
}

// NewCustom marshals v (a struct or map that encodes as a JSON object) into a
// Custom message. Like the other kinds, it leaves <, > and & unescaped. A
// string in v that is not valid UTF-8 fails, naming the top-level field,
// where encoding/json would replace its bytes with U+FFFD.
func NewCustom(v any) (Custom, error) {
	b, err := marshalNoEscape(v)
	if err != nil {
		return Custom{}, &okayapi.InvalidParamError{Field: dataField, Rule: "custom data must marshal to JSON: " + err.Error()}
	}
	if path, bad := badText(reflect.ValueOf(v)); bad {
		field := dataField
		if top := topName(path); top != "" {
			field += "." + top
		}
		return Custom{}, &okayapi.InvalidParamError{Field: field, Rule: ruleUTF8 + "; the text at " + path + " is not"}
	}
	c := Custom{Object: b}
	if _, err := c.Data(); err != nil {
		return Custom{}, err
	}
	return c, nil
}

// Decode unmarshals a Custom message's object into v.
func (m Custom) Decode(v any) error { return json.Unmarshal(m.Object, v) }

// topName is the first element of a badText path: the top-level field.
func topName(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func contentData(key, content string, ext Ext) (json.RawMessage, error) {
	if !utf8.ValidString(content) {
		return nil, &okayapi.InvalidParamError{Field: dataField + "." + key, Rule: ruleUTF8}
	}
	if isBlank(content) {
		return nil, &okayapi.InvalidParamError{
			Field: dataField + "." + key,
			Rule:  "is required and must not be blank (nothing but white space and invisible characters)",
		}
	}
	return withExt(key, content, ext)
}

func urlData(raw string, ext Ext) (json.RawMessage, error) {
	if raw == "" {
		return nil, &okayapi.InvalidParamError{Field: "chat_message_data.url", Rule: "is required"}
	}
	if !utf8.ValidString(raw) {
		return nil, &okayapi.InvalidParamError{Field: "chat_message_data.url", Rule: ruleUTF8}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\r\n") {
		return nil, &okayapi.InvalidParamError{Field: "chat_message_data.url", Rule: "must be an absolute http or https URL", Value: raw}
	}
	return withExt("url", raw, ext)
}

// withExt writes {key: value} followed by the extension fields, in sorted
// key order (encoding/json sorts map keys), so the same message always gives
// the same bytes. Keys are checked in that order too, so that the same
// message always fails the same way.
func withExt(key, value string, ext Ext) (json.RawMessage, error) {
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	obj := make(map[string]any, len(ext)+1)
	for _, k := range keys {
		if k == key {
			return nil, &okayapi.InvalidParamError{Field: "chat_message_data." + k, Rule: "extension field must not replace the message's own " + key}
		}
		if k == "" {
			return nil, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "extension field names must not be empty"}
		}
		if !utf8.ValidString(k) {
			return nil, &okayapi.InvalidParamError{Field: dataField + "." + strings.ToValidUTF8(k, "\uFFFD"), Rule: "extension field names " + ruleUTF8}
		}
		obj[k] = ext[k]
	}
	obj[key] = value
	b, err := marshalNoEscape(obj)
	if err != nil {
		return nil, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "extension fields must marshal to JSON: " + err.Error()}
	}
	// Only now, as encoding/json found no cycle: look for text it rewrote.
	for _, k := range keys {
		if path, bad := badText(reflect.ValueOf(ext[k])); bad {
			rule := ruleUTF8
			if path != "" {
				rule += "; the text at " + path + " is not"
			}
			return nil, &okayapi.InvalidParamError{Field: dataField + "." + k, Rule: rule}
		}
	}
	// Raw JSON values (json.Marshaler) travel as they are: check the text.
	if err := checkObjectText(b); err != nil {
		return nil, err
	}
	return b, nil
}

// marshalNoEscape marshals v without escaping <, > and &, so that HTML
// content travels (and is signed) as written.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// String returns the text, on one line (runs of white space folded).
func (m Text) String() string { return oneLine(m.Content) }

// String returns the HTML source, on one line.
func (m HTML) String() string { return oneLine(m.Content) }

// String returns the picture's URL.
func (m Image) String() string { return oneLine(m.URL) }

// String returns the URL.
func (m Link) String() string { return oneLine(m.URL) }

// String returns the object as compact JSON.
func (m Custom) String() string {
	var buf bytes.Buffer
	if json.Compact(&buf, m.Object) != nil {
		return oneLine(string(m.Object))
	}
	return buf.String()
}

// String returns the kind and the data as they arrived, on one line.
func (u Unknown) String() string {
	return oneLine("(" + string(u.Kind) + ") " + string(u.Raw))
}

// Preview returns a one-line summary of m of at most max characters (runes),
// ending in "…" when cut: what a chat list or a notification shows. A nil
// message gives "".
func Preview(m Message, max int) string {
	if m == nil || isNilPointer(m) {
		return ""
	}
	var s string
	if str, ok := m.(fmt.Stringer); ok {
		s = str.String()
	} else {
		s = oneLine(string(m.Type()))
	}
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// oneLine folds runs of white space into one space and trims the ends.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
