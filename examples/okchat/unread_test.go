package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnread(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "1")
	f.send(t, f.bob, f.alice, "2")
	f.send(t, f.carol, f.alice, "3")
	f.send(t, f.alice, f.carol, "mine, not unread for alice")
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		r := f.run(t, "unread").ok(t)
		assert.Equal(t, "3 unread message(s)\n", r.stdout)
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		doc := f.run(t, "unread", "--json").ok(t).doc(t)
		assert.Equal(t, map[string]any{"unread_num": float64(3)}, doc)
	})
}
