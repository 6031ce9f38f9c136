package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTableAlignsWideCharacters(t *testing.T) {
	t.Parallel()
	var tb table
	tb.row("MEMBER", "READ", "MESSAGE")
	tb.row("Bob 鲍勃 (bob)", "read", "好的 👍")
	tb.row("Carol (carol)", "unread", "hi")
	var out bytes.Buffer
	require.NoError(t, tb.print(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	col := func(line, cell string) int {
		i := strings.Index(line, cell)
		require.GreaterOrEqual(t, i, 0, "%q not in %q", cell, line)
		return displayWidth(line[:i])
	}
	want := col(lines[0], "READ")
	assert.Equal(t, want, col(lines[1], "read"))
	assert.Equal(t, want, col(lines[2], "unread"))
	want = col(lines[0], "MESSAGE")
	assert.Equal(t, want, col(lines[1], "好的"))
	assert.Equal(t, want, col(lines[2], "hi"))
	assert.Equal(t, 4, displayWidth("鲍勃"))
	assert.Equal(t, 2, displayWidth("👍"))
	assert.Equal(t, 3, displayWidth("abc"))
	assert.False(t, strings.HasSuffix(lines[1], " "), "no padding after the last column")
}
