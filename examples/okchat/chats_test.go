package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func TestChats(t *testing.T) {
	t.Parallel()
	scene := func(t *testing.T) *fixture {
		f := newFixture(t, okayapitest.WithQuirks(true)) // ages as "31", flags as "1": okchat must type them
		f.send(t, f.alice, f.bob, "hi bob")
		f.send(t, f.bob, f.alice, "hi alice")
		f.send(t, f.carol, f.alice, "hello from carol")
		return f
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		r := f.run(t, "chats").ok(t)
		for _, w := range []string{"Bob (bob)", "Carol (carol)", "hi alice", "hello from carol", "received", "unread", "2 conversation(s)"} {
			assert.Contains(t, r.stdout, w)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f := scene(t)
		doc := f.run(t, "chats", "--json", "--page", "1", "--perpage", "10").ok(t).doc(t)
		assert.Equal(t, float64(2), doc["total"])
		list, ok := doc["list"].([]any)
		require.True(t, ok)
		require.Len(t, list, 2)
		seen := map[string]bool{}
		for _, item := range list {
			c := item.(map[string]any)
			user, ok := c["user"].(map[string]any)
			require.True(t, ok, "user must be an object: %v", c)
			name := user["username"].(string)
			seen[name] = true
			ext, ok := user["ext_info"].(map[string]any)
			require.True(t, ok, "ext_info must be an object: %v", user)
			_, isBool := c["chat_message_is_read"].(bool)
			assert.True(t, isBool, "chat_message_is_read must be a boolean: %v", c)
			assert.Equal(t, "text", c["chat_message_type"])
			assert.Equal(t, "received", c["direction"], "the latest message in both conversations came to alice")
			assert.Equal(t, "out", c["chat_message_io"])
			_, err := time.Parse(time.RFC3339, c["add_time"].(string))
			assert.NoError(t, err)
			switch name {
			case "bob":
				assert.True(t, strings.EqualFold(f.bob.UUID, c["chat_message_to_uuid"].(string)))
				assert.Equal(t, "Bob", ext["nickname"])
				assert.Equal(t, float64(31), ext["age"], "age must be a number")
				assert.Equal(t, map[string]any{"content": "hi alice"}, c["chat_message_data"])
			case "carol":
				assert.True(t, strings.EqualFold(f.carol.UUID, c["chat_message_to_uuid"].(string)))
				assert.Equal(t, "Carol", ext["nickname"])
				assert.Equal(t, float64(25), ext["age"], "age must be a number")
			}
		}
		assert.Equal(t, map[string]bool{"bob": true, "carol": true}, seen)
	})
}

// chats --all walks every page and prints each conversation once.
func TestChatsAll(t *testing.T) {
	t.Parallel()
	scene := func(t *testing.T) (*fixture, []string) {
		f := newFixture(t)
		others := append(f.addMembers(t, 7), f.bob.UUID)
		for i, u := range others {
			_, err := f.chat.Send(t.Context(), f.alice, u, chatmsg.Text{Content: fmt.Sprintf("hello %d", i)})
			require.NoError(t, err)
		}
		return f, others // the newest conversation last
	}
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f, others := scene(t)
		doc := f.run(t, "chats", "--all", "--perpage", "3", "--json").ok(t).doc(t)
		assert.Equal(t, float64(len(others)), doc["total"])
		list, ok := doc["list"].([]any)
		require.True(t, ok, "list must be one array: %v", doc)
		require.Len(t, list, len(others))
		for i, item := range list {
			c := item.(map[string]any)
			k := len(others) - 1 - i // newest first
			assert.True(t, strings.EqualFold(others[k], c["chat_message_to_uuid"].(string)), "conversation %d", i)
			assert.Equal(t, map[string]any{"content": fmt.Sprintf("hello %d", k)}, c["chat_message_data"])
		}
		pages := 0
		for _, r := range f.srv.Requests() {
			if r.Service == chatmsg.ServiceGetAllChatList {
				pages++
			}
		}
		assert.Equal(t, 3, pages, "8 conversations in pages of 3")
	})
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f, others := scene(t)
		r := f.run(t, "chats", "--all", "--perpage", "2").ok(t)
		for i, u := range others {
			assert.Equal(t, 1, strings.Count(r.stdout, u), "%s once", u)
			assert.Contains(t, r.stdout, fmt.Sprintf("hello %d", i))
		}
		assert.Contains(t, r.stdout, "Bob (bob)")
		assert.True(t, strings.HasSuffix(r.stdout, "\n8 conversation(s) in all\n"), r.stdout)
		assert.Equal(t, len(others)+2, strings.Count(r.stdout, "\n"), "a heading, a line per conversation and a summary")
	})
	t.Run("--all with --page is refused", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "chats", "--all", "--page", "2")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "okchat chats: --all reads every page: give --all or --page, not both")
		assert.Empty(t, r.stdout)
		assert.Empty(t, f.srv.Requests())
	})
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		assert.Equal(t, "no conversations\n0 conversation(s) in all\n", f.run(t, "chats", "--all").ok(t).stdout)
		doc := f.run(t, "chats", "--all", "--json").ok(t).doc(t)
		assert.Equal(t, []any{}, doc["list"])
		assert.Equal(t, float64(0), doc["total"])
	})
}
