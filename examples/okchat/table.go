package main

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// table lines up columns for a terminal. Unlike text/tabwriter it measures
// cells as a terminal shows them (go-runewidth: East Asian Wide characters
// such as CJK and ⚽, and emoji, take two columns), so Chinese nicknames line
// up.
type table struct {
	rows [][]string
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many terminal columns s takes.
func displayWidth(s string) int { return runewidth.StringWidth(s) }
