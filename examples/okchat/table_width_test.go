package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDisplayWidth: East Asian Wide characters outside the CJK blocks (⚽,
// ⌚, ☕) take two columns, as do CJK characters, full-width forms and
// emoji; combining marks take none.
func TestDisplayWidth(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{
		"abc":     3,
		"⚽":       2,
		"踢球 ⚽":    7,
		"⌚☕":      4,
		"鲍勃":      4,
		"한국어":     6,
		"ＡＢ":      4,
		"👍":       2,
		"e\u0301": 1,
	} {
		assert.Equal(t, want, displayWidth(s), "%q", s)
	}
}

// TestTableAlignsEastAsianWide: a column after a cell holding ⚽ and CJK
// starts where it starts on every other row.
func TestTableAlignsEastAsianWide(t *testing.T) {
	t.Parallel()
	var tb table
	tb.row("MEMBER", "MESSAGE")
	tb.row("⚽ 踢球队", "周末踢球吗？")
	tb.row("Carol", "hi")
	var out bytes.Buffer
	require.NoError(t, tb.print(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	col := func(line, cell string) int {
		i := strings.Index(line, cell)
		require.GreaterOrEqual(t, i, 0, "%q in %q", cell, line)
		return displayWidth(line[:i])
	}
	assert.Equal(t, col(lines[0], "MESSAGE"), col(lines[1], "周末踢球吗？"))
	assert.Equal(t, col(lines[0], "MESSAGE"), col(lines[2], "hi"))
	assert.Equal(t, 11, col(lines[0], "MESSAGE"), "⚽ 踢球队 is 9 columns, plus 2 spaces")
}
