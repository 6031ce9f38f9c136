// Package redact is the one rule, shared by the SDK's errors and the
// cassette's recordings, for hiding secrets in text that is kept or shown.
//
// A secret of MinLen bytes or more is hidden wherever it appears in one of
// the forms a service may write it (as sent, URL-escaped, JSON-escaped as PHP
// and Go write it, with or without escaped slashes and non-ASCII), in any
// ASCII letter case; and so is any run of MinRun or more bytes of one of
// those forms (a truncated or partly echoed secret). A whole occurrence is
// replaced by its secret's placeholder (the longest secret wins where two
// overlap); what is left of a run by the partial mark.
//
// TokenLike hides what no list of known secrets can: a token the answer
// hands out, when the answer cannot be read to find it.
package redact

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// MinLen is the shortest secret that is hidden: shorter ones would
	// mangle ordinary text, and no real token, secret or signature is that
	// short.
	MinLen = 8
	// MinRun is the shortest run of a secret's characters hidden on its
	// own.
	MinRun = 16
	// Mark replaces a secret when no placeholder is given.
	Mark = "<redacted>"
)

// Secret is a value to hide and what replaces a whole occurrence of it ("":
// the set's partial mark).
type Secret struct {
	Value       string
	Placeholder string
}

type whole struct {
	form        string // lower case
	placeholder string
}

// Set hides a list of secrets. The zero Set, and a nil one, hide nothing.
type Set struct {
	wholes  []whole             // every form, lower case, longest first
	runs    map[string]struct{} // every MinRun-byte window of a long form, lower case
	partial string
}

// New returns the set that hides secrets; partial replaces what is hidden
// of a secret that is not there whole ("": Mark).
func New(partial string, secrets ...Secret) *Set {
	if partial == "" {
		partial = Mark
	}
	s := &Set{partial: partial}
	seen := map[string]bool{}
	for _, sec := range secrets {
		if len(sec.Value) < MinLen {
			continue
		}
		ph := sec.Placeholder
		if ph == "" {
			ph = partial
		}
		for _, form := range Forms(sec.Value) {
			form = Lower(form)
			if !seen[form] {
				seen[form] = true
				s.wholes = append(s.wholes, whole{form, ph})
			}
			if len(form) < MinRun {
				continue
			}
			if s.runs == nil {
				s.runs = make(map[string]struct{})
			}
			for i := 0; i+MinRun <= len(form); i++ {
				s.runs[form[i:i+MinRun]] = struct{}{}
			}
		}
	}
	// Longest first: the longer of two overlapping secrets wins.
	slices.SortStableFunc(s.wholes, func(a, b whole) int { return len(b.form) - len(a.form) })
	return s
}

// Strings is New with the values alone, each replaced by Mark.
func Strings(values ...string) *Set {
	secs := make([]Secret, len(values))
	for i, v := range values {
		secs[i] = Secret{Value: v}
	}
	return New("", secs...)
}

// Empty reports whether s hides nothing.
func (s *Set) Empty() bool { return s == nil || len(s.wholes) == 0 }

// Forms lists the ways v may be written in an answer or a request: as is,
// URL-escaped (query and path), and inside a JSON string as PHP's
// json_encode writes it (slashes escaped, non-ASCII as \uXXXX unless
// JSON_UNESCAPED_UNICODE) and as Go's encoding/json does (<, > and &
// escaped), or with only quotes and backslashes escaped.
func Forms(v string) []string {
	fs := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	for _, slash := range []bool{false, true} {
		for _, ascii := range []bool{false, true} {
			for _, html := range []bool{false, true} {
				fs = append(fs, jsonEscape(v, slash, ascii, html))
			}
		}
	}
	slices.Sort(fs)
	return slices.Compact(fs)
}

// jsonEscape writes v as inside a JSON string: with / as \/ when slash,
// every non-ASCII character as \uXXXX (surrogate pairs beyond the BMP) when
// ascii, and <, > and & as \u003c… when html.
func jsonEscape(v string, slash, ascii, html bool) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '/' && slash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20, html && (r == '<' || r == '>' || r == '&'), r == 0x2028 || r == 0x2029:
			writeU(&b, r)
		case ascii && r >= 0x80:
			if r > 0xFFFF {
				r -= 0x10000
				writeU(&b, 0xD800+(r>>10))
				writeU(&b, 0xDC00+(r&0x3FF))
			} else {
				writeU(&b, r)
			}
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	s := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(s)))
	b.WriteString(s)
}

// span is a byte range to replace, and what replaces it.
type span struct {
	start, end int
	with       string
}

// spans returns what to replace in text, sorted, not overlapping.
func (s *Set) spans(text string) []span {
	if s.Empty() {
		return nil
	}
	lt := Lower(text)
	// Whole occurrences, longest first; one that overlaps a longer one
	// already taken is left to the runs below.
	var out []span
	for _, w := range s.wholes {
		for off := 0; ; {
			j := strings.Index(lt[off:], w.form)
			if j < 0 {
				break
			}
			sp := span{off + j, off + j + len(w.form), w.placeholder}
			if !overlaps(out, sp) {
				out = append(out, sp)
			}
			off += j + 1
		}
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	// Runs: every byte inside a window of a secret's form, merged, less
	// what a whole occurrence covers.
	var runs [][2]int
	for i := 0; i+MinRun <= len(lt) && s.runs != nil; i++ {
		if _, ok := s.runs[lt[i:i+MinRun]]; !ok {
			continue
		}
		if n := len(runs); n > 0 && i <= runs[n-1][1] {
			runs[n-1][1] = i + MinRun
		} else {
			runs = append(runs, [2]int{i, i + MinRun})
		}
	}
	var parts []span
	for _, r := range runs {
		start := r[0]
		for _, w := range out {
			if w.end <= start || w.start >= r[1] {
				continue
			}
			if w.start > start {
				parts = append(parts, span{start, w.start, s.partial})
			}
			start = max(start, w.end)
		}
		if start < r[1] {
			parts = append(parts, span{start, r[1], s.partial})
		}
	}
	if len(parts) > 0 {
		out = append(out, parts...)
		slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	}
	return out
}

func overlaps(taken []span, sp span) bool {
	for _, t := range taken {
		if sp.start < t.end && t.start < sp.end {
			return true
		}
	}
	return false
}

// String returns text with every secret hidden.
func (s *Set) String(text string) string {
	return replace(text, s.spans(text))
}

// Bytes is String for a body; it returns b itself when nothing is hidden.
func (s *Set) Bytes(b []byte) []byte {
	sp := s.spans(string(b))
	if sp == nil {
		return b
	}
	return []byte(replace(string(b), sp))
}

// Contains reports whether text holds anything s hides.
func (s *Set) Contains(text string) bool { return len(s.spans(text)) > 0 }

func replace(text string, spans []span) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	prev := 0
	for _, sp := range spans {
		b.WriteString(text[prev:sp.start])
		b.WriteString(sp.with)
		prev = sp.end
	}
	b.WriteString(text[prev:])
	return b.String()
}

// MinTokenRun is the shortest run of ASCII letters and digits that
// TokenLike hides.
const MinTokenRun = 16

// TokenLike returns text with every run of MinTokenRun or more ASCII letters
// and digits replaced by mark: what an answer that could not be read may
// hold of a token it hands out (whole, truncated, or split across fields;
// an OkayAPI token is 64 hexadecimal digits). It hides, too, any long word
// or identifier; words with other characters between them (spaces,
// underscores, slashes) are kept.
func TokenLike(text, mark string) string {
	var b strings.Builder
	prev, run := 0, -1
	flush := func(end int) {
		if run >= 0 && end-run >= MinTokenRun {
			if b.Cap() == 0 {
				b.Grow(len(text))
			}
			b.WriteString(text[prev:run])
			b.WriteString(mark)
			prev = end
		}
		run = -1
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			if run < 0 {
				run = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	if prev == 0 {
		return text
	}
	b.WriteString(text[prev:])
	return b.String()
}

// Lower returns s in lower case, each rune lowered only where its lower
// case has as many bytes, so that byte offsets into s and into Lower(s)
// agree (Ä and ä do; the Kelvin sign and k do not).
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			return lowerFrom(s, i)
		}
	}
	return s
}

func lowerFrom(s string, i int) string {
	b := []byte(s)
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				b[i] += 'a' - 'A'
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if l := unicode.ToLower(r); l != r && r != utf8.RuneError && utf8.RuneLen(l) == size {
			utf8.EncodeRune(b[i:], l)
		}
		i += size
	}
	return string(b)
}
