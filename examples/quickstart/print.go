package main

import (
	"fmt"
	"io"
	"strings"
)

// previewLen is how many characters of a message the transcript shows.
const previewLen = 48

// pad fills s with spaces to n terminal columns, counting CJK characters
// and emoji as two columns.
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80) {
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}

// possessive returns "your" for "you" and "name's" for any other name.
func possessive(name string) string {
	if name == "you" {
		return "your"
	}
	return name + "'s"
}

// short shows the start of a uuid.
func short(uuid string) string {
	if len(uuid) <= 8 {
		return uuid
	}
	return uuid[:8] + "…"
}

// printer writes the transcript and keeps the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}
