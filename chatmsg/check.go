package chatmsg

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/okayapi-go/sdk/okayapi"
)

// This file holds the checks every outgoing message passes: text is valid
// UTF-8 and not blank, chat_message_data is one JSON object of valid text
// within the size cap.

const dataField = "chat_message_data"

// ruleUTF8 explains why invalid UTF-8 is refused rather than sent:
// encoding/json would silently replace it with U+FFFD (or pass it on raw
// inside raw JSON), and PHP's json_decode refuses it.
const ruleUTF8 = "must be valid UTF-8 text (invalid bytes and unpaired \\u surrogate escapes would be lost or refused on the way)"

// isBlank reports whether s holds nothing a member could see: only Unicode
// white space (unicode.IsSpace, which includes U+3000 ideographic space),
// format characters (category Cf: zero-width spaces and joiners, direction
// marks, U+2060, U+FEFF, U+180E), variation selectors, the combining
// grapheme joiner U+034F, and the blank fillers U+115F, U+1160, U+2800,
// U+3164 and U+FFA0.
func isBlank(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) {
			continue
		}
		switch r {
		case '\u034F', '\u115F', '\u1160', '\u2800', '\u3164', '\uFFA0':
			continue
		}
		return false
	}
	return true
}

// maxDepth is how deeply chat_message_data may nest arrays and objects: PHP's
// json_decode, at its default depth of 512, refuses 512 levels.
const maxDepth = 511

// checkObject checks the bytes a message's Data returned, whatever its type:
// one JSON object, within max bytes once compacted, of valid UTF-8 text. It
// returns the compacted object, which is what is sent and signed.
func checkObject(raw json.RawMessage, max int) (json.RawMessage, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "must be a JSON object", Value: string(b)}
	}
	n, depth := measure(b)
	if n > max {
		return nil, sizeError(n, max)
	}
	if depth > maxDepth {
		return nil, depthError()
	}
	if err := checkObjectText(b); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil { // unreachable: b is valid
		return nil, &okayapi.InvalidParamError{Field: dataField, Rule: "must be a JSON object"}
	}
	return buf.Bytes(), nil
}

// checkDepth checks that valid JSON b nests at most maxDepth levels.
func checkDepth(b []byte) error {
	if _, depth := measure(b); depth > maxDepth {
		return depthError()
	}
	return nil
}

func depthError() error {
	return &okayapi.InvalidParamError{Field: dataField, Rule: "must nest arrays and objects at most 511 levels deep (PHP's json_decode refuses more)"}
}

func sizeError(n, max int) error {
	return &okayapi.InvalidParamError{
		Field: dataField,
		Rule: "must be at most " + strconv.Itoa(max) + " bytes when encoded as JSON (got " + strconv.Itoa(n) +
			"; see WithMaxMessageSize)",
	}
}

// measure returns the length of valid JSON b once compacted (its bytes
// less the white space outside strings) and how deeply it nests arrays and
// objects, in one pass.
func measure(b []byte) (compact, depth int) {
	level, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			if c == '\\' {
				compact++
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '{' || c == '[':
			level++
			depth = max(depth, level)
		case c == '}' || c == ']':
			level--
		}
		compact++
	}
	return compact, depth
}

// validText reports whether valid JSON b is valid text: valid UTF-8, and
// every \u escape of a UTF-16 surrogate part of a pair (Go would decode an
// unpaired one as U+FFFD; PHP's json_decode refuses it).
func validText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	// In valid JSON a backslash appears only inside a string, as an escape.
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if b[i] != 'u' {
			continue // a one-character escape, skipped here
		}
		r := hex4(b[i+1 : i+5])
		i += 4
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return false
			}
			if low := hex4(b[i+3 : i+7]); low < 0xDC00 || low >= 0xE000 {
				return false
			}
			i += 6
		case r >= 0xDC00 && r < 0xE000:
			return false
		}
	}
	return true
}

// hex4 reads the four hex digits of a \u escape (valid JSON guarantees them).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// checkObjectText checks that valid JSON object b is valid text (see
// validText), naming the top-level field that is not.
func checkObjectText(b []byte) error {
	if validText(b) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return &okayapi.InvalidParamError{Field: dataField, Rule: ruleUTF8}
	}
	for dec.More() {
		start := dec.InputOffset()
		key, err := dec.Token()
		if err != nil {
			break
		}
		rawKey := bytes.Trim(b[start:dec.InputOffset()], " \t\r\n,")
		if !validText(rawKey) {
			return &okayapi.InvalidParamError{Field: dataField, Rule: "field names " + ruleUTF8}
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			break
		}
		if !validText(value) {
			name, _ := key.(string)
			return &okayapi.InvalidParamError{Field: dataField + "." + name, Rule: ruleUTF8}
		}
	}
	return &okayapi.InvalidParamError{Field: dataField, Rule: ruleUTF8}
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// badText looks through a Go value, as encoding/json would encode it, for
// text that is not valid UTF-8: strings, map keys and what TextMarshalers
// return, which encoding/json would silently rewrite to U+FFFD. It returns
// the path to the first one found (such as "meta.tags[1]") and true.
//
// What a json.Marshaler returns travels as it is and is checked as JSON
// text afterwards (see checkObjectText), so badText does not look inside it.
// It must only see values that encoding/json marshalled without error: such
// values have no cycles.
func badText(v reflect.Value) (string, bool) {
	if !v.IsValid() {
		return "", false
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", false
		}
		if v.Kind() == reflect.Pointer && v.Type().Implements(jsonMarshaler) {
			return "", false
		}
		v = v.Elem()
	}
	t := v.Type()
	if t.Implements(jsonMarshaler) || v.CanAddr() && reflect.PointerTo(t).Implements(jsonMarshaler) {
		return "", false
	}
	if tm, ok := textMarshalerOf(v); ok {
		out, err := tm.MarshalText()
		return "", err == nil && !utf8.Valid(out)
	}
	switch v.Kind() {
	case reflect.String:
		return "", !utf8.ValidString(v.String())
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(keyName(a), keyName(b)) })
		for _, k := range keys {
			name := keyName(k)
			if k.Kind() == reflect.String && !utf8.ValidString(k.String()) {
				return name, true
			}
			if tm, ok := textMarshalerOf(k); ok {
				if out, err := tm.MarshalText(); err == nil && !utf8.Valid(out) {
					return name, true
				}
			}
			if path, bad := badText(v.MapIndex(k)); bad {
				return joinPath(name, path), true
			}
		}
	case reflect.Slice, reflect.Array:
		// encoding/json sends a []byte as base64, unless a pointer to its
		// element type is a Marshaler: then each element is encoded by it.
		if v.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
			!reflect.PointerTo(t.Elem()).Implements(jsonMarshaler) && !reflect.PointerTo(t.Elem()).Implements(textMarshaler) {
			return "", false // []byte travels as base64
		}
		for i := range v.Len() {
			if path, bad := badText(v.Index(i)); bad {
				return joinPath("["+strconv.Itoa(i)+"]", path), true
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				// Embedded: its fields are the object's own.
				if path, bad := badText(v.Field(i)); bad {
					return path, true
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if path, bad := badText(v.Field(i)); bad {
				return joinPath(name, path), true
			}
		}
	}
	return "", false
}

// textMarshalerOf returns v as an encoding.TextMarshaler if encoding/json
// would use it as one.
func textMarshalerOf(v reflect.Value) (encoding.TextMarshaler, bool) {
	if !v.CanInterface() {
		return nil, false
	}
	if v.Type().Implements(textMarshaler) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil, false
		}
		tm, ok := v.Interface().(encoding.TextMarshaler)
		return tm, ok
	}
	if v.CanAddr() && reflect.PointerTo(v.Type()).Implements(textMarshaler) {
		tm, ok := v.Addr().Interface().(encoding.TextMarshaler)
		return tm, ok
	}
	return nil, false
}

// keyName is a map key as a path element, valid UTF-8.
func keyName(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return strings.ToValidUTF8(k.String(), "\uFFFD")
	}
	if tm, ok := textMarshalerOf(k); ok {
		if out, err := tm.MarshalText(); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	}
	return ""
}

func joinPath(head, tail string) string {
	if tail == "" || tail[0] == '[' {
		return head + tail
	}
	return head + "." + tail
}

// checkRange checks an optional parameter that must lie between 1 and max
// when given (0 means not given, the service's default), and names field in
// the *okayapi.InvalidParamError when it does not.
func checkRange(field string, v, max int) error {
	if v < 0 || v > max {
		return &okayapi.InvalidParamError{Field: field, Rule: "must be between 1 and " + strconv.Itoa(max) + " (0 for the default)", Value: strconv.Itoa(v)}
	}
	return nil
}
