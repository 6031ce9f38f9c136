package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistory(t *testing.T) {
	t.Parallel()
	scene := func(t *testing.T) *fixture {
		f := newFixture(t)
		f.send(t, f.alice, f.bob, "one")
		f.send(t, f.bob, f.alice, "two")
		f.send(t, f.alice, f.bob, "three")
		f.send(t, f.bob, f.alice, "four")
		f.send(t, f.alice, f.carol, "not in this conversation")
		return f
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		r := f.run(t, "history", "--with", f.bob.UUID).ok(t)
		for _, w := range []string{"one", "two", "three", "four", "sent", "received", "text", "2 unread in this conversation"} {
			assert.Contains(t, r.stdout, w)
		}
		assert.NotContains(t, r.stdout, "not in this conversation")
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		r := runEnv(t, f.env, "--json", "history", "--with", f.bob.UUID)
		r.ok(t)
		doc := r.doc(t)
		assert.Equal(t, float64(2), doc["unread_num"])
		list, ok := doc["list"].([]any)
		require.True(t, ok, "list must be a list: %v", doc)
		require.Len(t, list, 4)
		for _, item := range list {
			m := item.(map[string]any)
			id, ok := m["id"].(float64)
			require.True(t, ok, "id must be a number: %v", m)
			stored := storedByID(t, f.plugin, int64(id))
			assert.True(t, strings.EqualFold(f.bob.UUID, m["chat_message_to_uuid"].(string)), "chat_message_to_uuid is the other member: %v", m)
			assert.Equal(t, "text", m["chat_message_type"])
			data, ok := m["chat_message_data"].(map[string]any)
			require.True(t, ok, "chat_message_data must be an object: %v", m)
			var want map[string]any
			require.NoError(t, json.Unmarshal(stored.Data, &want))
			assert.Equal(t, want, data)
			read, ok := m["chat_message_is_read"].(bool)
			require.True(t, ok, "chat_message_is_read must be a boolean: %v", m)
			assert.Equal(t, stored.Read, read)
			if stored.From == f.alice.UUID {
				assert.Equal(t, "sent", m["direction"])
				assert.Equal(t, "in", m["chat_message_io"])
			} else {
				assert.Equal(t, "received", m["direction"])
				assert.Equal(t, "out", m["chat_message_io"])
			}
			at, err := time.Parse(time.RFC3339, m["add_time"].(string))
			require.NoError(t, err)
			assert.WithinDuration(t, stored.SentAt, at, time.Second)
		}
	})
	t.Run("paging", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		ids := func(r result) []int64 {
			var out []int64
			for _, item := range r.doc(t)["list"].([]any) {
				out = append(out, int64(item.(map[string]any)["id"].(float64)))
			}
			return out
		}
		var conv []int64 // the conversation's ids, oldest first
		for _, m := range f.plugin.Messages() {
			if m.To == f.bob.UUID || m.From == f.bob.UUID {
				conv = append(conv, m.ID)
			}
		}
		require.Len(t, conv, 4)
		newest := ids(f.run(t, "history", "--with", f.bob.UUID, "--perpage", "2", "--json").ok(t))
		assert.ElementsMatch(t, conv[2:], newest)
		older := ids(f.run(t, "history", "--with", f.bob.UUID, "--perpage", "2", "--up", "--last-id", itoa(conv[2]), "--json").ok(t))
		assert.ElementsMatch(t, conv[:2], older)
		newer := ids(f.run(t, "history", "--with", f.bob.UUID, "--last-id", itoa(conv[1]), "--json").ok(t))
		assert.ElementsMatch(t, conv[2:], newer)
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "history", "--with", f.carol.UUID).ok(t)
		assert.Contains(t, r.stdout, "no messages")
		doc := f.run(t, "history", "--with", f.carol.UUID, "--json").ok(t).doc(t)
		assert.Equal(t, []any{}, doc["list"])
		assert.Equal(t, float64(0), doc["unread_num"])
	})
}
