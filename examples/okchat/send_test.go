package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSend(t *testing.T) {
	t.Parallel()
	cases := []struct {
		flag, value string
		kind        string
		data        string
	}{
		{"--text", "我 ❤ ⚽ hello", "text", `{"content":"我 ❤ ⚽ hello"}`},
		{"--html", "<b>bold</b> & more", "html", `{"content":"<b>bold</b> & more"}`},
		{"--image", "https://example.com/a.png", "image", `{"url":"https://example.com/a.png"}`},
		{"--link", "https://example.com/x?a=1&b=2", "link", `{"url":"https://example.com/x?a=1&b=2"}`},
		{"--custom", `{"order_id": 42, "paid": true}`, "custom", `{"order_id":42,"paid":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.kind+"/plain", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := f.run(t, "send", "--to", f.bob.UUID, tc.flag, tc.value).ok(t)
			assert.Contains(t, r.stdout, "sent "+tc.kind+" message")
			assert.Contains(t, r.stdout, f.bob.UUID)
			msgs := f.plugin.Messages()
			require.Len(t, msgs, 1)
			assert.Equal(t, f.alice.UUID, msgs[0].From)
			assert.Equal(t, f.bob.UUID, msgs[0].To)
			assert.Equal(t, tc.kind, msgs[0].Type)
			assert.JSONEq(t, tc.data, string(msgs[0].Data))
		})
		t.Run(tc.kind+"/json", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.plugin.SetSendReturnsID(true)
			r := f.run(t, "send", "--json", "--to", f.bob.UUID, tc.flag, tc.value).ok(t)
			doc := r.doc(t)
			require.Contains(t, doc, "chat_message_id")
			id, ok := doc["chat_message_id"].(float64)
			require.True(t, ok, "chat_message_id must be a number: %v", doc["chat_message_id"])
			m := storedByID(t, f.plugin, int64(id))
			assert.Equal(t, tc.kind, m.Type)
			assert.Equal(t, f.bob.UUID, m.To)
		})
	}

	t.Run("json/no id from the service", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t) // the reference documents no id for Send
		r := f.run(t, "--json", "send", "--to", f.bob.UUID, "--text", "hi").ok(t)
		doc := r.doc(t)
		require.Contains(t, doc, "chat_message_id")
		assert.Nil(t, doc["chat_message_id"])
		assert.Len(t, f.plugin.Messages(), 1)
	})
	t.Run("plain/no id from the service", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "send", "--to", f.bob.UUID, "--text", "hi").ok(t)
		assert.Contains(t, r.stdout, "no message id")
	})
}
