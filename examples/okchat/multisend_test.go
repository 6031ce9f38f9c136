package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// addMembers adds n members to f's app and returns their uuids, in order.
func (f *fixture) addMembers(t *testing.T, n int) []string {
	t.Helper()
	uuids := make([]string, n)
	for i := range uuids {
		uuids[i] = f.srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("member%04d", i)}).UUID
	}
	return uuids
}

// multiSends returns the MultiSend requests the server saw.
func (f *fixture) multiSends() []okayapitest.RecordedRequest {
	var out []okayapitest.RecordedRequest
	for _, r := range f.srv.Requests() {
		if r.Service == chatmsg.ServiceMultiSend {
			out = append(out, r)
		}
	}
	return out
}

// outcomeLine matches one recipient's line of multisend's plain output.
var outcomeLine = regexp.MustCompile(`(?m)^  ([0-9A-Fa-f]{32})  +(delivered|not delivered|maybe delivered) +(#\d+|-)(?: +(.*))?$`)

type plainOutcome struct {
	to, state, id, reason string
}

// plainOutcomes parses multisend's plain output: one line per recipient.
func plainOutcomes(t *testing.T, stdout string) []plainOutcome {
	t.Helper()
	var out []plainOutcome
	for _, m := range outcomeLine.FindAllStringSubmatch(stdout, -1) {
		out = append(out, plainOutcome{to: m[1], state: m[2], id: m[3], reason: m[4]})
	}
	return out
}

// jsonOutcomes parses multisend's --json output: detail, one entry per
// recipient.
func jsonOutcomes(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	detail, ok := doc["detail"].([]any)
	require.True(t, ok, "detail must be a list: %v", doc)
	out := make([]map[string]any, len(detail))
	for i, d := range detail {
		out[i], ok = d.(map[string]any)
		require.True(t, ok, "detail[%d] must be an object: %v", i, d)
	}
	return out
}

// storedOnce checks that the plugin stored exactly one message from alice to
// each of to and none to anyone else, and returns the ids by recipient.
func storedOnce(t *testing.T, f *fixture, to []string) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, m := range f.plugin.Messages() {
		assert.Equal(t, f.alice.UUID, m.From)
		_, dup := ids[m.To]
		assert.False(t, dup, "%s got the message twice", m.To)
		ids[m.To] = m.ID
	}
	assert.Len(t, ids, len(to))
	for _, u := range to {
		assert.Contains(t, ids, u, "%s did not get the message", u)
	}
	return ids
}

func TestMultiSend(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "multisend", "--to", f.bob.UUID+", "+f.carol.UUID, "--html", "<i>hi all</i>").ok(t)
		msgs := f.plugin.Messages()
		require.Len(t, msgs, 2)
		assert.True(t, strings.HasPrefix(r.stdout, "sent html message to 2 member(s):\n"), r.stdout)
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 2, r.stdout)
		for i, to := range []string{f.bob.UUID, f.carol.UUID} {
			assert.Equal(t, to, lines[i].to, "in the order given")
			assert.Equal(t, "delivered", lines[i].state)
			m := storedByID(t, f.plugin, mustID(t, lines[i].id))
			assert.Equal(t, to, m.To)
			assert.Equal(t, "html", m.Type)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--link", "https://example.com", "--json").ok(t)
		doc := r.doc(t)
		assert.Equal(t, float64(2), doc["delivered"])
		assert.Equal(t, float64(0), doc["not_delivered"])
		assert.Equal(t, float64(0), doc["maybe_delivered"])
		detail := jsonOutcomes(t, doc)
		require.Len(t, detail, 2)
		for i, to := range []okayapi.Member{f.bob, f.carol} {
			item := detail[i]
			assert.Equal(t, to.UUID, item["other_uuid"], "in the order given")
			assert.Equal(t, "delivered", item["outcome"])
			assert.NotContains(t, item, "error")
			assert.NotContains(t, item, "err_code")
			id, ok := item["chat_message_id"].(float64)
			require.True(t, ok, "chat_message_id must be a number: %v", item)
			m := storedByID(t, f.plugin, int64(id))
			assert.Equal(t, to.UUID, m.To)
			assert.Equal(t, "link", m.Type)
		}
	})
}

func mustID(t *testing.T, cell string) int64 {
	t.Helper()
	require.True(t, strings.HasPrefix(cell, "#"), "a message id: %q", cell)
	var id int64
	_, err := fmt.Sscan(cell[1:], &id)
	require.NoError(t, err)
	return id
}

// Done means: multisend to 450 members delivers each exactly once and
// reports 450 outcomes, in the order given, in batches of at most 200.
func TestMultiSend450(t *testing.T) {
	t.Parallel()
	t.Run("plain, --to", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		r := f.run(t, "multisend", "--to", strings.Join(to, ","), "--text", "hello, everyone").ok(t)
		assert.True(t, strings.HasPrefix(r.stdout, "sent text message to 450 member(s):\n"), r.stdout[:80])
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 450)
		assert.Equal(t, 451, strings.Count(r.stdout, "\n"), "a heading and one line per recipient")
		ids := storedOnce(t, f, to)
		for i, l := range lines {
			assert.Equal(t, to[i], l.to)
			assert.Equal(t, "delivered", l.state)
			assert.Equal(t, "#"+itoa(ids[to[i]]), l.id)
		}
		sends := f.multiSends()
		require.Len(t, sends, 3)
		n := 0
		for _, s := range sends {
			k := len(strings.Split(s.Form.Get("other_uuid"), ","))
			assert.LessOrEqual(t, k, chatmsg.MaxRecipients)
			n += k
		}
		assert.Equal(t, 450, n)
	})
	t.Run("json, --to-file from stdin, --concurrency 2", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		var file strings.Builder
		file.WriteString("# the whole club\n\n")
		for i, u := range to {
			switch i % 3 {
			case 0:
				fmt.Fprintf(&file, "%s\n", u)
			case 1:
				fmt.Fprintf(&file, "  %s  # member %d\n", strings.ToLower(u), i)
			default:
				fmt.Fprintf(&file, "\t%s\r\n\n", u)
			}
		}
		r := runCall(t, call{env: f.env, stdin: strings.NewReader(file.String())},
			"multisend", "--to-file", "-", "--concurrency", "2", "--text", "hi", "--json").ok(t)
		doc := r.doc(t)
		assert.Equal(t, float64(450), doc["delivered"])
		detail := jsonOutcomes(t, doc)
		require.Len(t, detail, 450)
		ids := storedOnce(t, f, to)
		for i, d := range detail {
			assert.True(t, strings.EqualFold(to[i], d["other_uuid"].(string)), "in the file's order")
			assert.Equal(t, "delivered", d["outcome"])
			assert.Equal(t, float64(ids[to[i]]), d["chat_message_id"])
		}
		assert.Len(t, f.multiSends(), 3)
	})
	t.Run("--to-file FILE", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 201)
		path := filepath.Join(t.TempDir(), "club.txt")
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(to, "\n")), 0o600)) // no final newline
		r := f.run(t, "multisend", "--to-file", path, "--image", "https://example.com/a.png").ok(t)
		assert.Len(t, plainOutcomes(t, r.stdout), 201)
		storedOnce(t, f, to)
		assert.Len(t, f.multiSends(), 2)
	})
}

// A batch the service refuses (a uuid that is no member: err_code 2, and
// the fake stores nothing of that batch) is "not delivered" for each of its
// recipients; the other batches are delivered; exit status 1.
func TestMultiSendRefusedBatch(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*fixture, []string, string) {
		f := newFixture(t)
		to := f.addMembers(t, 450)
		stranger := strings.Repeat("E", 32) // no member of the app
		to[300] = stranger                  // in the second batch, 200–399
		return f, to, stranger
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		f, to, stranger := setup(t)
		r := f.run(t, "multisend", "--to", strings.Join(to, ","), "--text", "hi", "--concurrency", "1")
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "text message to 450 member(s): 250 delivered, 200 not delivered:\n"), r.stdout[:80])
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 450)
		ids := storedOnce(t, f, append(append([]string{}, to[:200]...), to[400:]...))
		for i, l := range lines {
			assert.Equal(t, to[i], l.to)
			if i >= 200 && i < 400 {
				assert.Equal(t, "not delivered", l.state)
				assert.Equal(t, "-", l.id)
				assert.Contains(t, l.reason, "err_code 2: ")
			} else {
				assert.Equal(t, "delivered", l.state)
				assert.Equal(t, "#"+itoa(ids[to[i]]), l.id)
			}
		}
		assert.NotContains(t, ids, stranger)
		assert.Contains(t, r.stderr, "okchat multisend: 250 of 450 recipient(s) got the message: 200 not delivered, 0 may have been delivered\n")
		assert.Contains(t, r.stderr, "okchat multisend: 200 recipient(s): the chat plugin refused App.Market_ChatMessage.MultiSend: err_code 2")
		assert.Contains(t, r.stderr, "okchat: the message was not delivered to 200 recipient(s)")
		assert.Contains(t, r.stderr, "okchat: 250 recipient(s) got the message: do not send it to them again")
		assert.NotContains(t, r.stderr, "may have been delivered to")
		assert.Len(t, f.multiSends(), 3, "a refused batch is not repeated")
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f, to, _ := setup(t)
		r := f.run(t, "--json", "multisend", "--to", strings.Join(to, ","), "--text", "hi")
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		doc := r.doc(t)
		assert.Equal(t, float64(250), doc["delivered"])
		assert.Equal(t, float64(200), doc["not_delivered"])
		assert.Equal(t, float64(0), doc["maybe_delivered"])
		detail := jsonOutcomes(t, doc)
		require.Len(t, detail, 450)
		for i, d := range detail {
			assert.Equal(t, to[i], d["other_uuid"])
			if i >= 200 && i < 400 {
				assert.Equal(t, "not_delivered", d["outcome"])
				assert.Contains(t, d, "chat_message_id")
				assert.Nil(t, d["chat_message_id"])
				assert.Equal(t, float64(2), d["err_code"])
				assert.Contains(t, d["error"], "err_code 2")
			} else {
				assert.Equal(t, "delivered", d["outcome"])
				assert.IsType(t, float64(0), d["chat_message_id"])
			}
		}
		assert.Len(t, f.plugin.Messages(), 250)
	})
}

// A batch whose answer is lost after the service stored it (the connection
// dropped) is "maybe delivered" for each of its recipients, listed on
// stderr; it is not sent again; exit status 3.
func TestMultiSendMaybeDelivered(t *testing.T) {
	t.Parallel()
	t.Run("plain, --concurrency 1: the first batch", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		r := f.run(t, "multisend", "--to", strings.Join(to, ","), "--text", "hi", "--concurrency", "1")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "text message to 450 member(s): 250 delivered, 200 maybe delivered:\n"), r.stdout[:80])
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 450)
		for i, l := range lines {
			assert.Equal(t, to[i], l.to)
			if i < 200 {
				assert.Equal(t, "maybe delivered", l.state)
				assert.Equal(t, "-", l.id)
				assert.Contains(t, l.reason, "no usable answer")
			} else {
				assert.Equal(t, "delivered", l.state)
			}
		}
		storedOnce(t, f, to) // the fake stored the lost batch before dropping the connection
		assert.Len(t, f.multiSends(), 3, "a batch that may have arrived is not sent again")

		assert.Contains(t, r.stderr, "okchat multisend: 250 of 450 recipient(s) got the message: 0 not delivered, 200 may have been delivered\n")
		assert.Contains(t, r.stderr, "okchat multisend: 200 recipient(s): no usable answer: ")
		head := "okchat: the message may have been delivered to these 200 recipient(s); check their history before sending to them again:\n"
		require.Contains(t, r.stderr, head)
		_, listed, _ := strings.Cut(r.stderr, head)
		var want strings.Builder
		for _, u := range to[:200] {
			want.WriteString("  " + u + "\n")
		}
		assert.True(t, strings.HasPrefix(listed, want.String()), "the 200 recipients, one a line, in order:\n%s", listed)
		assert.Contains(t, r.stderr, "okchat: 250 recipient(s) got the message: do not send it to them again")
		assert.NotContains(t, r.stderr, "not delivered to")
	})
	t.Run("json, default concurrency: one batch, whichever", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		r := f.run(t, "multisend", "--json", "--to", strings.Join(to, ","), "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		detail := jsonOutcomes(t, r.doc(t))
		require.Len(t, detail, 450)
		var maybe []int
		for i, d := range detail {
			assert.Equal(t, to[i], d["other_uuid"])
			switch d["outcome"] {
			case "maybe_delivered":
				maybe = append(maybe, i)
				assert.Nil(t, d["chat_message_id"])
				assert.NotEmpty(t, d["error"])
				assert.NotContains(t, d, "err_code")
				assert.Contains(t, r.stderr, "\n  "+to[i]+"\n")
			case "delivered":
				assert.IsType(t, float64(0), d["chat_message_id"])
				assert.NotContains(t, r.stderr, to[i])
			default:
				t.Errorf("detail[%d]: outcome %v", i, d["outcome"])
			}
		}
		require.NotEmpty(t, maybe)
		first := maybe[0]
		assert.Zero(t, first%chatmsg.MaxRecipients, "a batch begins at a multiple of 200")
		assert.Len(t, maybe, min(chatmsg.MaxRecipients, 450-first), "exactly one batch")
		assert.Equal(t, maybe[len(maybe)-1]-first+1, len(maybe), "a batch is contiguous")
		storedOnce(t, f, to)
		assert.Len(t, f.multiSends(), 3)
	})
	t.Run("some refused, some unknown: exit 3", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		to := f.addMembers(t, 450)
		to[449] = strings.Repeat("E", 32) // the third batch is refused
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
		r := f.run(t, "multisend", "--to", strings.Join(to, ","), "--text", "hi", "--concurrency", "1")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stderr, "okchat multisend: 200 of 450 recipient(s) got the message: 50 not delivered, 200 may have been delivered")
		assert.Contains(t, r.stderr, "err_code 2")
		assert.Contains(t, r.stderr, "may have been delivered to these 200 recipient(s)")
		assert.Contains(t, r.stderr, "not delivered to 50 recipient(s)")
	})
	t.Run("service down: not delivered, exit 3", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.Close()
		r := f.run(t, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--text", "hi")
		require.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		lines := plainOutcomes(t, r.stdout)
		require.Len(t, lines, 2)
		for _, l := range lines {
			assert.Equal(t, "not delivered", l.state)
			assert.True(t, strings.HasPrefix(l.reason, "not sent: "), l.reason)
		}
		assert.Contains(t, r.stderr, "no usable answer")
		assert.Contains(t, r.stderr, "the message was not delivered to 2 recipient(s)")
		assert.NotContains(t, r.stderr, "may have been delivered to")
	})
}

// When the answer has no per-recipient detail that can be read, every
// recipient is delivered with no id: "-" in the table (and a note saying
// so), null in --json.
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
			assert.Equal(t, "sent text message to 2 member(s):\n"+
				"  "+bob+"  delivered  -\n"+
				"  "+carol+"  delivered  -\n"+
				"the service gave no message id for 2 of them\n", r.stdout)
			assert.Equal(t, 1, mt.GetTotalCallCount(), "the call went through the injected client")
		})
		t.Run(name+"/json", func(t *testing.T) {
			t.Parallel()
			env, hc, mt := mockChat(t, data)
			r := runWith(t, env, &bytes.Buffer{}, hc, "--json", "multisend", "--to", bob+","+carol, "--text", "hi").ok(t)
			detail := jsonOutcomes(t, r.doc(t))
			assert.Equal(t, []map[string]any{
				{"other_uuid": bob, "chat_message_id": nil, "outcome": "delivered"},
				{"other_uuid": carol, "chat_message_id": nil, "outcome": "delivered"},
			}, detail)
			assert.Equal(t, 1, mt.GetTotalCallCount())
		})
	}
	t.Run("with detail, through the mock", func(t *testing.T) {
		t.Parallel()
		env, hc, _ := mockChat(t, `{"err_code":0,"err_msg":"","detail":[{"other_uuid":"`+bob+`","chat_message_id":"7"}]}`)
		r := runWith(t, env, &bytes.Buffer{}, hc, "multisend", "--to", bob, "--text", "hi").ok(t)
		assert.Equal(t, "sent text message to 1 member(s):\n  "+bob+"  delivered  #7\n", r.stdout)
		doc := runWith(t, env, &bytes.Buffer{}, hc, "multisend", "--json", "--to", bob, "--text", "hi").ok(t).doc(t)
		assert.Equal(t, []any{map[string]any{"other_uuid": bob, "chat_message_id": float64(7), "outcome": "delivered"}}, doc["detail"])
	})
}

// Bad input sends nothing: exit status 2.
func TestMultiSendBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		return path
	}
	bob, carol := "B"+strings.Repeat("0", 31), "C"+strings.Repeat("0", 31)
	bad := file("bad.txt", bob+"\n\n# a comment\nnot-a-uuid\n")
	dup := file("dup.txt", bob+"\n"+carol+"\n"+strings.ToLower(bob)+"  # again\n")
	empty := file("empty.txt", "# nobody\n\n   \n")
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"neither --to nor --to-file", []string{"--text", "x"}, "", "--to or --to-file is required"},
		{"both --to and --to-file", []string{"--to", bob, "--to-file", "-", "--text", "x"}, bob, "give --to or --to-file, not both"},
		{"bad uuid in the file", []string{"--to-file", bad, "--text", "x"}, "", `--to-file ` + bad + `, line 4: "not-a-uuid" is not a member uuid`},
		{"bad uuid on stdin", []string{"--to-file", "-", "--text", "x"}, bob + "\nxyz\n", `--to-file stdin, line 2: "xyz" is not a member uuid`},
		{"repeated uuid in the file", []string{"--to-file", dup, "--text", "x"}, "", "line 3: " + strings.ToLower(bob) + " repeats line 1"},
		{"empty file", []string{"--to-file", empty, "--text", "x"}, "", "no recipients"},
		{"empty stdin", []string{"--to-file", "-", "--text", "x"}, "", "--to-file stdin: no recipients"},
		{"missing file", []string{"--to-file", filepath.Join(dir, "nope.txt"), "--text", "x"}, "", "no such file"},
		{"bad message with a file", []string{"--to-file", "-", "--text", " "}, bob, "invalid message (chat_message_data.content)"},
		{"no message flag", []string{"--to-file", "-"}, bob, "a message flag is required"},
		{"blank in --to", []string{"--to", bob + ",," + carol, "--text", "x"}, "", "invalid --to (other_uuid[1]): must not be blank"},
		{"repeated in --to", []string{"--to", bob + "," + carol + "," + strings.ToLower(bob), "--text", "x"}, "", "invalid --to (other_uuid[2]): duplicates other_uuid[0]"},
		{"--concurrency -1", []string{"--to", bob, "--concurrency", "-1", "--text", "x"}, "", "--concurrency must be between 1 and 16"},
		{"--concurrency 17", []string{"--to", bob, "--concurrency", "17", "--text", "x"}, "", "--concurrency must be between 1 and 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := runCall(t, call{env: f.env, stdin: strings.NewReader(tc.stdin)}, append([]string{"multisend"}, tc.args...)...)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotRegexp(t, goIdentifier, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Empty(t, f.srv.Requests(), "nothing may be sent on bad input")
		})
	}
}

// When some recipients did not get the message and the outcomes cannot be
// written either, the send's failure decides the exit status, and stderr
// still says who may have got it.
func TestMultiSendFailureAndOutputFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
	r := runWith(t, f.env, &failingWriter{ok: 10}, nil, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--text", "x")
	assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, "may have been delivered to these 2 recipient(s)")
	assert.Contains(t, r.stderr, "\n  "+f.bob.UUID+"\n")
	assert.Contains(t, r.stderr, "okchat multisend: the outcomes could not be written: write /dev/stdout: no space left on device")
	assert.NotContains(t, r.stderr, "the message was delivered (do not send it again)")
}
