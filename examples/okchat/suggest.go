package main

import (
	"strconv"
	"strings"
)

// closest returns the candidate nearest to typed, as gh and stripe suggest a
// command: within two edits (one for a word of three letters or fewer; a
// swap of neighbours counts as one), or one that typed begins; "" if none is
// near.
func closest(typed string, candidates []string) string {
	typed = strings.ToLower(typed)
	limit := 2
	if len([]rune(typed)) <= 3 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		d := editDistance(typed, c)
		if d > limit && len(typed) >= 2 && strings.HasPrefix(c, typed) {
			d = limit
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// unknownCommand says that name is no command, suggesting the closest one.
func unknownCommand(name string) string {
	names := []string{"help", "version"}
	for _, c := range commands {
		names = append(names, c.name)
	}
	s := "unknown command " + strconv.Quote(name)
	if near := closest(name, names); near != "" {
		s += "; did you mean " + near + "?"
	}
	return s
}
