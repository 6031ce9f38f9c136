package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRead(t *testing.T) {
	t.Parallel()
	scene := func(t *testing.T) *fixture {
		f := newFixture(t)
		for _, s := range []string{"a", "b", "c"} {
			f.send(t, f.bob, f.alice, s)
		}
		return f
	}
	unread := func(f *fixture) int {
		n := 0
		for _, m := range f.plugin.Messages() {
			if !m.Read {
				n++
			}
		}
		return n
	}
	t.Run("one then all, json", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		first := f.plugin.Messages()[0].ID
		doc := f.run(t, "read", "--with", f.bob.UUID, "--id", itoa(first), "--json").ok(t).doc(t)
		assert.Equal(t, map[string]any{"readed_num": float64(1)}, doc)
		assert.True(t, storedByID(t, f.plugin, first).Read)
		assert.Equal(t, 2, unread(f))
		doc = f.run(t, "--json", "read", "--with", f.bob.UUID).ok(t).doc(t)
		assert.Equal(t, map[string]any{"readed_num": float64(2)}, doc)
		assert.Equal(t, 0, unread(f))
	})
	t.Run("all, plain", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		r := f.run(t, "read", "--with", f.bob.UUID).ok(t)
		assert.Equal(t, "marked 3 message(s) as read\n", r.stdout)
		assert.Equal(t, 0, unread(f))
	})
}
