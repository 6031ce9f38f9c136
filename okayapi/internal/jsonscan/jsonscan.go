// Package jsonscan reads JSON that encoding/json has already checked (a
// value handed to UnmarshalJSON) or that is checked as it is read. It lets
// okayapi and phpjson read a token once, without a second json.Unmarshal.
package jsonscan

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrSyntax: the input is not well-formed JSON.
var ErrSyntax = errors.New("okayapi: malformed JSON")

// SkipSpace returns the index of the first non-space byte of b at or after i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// SkipValue returns the index just past the JSON value that starts at b[i]
// (no leading space). It checks the structure (brackets, strings, the shape
// of literals and numbers) but not every rule of JSON: values it accepts are
// checked in full when decoded.
func SkipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, ErrSyntax
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, ErrSyntax
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
				return i + len(lit), nil
			}
		}
		return 0, ErrSyntax
	case c == '-' || '0' <= c && c <= '9':
		j := i + 1
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
			j++
		}
		return j, nil
	}
	return 0, ErrSyntax
}

// skipString returns the index just past the string that starts at b[i].
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, ErrSyntax
}

// ObjectFields calls f with each key (still quoted) and value of the JSON
// object b, in order, until f returns false.
func ObjectFields(b []byte, f func(key, value []byte) bool) error {
	_, err := ObjectEnd(b, f)
	return err
}

// ObjectEnd is ObjectFields that also returns the index just past the
// object (when f never stopped it).
func ObjectEnd(b []byte, f func(key, value []byte) bool) (int, error) {
	i := SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, ErrSyntax
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, ErrSyntax
		}
		kend, err := skipString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i:kend]
		i = SkipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return 0, ErrSyntax
		}
		i = SkipSpace(b, i+1)
		vend, err := SkipValue(b, i)
		if err != nil {
			return 0, err
		}
		if !f(key, b[i:vend]) {
			return vend, nil
		}
		i = SkipSpace(b, vend)
		if i >= len(b) {
			return 0, ErrSyntax
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, ErrSyntax
		}
		i = SkipSpace(b, i+1)
	}
}

// ListItems calls f with each item of the JSON array b, or each value of the
// JSON object b (PHP's array with non-sequential keys), in order, until f
// returns false.
func ListItems(b []byte, f func(item []byte) bool) error {
	i := SkipSpace(b, 0)
	if i < len(b) && b[i] == '{' {
		return ObjectFields(b, func(_, v []byte) bool { return f(v) })
	}
	if i >= len(b) || b[i] != '[' {
		return ErrSyntax
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for {
		end, err := SkipValue(b, i)
		if err != nil {
			return err
		}
		if !f(b[i:end]) {
			return nil
		}
		i = SkipSpace(b, end)
		if i >= len(b) {
			return ErrSyntax
		}
		if b[i] == ']' {
			return nil
		}
		if b[i] != ',' {
			return ErrSyntax
		}
		i = SkipSpace(b, i+1)
	}
}

// Unquote returns the text of the JSON string q (with its quotes). Without
// escapes it is a slice of q; with them (PHP escapes every non-ASCII
// character as \uXXXX) it is decoded here, as encoding/json would: invalid
// UTF-8 and lone surrogates become U+FFFD.
func Unquote(q []byte) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	s := q[1 : len(q)-1]
	plain := true
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(s), true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch s[i+1] {
			case '"', '\\', '/':
				out = append(out, s[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok2 := hex4(s, i+2); ok2 && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c == '"' || c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // RuneError for an invalid byte, as encoding/json does
			i += size
		}
	}
	return string(out), true
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// TrimSpace returns b without the JSON white space around it.
func TrimSpace(b []byte) []byte {
	i := SkipSpace(b, 0)
	j := len(b)
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\n' || b[j-1] == '\r') {
		j--
	}
	return b[i:j]
}

// IsEmptyArray reports whether b is [] (with any white space inside).
func IsEmptyArray(b []byte) bool {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}
