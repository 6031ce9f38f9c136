package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// keyInText finds the send key okchat printed.
var keyInText = regexp.MustCompile(`send key ([0-9a-f]{32})`)

// keyField is the field of chat_message_data that carries the send key.
const keyField = "okayapi_send_key"

// resumeHint finds the --resume KEY okchat gave on stderr.
var resumeHint = regexp.MustCompile(`--resume ([0-9a-f]{32})`)

// requestsFor counts the requests the server saw for service.
func (f *fixture) requestsFor(service string) int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Service == service {
			n++
		}
	}
	return n
}

// onlyMessage requires that the plugin stored exactly one message, from
// alice to to, and returns it.
func onlyMessage(t *testing.T, f *fixture, to okayapi.Member) (id int64, key string) {
	t.Helper()
	msgs := f.plugin.Messages()
	require.Len(t, msgs, 1, "the message must be stored exactly once")
	m := msgs[0]
	assert.Equal(t, f.alice.UUID, m.From)
	assert.Equal(t, to.UUID, m.To)
	var data map[string]any
	require.NoError(t, json.Unmarshal(m.Data, &data))
	key, _ = data[keyField].(string)
	require.Len(t, key, 32, "the stored data carries the send key: %s", m.Data)
	return m.ID, key
}

// noSDKNames checks that s names none of the SDK's Go identifiers for
// exactly-once sending, which mean nothing on the command line.
func noSDKNames(t *testing.T, s string) {
	t.Helper()
	for _, name := range []string{"Resume", "exactlyonce", "UncertainError", "NotDeliveredError", "chatmsg", "Rounds"} {
		assert.NotContains(t, s, name)
	}
}

func TestSendExactlyOnce(t *testing.T) {
	t.Parallel()
	t.Run("happy path: no extra read, the key shown", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.plugin.SetSendReturnsID(true)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi").ok(t)
		id, key := onlyMessage(t, f, f.bob)
		assert.Equal(t, "sent text message #"+itoa(id)+" to "+f.bob.UUID+" (send key "+key+")\n", r.stdout)
		assert.Zero(t, f.requestsFor(chatmsg.ServiceTakeMessageList), "no read on the happy path")
	})
	t.Run("answer lost after the message was stored: found, exit 0", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi").ok(t)
		id, key := onlyMessage(t, f, f.bob)
		assert.Equal(t, "sent text message #"+itoa(id)+" to "+f.bob.UUID+
			" (send key "+key+"; the answer was lost; the message was found in the conversation)\n", r.stdout)
		assert.Equal(t, 1, f.requestsFor(chatmsg.ServiceSend), "found, so not sent again")
		assert.Equal(t, 1, f.requestsFor(chatmsg.ServiceTakeMessageList))
	})
	t.Run("answer lost after the message was stored: --json", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
		doc := f.run(t, "--json", "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--custom", `{"order":7}`).ok(t).doc(t)
		id, key := onlyMessage(t, f, f.bob)
		assert.Equal(t, map[string]any{"chat_message_id": float64(id), "send_key": key}, doc)
	})
	t.Run("HTML 502 first: sent again, one copy", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceSend, "html502", 1)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi").ok(t)
		_, key := onlyMessage(t, f, f.bob)
		assert.Equal(t, "sent text message to "+f.bob.UUID+" (the service returned no message id; send key "+key+")\n", r.stdout)
		assert.Equal(t, 2, f.requestsFor(chatmsg.ServiceSend), "the check found nothing, so it was sent again")
	})
	t.Run("the check fails too: exit 3 with the key, then --resume: exit 0, one copy", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
		f.srv.InjectFault(chatmsg.ServiceTakeMessageList, "exception", 1)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		id, key := onlyMessage(t, f, f.bob)
		assert.Contains(t, r.stderr, "okchat send: no usable answer: ")
		assert.Contains(t, r.stderr, "okchat: checking the conversation for the message failed too: ")
		assert.Contains(t, r.stderr, "okchat: the message may have been delivered; its send key is "+key+"\n")
		m := resumeHint.FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		assert.Equal(t, key, m[1])
		noSDKNames(t, r.stderr)
		assert.Equal(t, 1, f.requestsFor(chatmsg.ServiceSend), "a send that could not be checked is not repeated")

		r = f.run(t, "send", "--to", f.bob.UUID, "--text", "hi", "--resume", key).ok(t)
		assert.Equal(t, "sent text message #"+itoa(id)+" to "+f.bob.UUID+
			" (send key "+key+"; it was already there: not sent again)\n", r.stdout)
		onlyMessage(t, f, f.bob)
		assert.Equal(t, 1, f.requestsFor(chatmsg.ServiceSend))

		doc := f.run(t, "send", "--json", "--to", f.bob.UUID, "--text", "hi", "--resume", strings.ToUpper(key)).ok(t).doc(t)
		assert.Equal(t, float64(id), doc["chat_message_id"])
		onlyMessage(t, f, f.bob)
	})
	t.Run("the check fails, nothing was stored: --resume sends it, once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.plugin.SetSendReturnsID(true)
		f.srv.InjectFault(chatmsg.ServiceSend, "reset-before", 1)
		f.srv.InjectFault(chatmsg.ServiceTakeMessageList, "exception", 1)
		r := f.run(t, "--json", "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Empty(t, f.plugin.Messages())
		m := resumeHint.FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		key := m[1]

		doc := f.run(t, "--json", "send", "--to", f.bob.UUID, "--text", "hi", "--resume", key).ok(t).doc(t)
		id, stored := onlyMessage(t, f, f.bob)
		assert.Equal(t, key, stored, "sent under the key it was given")
		assert.Equal(t, map[string]any{"chat_message_id": float64(id), "send_key": key}, doc)
		assert.Equal(t, 2, f.requestsFor(chatmsg.ServiceSend))
	})
	t.Run("every check finds nothing: not delivered, exit 1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceSend, "html502", 3)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hi")
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Empty(t, f.plugin.Messages())
		assert.Contains(t, r.stderr, "okchat send: no usable answer to 3 send(s), and each time the conversation showed the message was not there: ")
		assert.Contains(t, r.stderr, "okchat: the message was not delivered\n")
		assert.NotContains(t, r.stderr, "may have been delivered")
		noSDKNames(t, r.stderr)
		assert.Equal(t, 3, f.requestsFor(chatmsg.ServiceSend))
	})
	t.Run("refused: exit 1 as without --exactly-once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.alice.UUID, "--text", "hi")
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stderr, "err_code 1")
		assert.Contains(t, r.stderr, "okchat: the message was not delivered\n")
		assert.Zero(t, f.requestsFor(chatmsg.ServiceTakeMessageList))
	})
	t.Run("bad --resume key: exit 2, nothing sent", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		for _, key := range []string{"", "xyz", strings.Repeat("g", 32), strings.Repeat("a", 31)} {
			r := f.run(t, "send", "--to", f.bob.UUID, "--text", "hi", "--resume", key)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, "okchat send: --resume needs the send key okchat printed: 32 hexadecimal digits")
		}
		assert.Empty(t, f.srv.Requests())
	})
	t.Run("a message that holds the key field itself: exit 2, nothing sent", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--custom", `{"`+keyField+`":"x"}`)
		assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stderr, "invalid message (chat_message_data."+keyField+")")
		assert.Empty(t, f.srv.Requests())
	})
}

func TestMultiSendExactlyOnce(t *testing.T) {
	t.Parallel()
	t.Run("answer lost: each recipient once, exit 0", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		to := []string{f.bob.UUID, f.carol.UUID}
		r := f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--to", strings.Join(to, ","), "--text", "hi all").ok(t)
		ids := storedOnce(t, f, to)
		assert.True(t, strings.HasPrefix(r.stdout, "sent text message to 2 member(s):\n"), r.stdout)
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 2, r.stdout)
		for i, l := range lines {
			assert.Equal(t, to[i], l.to)
			assert.Equal(t, "delivered", l.state)
			assert.Equal(t, "#"+itoa(ids[to[i]]), l.id)
		}
		assert.Len(t, f.multiSends(), 1, "both copies found, so not sent again")
	})
	t.Run("450 members, the first batch's answer lost, --json", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		r := f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--json", "--concurrency", "1", "--to", strings.Join(to, ","), "--text", "hi").ok(t)
		doc := r.doc(t)
		assert.Equal(t, float64(450), doc["delivered"])
		assert.Equal(t, float64(0), doc["maybe_delivered"])
		ids := storedOnce(t, f, to)
		detail := jsonOutcomes(t, doc)
		require.Len(t, detail, 450)
		for i, d := range detail {
			assert.Equal(t, to[i], d["other_uuid"])
			assert.Equal(t, "delivered", d["outcome"])
			assert.Equal(t, float64(ids[to[i]]), d["chat_message_id"])
		}
		assert.Len(t, f.multiSends(), 3)
	})
	t.Run("HTML 502 first: sent again, each once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 1)
		to := []string{f.bob.UUID, f.carol.UUID}
		f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--to", strings.Join(to, ","), "--text", "hi").ok(t)
		storedOnce(t, f, to)
		assert.Len(t, f.multiSends(), 2)
	})
	t.Run("the checks fail too: exit 3 with the key, then send --resume each: once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := []string{f.bob.UUID, f.carol.UUID}
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		f.srv.InjectFault(chatmsg.ServiceTakeMessageList, "exception", 2)
		r := f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--to", strings.Join(to, ","), "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 2, r.stdout)
		ids := storedOnce(t, f, to)
		keys := map[string]string{}
		for _, l := range lines {
			assert.Equal(t, "maybe delivered", l.state)
			m := keyInText.FindStringSubmatch(l.reason)
			require.NotNil(t, m, l.reason)
			keys[l.to] = m[1]
			assert.Contains(t, r.stderr, "\n  "+l.to+"  --resume "+m[1]+"\n")
		}
		assert.Contains(t, r.stderr, "okchat send --to UUID --resume KEY")
		noSDKNames(t, r.stderr)

		for _, u := range to {
			r := f.run(t, "send", "--to", u, "--text", "hi", "--resume", keys[u]).ok(t)
			assert.Contains(t, r.stdout, "#"+itoa(ids[u]))
			assert.Contains(t, r.stdout, "not sent again")
		}
		storedOnce(t, f, to)
		assert.Len(t, f.multiSends(), 1)
	})
	t.Run("the checks fail too: --json has the key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := []string{f.bob.UUID, f.carol.UUID}
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		f.srv.InjectFault(chatmsg.ServiceTakeMessageList, "exception", 2)
		r := f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--json", "--to", strings.Join(to, ","), "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		detail := jsonOutcomes(t, r.doc(t))
		require.Len(t, detail, 2)
		for _, d := range detail {
			assert.Equal(t, "maybe_delivered", d["outcome"])
			key, _ := d["send_key"].(string)
			assert.Regexp(t, `^[0-9a-f]{32}$`, key)
			assert.Contains(t, d["error"], "may have been delivered (send key "+key+")")
			noSDKNames(t, d["error"].(string))
		}
	})
	t.Run("every check finds nothing: not delivered, exit 1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 3)
		r := f.run(t, "multisend", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID+","+f.carol.UUID, "--text", "hi")
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, f.plugin.Messages())
		for _, l := range plainOutcomes(t, r.stdout) {
			assert.Equal(t, "not delivered", l.state)
			assert.Contains(t, l.reason, "every check found it not delivered")
		}
		assert.Contains(t, r.stderr, "okchat: the message was not delivered to 2 recipient(s)")
		assert.NotContains(t, r.stderr, "may have been delivered to")
	})
}

// A message sent exactly once reads back clean: the send key is never in
// what history or chats show, only in "send_key" with --json.
func TestExactlyOnceReadsBackClean(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.alice, f.bob, "plain")
	f.srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1) // the lost-answer path
	send := f.run(t, "--json", "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--text", "hello bob").ok(t).doc(t)
	key, _ := send["send_key"].(string)
	require.Len(t, key, 32)
	f.run(t, "send", "--exactly-once", "--horizon", "20ms", "--to", f.bob.UUID, "--custom", `{"order":7}`).ok(t)

	bobEnv := map[string]string{}
	for k, v := range f.env {
		bobEnv[k] = v
	}
	bobEnv["OKAYAPI_UUID"], bobEnv["OKAYAPI_TOKEN"] = f.bob.UUID, f.bob.Token()
	for _, who := range []struct {
		name string
		env  map[string]string
		with string
	}{{"sender", f.env, f.bob.UUID}, {"recipient", bobEnv, f.alice.UUID}} {
		t.Run(who.name, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{{"history", "--with", who.with}, {"history", "--all", "--with", who.with}, {"chats"}} {
				r := runEnv(t, who.env, args...).ok(t)
				assert.NotContains(t, r.stdout, key, "%v", args)
				assert.NotContains(t, r.stdout, keyField, "%v", args)
				if args[0] == "history" {
					assert.Contains(t, r.stdout, "hello bob")
					assert.Contains(t, r.stdout, `{"order":7}`)
				}
			}
			for _, args := range [][]string{{"history", "--with", who.with}, {"history", "--all", "--with", who.with}} {
				doc := runEnv(t, who.env, append([]string{"--json"}, args...)...).ok(t).doc(t)
				list, _ := doc["list"].([]any)
				require.Len(t, list, 3)
				var data []any
				keyed := 0
				for _, item := range list {
					m := item.(map[string]any)
					data = append(data, m["chat_message_data"])
					if k, ok := m["send_key"]; ok {
						keyed++
						assert.Regexp(t, `^[0-9a-f]{32}$`, k)
					}
					if m["chat_message_data"].(map[string]any)["content"] == "hello bob" {
						assert.Equal(t, key, m["send_key"])
					}
				}
				assert.ElementsMatch(t, []any{
					map[string]any{"content": "hello bob"},
					map[string]any{"order": float64(7)},
					map[string]any{"content": "plain"},
				}, data, "%v", args)
				assert.Equal(t, 2, keyed, "the two exactly-once messages, not the plain one")
			}
			doc := runEnv(t, who.env, "--json", "chats").ok(t).doc(t)
			list, _ := doc["list"].([]any)
			require.Len(t, list, 1)
			last := list[0].(map[string]any)
			assert.Equal(t, map[string]any{"order": float64(7)}, last["chat_message_data"])
			assert.Regexp(t, `^[0-9a-f]{32}$`, last["send_key"])
			assert.NotEqual(t, key, last["send_key"], "each send has its own key")
		})
	}
	t.Cleanup(func() { assert.Len(t, f.plugin.Messages(), 3, "each message stored once") })
}
