package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
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

func TestMultiSend(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "multisend", "--to", f.bob.UUID+", "+f.carol.UUID, "--html", "<i>hi all</i>").ok(t)
		msgs := f.plugin.Messages()
		require.Len(t, msgs, 2)
		assert.Contains(t, r.stdout, "sent html message to 2 member(s)")
		for _, m := range msgs {
			assert.Equal(t, "html", m.Type)
			assert.Contains(t, r.stdout, m.To)
			assert.Contains(t, r.stdout, "#"+itoa(m.ID))
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--link", "https://example.com", "--json").ok(t)
		doc := r.doc(t)
		detail, ok := doc["detail"].([]any)
		require.True(t, ok, "detail must be a list: %v", doc)
		require.Len(t, detail, 2)
		got := map[string]int64{}
		for _, d := range detail {
			item := d.(map[string]any)
			uuid, ok := item["other_uuid"].(string)
			require.True(t, ok)
			id, ok := item["chat_message_id"].(float64)
			require.True(t, ok, "chat_message_id must be a number: %v", item)
			got[strings.ToUpper(uuid)] = int64(id)
		}
		for _, to := range []okayapi.Member{f.bob, f.carol} {
			id, ok := got[strings.ToUpper(to.UUID)]
			require.True(t, ok, "no detail for %s", to.UUID)
			m := storedByID(t, f.plugin, id)
			assert.Equal(t, to.UUID, m.To)
			assert.Equal(t, "link", m.Type)
		}
	})
}

// When the answer has no per-recipient detail that can be read, okchat says
// how many recipients the message went to and that the service gave no
// detail, not "0 members"; --json writes "detail": null.
func TestMultiSendNoDetail(t *testing.T) {
	t.Parallel()
	bob, carol := strings.Repeat("B", 32), strings.Repeat("C", 32)
	for name, data := range map[string]string{
		"no detail":      `{"err_code":0,"err_msg":""}`,
		"empty detail":   `{"err_code":0,"err_msg":"","detail":[]}`,
		"null detail":    `{"err_code":0,"err_msg":"","detail":null}`,
		"garbled detail": `{"err_code":0,"err_msg":"","detail":"oops"}`,
	} {
		t.Run(name+"/plain", func(t *testing.T) {
			t.Parallel()
			env, hc, mt := mockChat(t, data)
			r := runWith(t, env, &bytes.Buffer{}, hc, "multisend", "--to", bob+","+carol, "--text", "hi").ok(t)
			assert.Equal(t, "sent text message to 2 recipient(s); the service gave no per-recipient detail\n", r.stdout)
			assert.NotContains(t, r.stdout, "0 member")
			assert.Equal(t, 1, mt.GetTotalCallCount(), "the call went through the injected client")
		})
		t.Run(name+"/json", func(t *testing.T) {
			t.Parallel()
			env, hc, mt := mockChat(t, data)
			r := runWith(t, env, &bytes.Buffer{}, hc, "--json", "multisend", "--to", bob+","+carol, "--text", "hi").ok(t)
			doc := r.doc(t)
			require.Contains(t, doc, "detail")
			assert.Nil(t, doc["detail"])
			assert.Equal(t, 1, mt.GetTotalCallCount())
		})
	}
	t.Run("with detail, through the mock", func(t *testing.T) {
		t.Parallel()
		env, hc, _ := mockChat(t, `{"err_code":0,"err_msg":"","detail":[{"other_uuid":"`+bob+`","chat_message_id":"7"}]}`)
		r := runWith(t, env, &bytes.Buffer{}, hc, "multisend", "--to", bob, "--text", "hi").ok(t)
		assert.Contains(t, r.stdout, "sent text message to 1 member(s):")
		assert.Contains(t, r.stdout, bob+"  #7")
		doc := runWith(t, env, &bytes.Buffer{}, hc, "multisend", "--json", "--to", bob, "--text", "hi").ok(t).doc(t)
		assert.Equal(t, []any{map[string]any{"other_uuid": bob, "chat_message_id": float64(7)}}, doc["detail"])
	})
}
