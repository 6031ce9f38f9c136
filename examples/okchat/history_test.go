package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
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

// Done means: history --all on a 250-message conversation prints the 250
// messages, each once, oldest first.
func TestHistoryAll(t *testing.T) {
	t.Parallel()
	const n = 250
	scene := func(t *testing.T) (*fixture, []int64) {
		f := newFixture(t)
		for i := range n {
			from, to := f.alice, f.bob
			if i%2 == 1 {
				from, to = f.bob, f.alice
			}
			f.send(t, from, to, fmt.Sprintf("msg-%03d", i))
			if i == 100 {
				f.send(t, f.alice, f.carol, "not in this conversation")
			}
		}
		var conv []int64 // the conversation's ids, oldest first
		for _, m := range f.plugin.Messages() {
			if m.To == f.bob.UUID || m.From == f.bob.UUID {
				conv = append(conv, m.ID)
			}
		}
		require.Len(t, conv, n)
		return f, conv
	}
	ids := func(t *testing.T, doc map[string]any) []int64 {
		list, ok := doc["list"].([]any)
		require.True(t, ok, "list must be one array: %v", doc)
		out := make([]int64, len(list))
		for i, item := range list {
			out[i] = int64(item.(map[string]any)["id"].(float64))
		}
		return out
	}
	takes := func(f *fixture) int {
		k := 0
		for _, r := range f.srv.Requests() {
			if r.Service == chatmsg.ServiceTakeMessageList {
				k++
			}
		}
		return k
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f, conv := scene(t)
		r := f.run(t, "history", "--all", "--with", f.bob.UUID).ok(t)
		for i := range n {
			assert.Equal(t, 1, strings.Count(r.stdout, fmt.Sprintf("msg-%03d", i)), "msg-%03d once", i)
		}
		assert.NotContains(t, r.stdout, "not in this conversation")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		require.Len(t, lines, n+2, "a heading, a line per message and a summary")
		assert.True(t, strings.HasPrefix(lines[0], "ID "), lines[0])
		for i, line := range lines[1 : n+1] {
			assert.True(t, strings.HasPrefix(line, "#"+itoa(conv[i])+" "), "oldest first: line %d: %s", i+1, line)
			assert.Contains(t, line, fmt.Sprintf("msg-%03d", i))
		}
		assert.Equal(t, "250 message(s), 125 unread", lines[n+1])
		assert.Equal(t, 3, takes(f), "pages of 100: 100, 100, 50")
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f, conv := scene(t)
		doc := f.run(t, "--json", "history", "--with", f.bob.UUID, "--all", "--perpage", "7").ok(t).doc(t)
		assert.Equal(t, conv, ids(t, doc), "every message once, oldest first")
		assert.Equal(t, float64(125), doc["unread_num"], "bob's unread messages to alice")
		for i, item := range doc["list"].([]any) {
			m := item.(map[string]any)
			assert.Equal(t, map[string]any{"content": fmt.Sprintf("msg-%03d", i)}, m["chat_message_data"])
		}
		assert.Equal(t, 36, takes(f), "250 messages in pages of 7, and the short last one")
	})
	t.Run("--all --last-id N: all after N", func(t *testing.T) {
		t.Parallel()
		f, conv := scene(t)
		doc := f.run(t, "history", "--json", "--with", f.bob.UUID, "--all", "--last-id", itoa(conv[99]), "--perpage", "30").ok(t).doc(t)
		assert.Equal(t, conv[100:], ids(t, doc))
	})
	t.Run("--all --up --last-id N: all before N", func(t *testing.T) {
		t.Parallel()
		f, conv := scene(t)
		doc := f.run(t, "history", "--json", "--with", f.bob.UUID, "--all", "--up", "--last-id", itoa(conv[150]), "--perpage", "40").ok(t).doc(t)
		assert.Equal(t, conv[:150], ids(t, doc))
	})
	t.Run("--all --up from the newest: the whole conversation", func(t *testing.T) {
		t.Parallel()
		f, conv := scene(t)
		doc := f.run(t, "history", "--json", "--with", f.bob.UUID, "--all", "--up").ok(t).doc(t)
		assert.Equal(t, conv, ids(t, doc))
	})
}

func TestHistoryAllEdges(t *testing.T) {
	t.Parallel()
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "history", "--all", "--with", f.carol.UUID).ok(t)
		assert.Equal(t, "no messages\n0 message(s), 0 unread\n", r.stdout)
		doc := f.run(t, "history", "--all", "--with", f.carol.UUID, "--json").ok(t).doc(t)
		assert.Equal(t, []any{}, doc["list"])
		assert.Equal(t, float64(0), doc["unread_num"])
	})
	t.Run("a failure midway prints nothing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		for i := range 5 {
			f.send(t, f.bob, f.alice, fmt.Sprintf("m%d", i))
		}
		f.plugin.SetInstalled(false)
		r := f.run(t, "history", "--all", "--with", f.bob.UUID, "--json")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "err_code 9")
	})
	t.Run("bad options: nothing sent", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		for args, want := range map[string]string{
			"--perpage 101": "invalid --perpage: must be between 1 and 100",
			"--last-id -3":  "invalid --last-id (last_id): must be 0 or more",
			"--last-id x":   "invalid value \"x\" for --last-id: must be a whole number",
		} {
			r := f.run(t, append([]string{"history", "--all", "--with", f.bob.UUID}, strings.Fields(args)...)...)
			assert.Equal(t, 2, r.code, "%s: %s", args, r.stderr)
			assert.Contains(t, r.stderr, want, args)
			assert.NotRegexp(t, goIdentifier, r.stderr)
			assert.Empty(t, r.stdout)
		}
		assert.Empty(t, f.srv.Requests())
	})
}
