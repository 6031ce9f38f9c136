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

// The message kinds the service accepts (chat_message_type).
const (
	kindText   = "text"
	kindHTML   = "html"
	kindImage  = "image"
	kindLink   = "link"
	kindCustom = "custom"
)

// Message is one chat message of any kind: Text, HTML, Image, Link, Custom,
// or, when read back, Unknown for a kind this SDK does not know. Read one
// with a type switch. Only this package's types implement it, and types of
// yours that embed one of them; Custom carries any structure of your own.
//
// Send and MultiSend check a message once, before sending it: its kind's
// own rules, valid UTF-8 text (invalid bytes and unpaired \u surrogate
// escapes would be lost or refused on the way), and chat_message_data as
// sent (one compact JSON object) within the Service's size cap
// (WithMaxMessageSize) and 511 levels of nesting. A refusal is an
// *okayapi.InvalidParamError naming the field and the rule.
type Message interface {
	// kind returns chat_message_type.
	kind() string
	// data returns chat_message_data, checked and compact (not yet
	// measured against the size cap).
	data() ([]byte, error)
}

// Text is a plain text message. Emoji are welcome.
//
// Content must be valid UTF-8 and not blank: not only white space (Unicode's,
// U+3000 included), zero-width and format characters, variation selectors or
// blank fillers (U+2800, U+3164). The service's PHP trim would store such a
// message, and the member would receive one that looks empty.
type Text struct {
	Content string // required: valid UTF-8, not blank
	// Ext holds extension fields beside a kind's own (content or url), here
	// and on HTML, Image and Link. Values must marshal to JSON, with valid
	// UTF-8 keys and strings (else refused, naming chat_message_data.<key>).
	// Read back, values are string, json.Number, bool, nil, or
	// json.RawMessage for arrays and objects (phpjson.Object.Values).
	Ext map[string]any
}

// HTML is a rich text message. Content follows the rules of Text.Content
// (valid UTF-8, not blank after removing white space and invisible
// characters); it is the HTML source and is not parsed, so markup alone,
// such as "<p></p>", is not blank.
type HTML struct {
	Content string         // required: valid UTF-8, not blank: the HTML source
	Ext     map[string]any // optional extension fields (see Text.Ext)
}

// Image is a picture, given by its URL.
type Image struct {
	URL string         // required: an absolute http or https URL
	Ext map[string]any // optional extension fields (see Text.Ext)
}

// Link is a link message.
type Link struct {
	URL string         // required: an absolute http or https URL
	Ext map[string]any // optional extension fields (see Text.Ext)
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
	Kind string          // chat_message_type as the service wrote it
	Raw  json.RawMessage // chat_message_data as it arrived
}

func (Text) kind() string      { return kindText }
func (HTML) kind() string      { return kindHTML }
func (Image) kind() string     { return kindImage }
func (Link) kind() string      { return kindLink }
func (Custom) kind() string    { return kindCustom }
func (u Unknown) kind() string { return u.Kind }

func (m Text) data() ([]byte, error)  { return contentData("content", m.Content, m.Ext) }
func (m HTML) data() ([]byte, error)  { return contentData("content", m.Content, m.Ext) }
func (m Image) data() ([]byte, error) { return urlData(m.URL, m.Ext) }
func (m Link) data() ([]byte, error)  { return urlData(m.URL, m.Ext) }

// data returns the object, compacted. Text that is not valid UTF-8 fails,
// naming the top-level field that holds it.
func (m Custom) data() ([]byte, error) {
	b := bytes.TrimSpace(m.Object)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "custom data must be a JSON object", Value: string(b)}
	}
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	if err := checkObjectText(b); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil { // unreachable: b is valid
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "custom data must be a JSON object", Value: string(b)}
	}
	return buf.Bytes(), nil
}

// data always fails: an Unknown message cannot be sent, as the service takes
// only the five kinds it documents. Raw holds the data as read.
func (u Unknown) data() ([]byte, error) {
	return nil, &okayapi.InvalidParamError{Field: "chat_message_type", Rule: "must be one of text, html, image, link, custom", Value: u.Kind}
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
	if _, err := c.data(); err != nil {
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

// contentData checks a Text's or an HTML's content and returns its
// chat_message_data.
func contentData(key, content string, ext map[string]any) ([]byte, error) {
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

// urlData checks an Image's or a Link's URL and returns its
// chat_message_data.
func urlData(raw string, ext map[string]any) ([]byte, error) {
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
// message always fails the same way. value has been checked (valid UTF-8);
// without extension fields the object is written directly.
func withExt(key, value string, ext map[string]any) ([]byte, error) {
	if len(ext) == 0 {
		b := make([]byte, 0, len(key)+len(value)+8)
		b = append(b, '{', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = appendString(b, value)
		return append(b, '}'), nil
	}
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
	// Raw JSON values (json.Marshaler) travel as they are: check the text
	// and the nesting.
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	if err := checkObjectText(b); err != nil {
		return nil, err
	}
	return b, nil
}

// appendString appends s, valid UTF-8, as a JSON string, escaped as
// encoding/json escapes it with SetEscapeHTML(false).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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

// Preview returns a one-line summary of m of at most max characters (runes),
// ending in "…" when cut: what a chat list or a notification shows. A nil
// message gives "".
func Preview(m Message, max int) string {
	if m == nil || isNilPointer(m) {
		return ""
	}
	if max <= 0 {
		return ""
	}
	s := summary(m)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// summary is Preview's text for m, before it is cut.
func summary(m Message) string {
	switch m := m.(type) {
	case Text:
		return oneLine(m.Content)
	case *Text:
		return oneLine(m.Content)
	case HTML:
		return oneLine(m.Content)
	case *HTML:
		return oneLine(m.Content)
	case Image:
		return oneLine(m.URL)
	case *Image:
		return oneLine(m.URL)
	case Link:
		return oneLine(m.URL)
	case *Link:
		return oneLine(m.URL)
	case Custom:
		return customSummary(m)
	case *Custom:
		return customSummary(*m)
	case Unknown:
		return oneLine("(" + m.Kind + ") " + string(m.Raw))
	case *Unknown:
		return oneLine("(" + m.Kind + ") " + string(m.Raw))
	}
	if s, ok := m.(fmt.Stringer); ok { // a type of yours that embeds a kind
		return oneLine(s.String())
	}
	return oneLine(m.kind())
}

// customSummary is a Custom's object as compact JSON.
func customSummary(m Custom) string {
	var buf bytes.Buffer
	if json.Compact(&buf, m.Object) != nil {
		return oneLine(string(m.Object))
	}
	return buf.String()
}

// oneLine folds runs of white space into one space and trims the ends.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
