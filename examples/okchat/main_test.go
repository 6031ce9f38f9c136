package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// fixture is one fake OkayAPI with the chat plugin and three members;
// okchat acts as alice.
type fixture struct {
	srv               *okayapitest.Server
	plugin            *chatmsgtest.Plugin
	alice, bob, carol okayapi.Member
	env               map[string]string
	chat              *chatmsg.Service // a direct client, to set the scene
}

func newFixture(t *testing.T, opts ...okayapitest.Option) *fixture {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t, opts...)
	f := &fixture{srv: srv, plugin: plugin}
	f.alice = srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw-alice", Nickname: "Alice", Age: 28})
	f.bob = srv.AddMember(okayapitest.Account{Username: "bob", Password: "pw-bob", Nickname: "Bob", Age: 31})
	f.carol = srv.AddMember(okayapitest.Account{Username: "carol", Password: "pw-carol", Nickname: "Carol", Age: 25})
	f.env = map[string]string{
		"OKAYAPI_HOST":    srv.URL(),
		"OKAYAPI_APP_KEY": srv.AppKey(),
		"OKAYAPI_UUID":    f.alice.UUID,
		"OKAYAPI_TOKEN":   f.alice.Token,
	}
	if s := srv.Secret(); s != "" {
		f.env["OKAYAPI_APP_SECRET"] = s
	}
	if s := srv.StaticSign(); s != "" {
		f.env["OKAYAPI_STATIC_SIGN"] = s
	}
	client, err := srv.Client(okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	f.chat = chatmsg.New(client)
	return f
}

// send sets the scene: from sends a text message to to.
func (f *fixture) send(t *testing.T, from, to okayapi.Member, text string) {
	t.Helper()
	_, err := f.chat.Send(t.Context(), from, to.UUID, chatmsg.Text{Content: text})
	require.NoError(t, err)
}

type result struct {
	code           int
	stdout, stderr string
}

func (f *fixture) run(t *testing.T, args ...string) result {
	t.Helper()
	return runEnv(t, f.env, args...)
}

// runEnv runs okchat with env and checks that it printed none of its secrets.
func runEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runWith(t, env, &bytes.Buffer{}, nil, args...)
}

// runWith runs okchat with env, writing to stdout (result.stdout is what
// it wrote if it is a *bytes.Buffer) and calling through hc (nil: the
// SDK's own client), and checks that it printed none of its secrets.
func runWith(t *testing.T, env map[string]string, stdout io.Writer, hc *http.Client, args ...string) result {
	t.Helper()
	var errOut bytes.Buffer
	code := run(t.Context(), args, func(k string) string { return env[k] }, stdout, &errOut, hc)
	r := result{code: code, stderr: errOut.String()}
	if b, ok := stdout.(*bytes.Buffer); ok {
		r.stdout = b.String()
	}
	for _, name := range []string{"OKAYAPI_TOKEN", "OKAYAPI_APP_SECRET", "OKAYAPI_STATIC_SIGN"} {
		if s := env[name]; s != "" {
			assert.NotContains(t, r.stdout+r.stderr, s, "okchat printed %s", name)
		}
	}
	return r
}

// ok requires exit status 0 with nothing on stderr.
func (r result) ok(t *testing.T) result {
	t.Helper()
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Empty(t, r.stderr)
	return r
}

// doc parses stdout as exactly one JSON object.
func (r result) doc(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var v map[string]any
	require.NoError(t, dec.Decode(&v), "stdout: %s", r.stdout)
	var extra any
	require.ErrorIs(t, dec.Decode(&extra), io.EOF, "stdout holds more than one JSON document")
	return v
}

func storedByID(t *testing.T, plugin *chatmsgtest.Plugin, id int64) chatmsgtest.StoredMessage {
	t.Helper()
	for _, m := range plugin.Messages() {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("the server stored no message #%d", id)
	return chatmsgtest.StoredMessage{}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage:", "send", "multisend", "history", "read", "chats", "unread", "OKAYAPI_APP_KEY", "Exit status",
			"okchat [--json] [--timeout DURATION] COMMAND", "--timeout DURATION  give up after DURATION", "(default 15s)"}},
		{[]string{"-h"}, []string{"Usage:", "multisend"}},
		{[]string{"help"}, []string{"Usage:", "OKAYAPI_STATIC_SIGN"}},
		{[]string{"help", "history"}, []string{"okchat [--json] [--timeout DURATION] history", "--last-id", "--up", "--perpage"}},
		{[]string{"send", "--help"}, []string{"okchat [--json] [--timeout DURATION] send", "--to", "--text", "--html", "--image", "--link", "--custom", "--json"}},
		{[]string{"multisend", "--help"}, []string{"okchat [--json] [--timeout DURATION] multisend", "--to", "--custom"}},
		{[]string{"history", "--help"}, []string{"okchat [--json] [--timeout DURATION] history", "--with", "--last-id", "--up", "--perpage"}},
		{[]string{"read", "--help"}, []string{"okchat [--json] [--timeout DURATION] read", "--with", "--id"}},
		{[]string{"chats", "-h"}, []string{"okchat [--json] [--timeout DURATION] chats", "--page", "--perpage"}},
		{[]string{"unread", "--help"}, []string{"okchat [--json] [--timeout DURATION] unread", "--timeout DURATION", "(default 15s)"}},
		{[]string{"--timeout", "1s", "unread", "--help"}, []string{"--timeout DURATION", "(default 15s)"}},
		{[]string{"--json", "send", "--help"}, []string{"okchat [--json] [--timeout DURATION] send"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := f.run(t, tc.args...).ok(t)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.Empty(t, f.srv.Requests(), "help must send nothing")
		})
	}
}

// Every command's help lists its flags as --name, as the synopses write
// them, one per line, each with its argument and what it does.
func TestHelpFlagListing(t *testing.T) {
	t.Parallel()
	singleDash := regexp.MustCompile(`(?m)(^|\s)-[a-z]`)
	for _, cmd := range commands {
		t.Run(cmd.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			require.Equal(t, 0, run(t.Context(), []string{cmd.name, "--help"}, func(string) string { return "" }, &out, &errOut, nil))
			help := out.String()
			assert.NotRegexp(t, singleDash, help, "a flag written with one dash")
			_, list, ok := strings.Cut(help, "\nFlags:\n")
			require.True(t, ok, help)
			list, _, _ = strings.Cut(list, "\n\n")
			fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
			fs.Bool("json", false, "")
			fs.Duration("timeout", 0, "")
			cmd.flags(fs)
			var want []string
			fs.VisitAll(func(f *flag.Flag) { want = append(want, f.Name) })
			lines := strings.Split(list, "\n")
			require.Len(t, lines, len(want), "one line per flag: %q", list)
			for i, line := range lines {
				fields := strings.Fields(line)
				require.NotEmpty(t, fields)
				assert.Equal(t, "--"+want[i], fields[0], "line %q", line)
				assert.Greater(t, len(fields), 1, "line %q says what the flag does", line)
				if want[i] != "json" && want[i] != "up" && want[i] != "timeout" { // the command's flags with an argument
					assert.Contains(t, cmd.synopsis, fields[0]+" "+fields[1], "the synopsis names the argument as the listing does")
				}
			}
		})
	}
	var out bytes.Buffer
	require.Equal(t, 0, run(t.Context(), []string{"--help"}, func(string) string { return "" }, &out, io.Discard, nil))
	assert.NotRegexp(t, singleDash, out.String())
}

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

// mockChat returns okchat's environment and an HTTP client whose transport
// answers every MultiSend with the envelope {"ret":200,"data":data}.
func mockChat(t *testing.T, data string) (map[string]string, *http.Client, *httpmock.MockTransport) {
	t.Helper()
	const host = "http://okayapi.test"
	mt := httpmock.NewMockTransport()
	mt.RegisterRegexpResponder(http.MethodPost, regexp.MustCompile(`^`+regexp.QuoteMeta(host)+`/`),
		func(req *http.Request) (*http.Response, error) {
			if err := req.ParseForm(); err != nil {
				return nil, err
			}
			if req.Form.Get("s") != chatmsg.ServiceMultiSend {
				return httpmock.NewStringResponse(http.StatusOK, `{"ret":404,"data":{},"msg":"not this one"}`), nil
			}
			return httpmock.NewStringResponse(http.StatusOK, `{"ret":200,"data":`+data+`,"msg":""}`), nil
		})
	env := map[string]string{
		"OKAYAPI_HOST":    host,
		"OKAYAPI_APP_KEY": strings.Repeat("A", 32),
		"OKAYAPI_UUID":    strings.Repeat("A", 32),
		"OKAYAPI_TOKEN":   strings.Repeat("7", 64),
	}
	return env, &http.Client{Transport: mt}, mt
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

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

func TestSignModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode okayapitest.SignMode
		env  string // the variable that must be set, or ""
	}{
		{"dynamic", okayapitest.SignDynamic, "OKAYAPI_APP_SECRET"},
		{"static", okayapitest.SignStatic, "OKAYAPI_STATIC_SIGN"},
		{"none", okayapitest.SignNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, okayapitest.WithSignMode(tc.mode))
			if tc.env != "" {
				require.NotEmpty(t, f.env[tc.env])
			} else {
				assert.Empty(t, f.env["OKAYAPI_APP_SECRET"])
				assert.Empty(t, f.env["OKAYAPI_STATIC_SIGN"])
			}
			f.run(t, "send", "--to", f.bob.UUID, "--text", "signed?").ok(t)
			assert.Len(t, f.plugin.Messages(), 1)
		})
	}
}

func TestExitRefused(t *testing.T) {
	t.Parallel()
	t.Run("send to self: err_code 1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "send", "--to", f.alice.UUID, "--text", "me")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "err_code 1")
		assert.Contains(t, r.stderr, "the message was not delivered")
		assert.Empty(t, f.plugin.Messages())
	})
	t.Run("history with self: err_code 1", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		r := f.run(t, "--json", "history", "--with", f.alice.UUID)
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "err_code 1")
	})
	t.Run("plugin not installed: err_code 9", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.plugin.SetInstalled(false)
		for _, args := range [][]string{
			{"send", "--to", f.bob.UUID, "--text", "x"},
			{"multisend", "--to", f.bob.UUID, "--text", "x"},
			{"history", "--with", f.bob.UUID},
			{"read", "--with", f.bob.UUID},
			{"chats"},
			{"unread", "--json"},
		} {
			r := f.run(t, args...)
			assert.Equal(t, 1, r.code, "%v", args)
			assert.Contains(t, r.stderr, "err_code 9", "%v", args)
			assert.Contains(t, r.stderr, "not installed", "%v", args)
			assert.Empty(t, r.stdout, "%v", args)
		}
		assert.Empty(t, f.plugin.Messages())
	})
	t.Run("expired token: ret 401", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.ExpireToken(f.alice.UUID)
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "ret 401")
		assert.Contains(t, r.stderr, "OKAYAPI_TOKEN")
		r = f.run(t, "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "ret 401")
		assert.Contains(t, r.stderr, "the message was not delivered")
		assert.Empty(t, f.plugin.Messages())
	})
}

func TestExitUsage(t *testing.T) {
	t.Parallel()
	type tcase struct {
		name string
		args func(f *fixture) []string
		env  func(env map[string]string)
		want string // in stderr
	}
	to := func(f *fixture) string { return f.bob.UUID }
	cases := []tcase{
		{name: "no command", args: func(*fixture) []string { return nil }, want: "no command"},
		{name: "unknown command", args: func(*fixture) []string { return []string{"bogus"} }, want: `unknown command "bogus"`},
		{name: "unknown global flag", args: func(*fixture) []string { return []string{"--bogus", "unread"} }, want: "bogus"},
		{name: "unknown command flag", args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--text", "x", "--bogus"} }, want: "bogus"},
		{name: "help for unknown command", args: func(*fixture) []string { return []string{"help", "bogus"} }, want: "unknown command"},
		{name: "stray argument", args: func(*fixture) []string { return []string{"unread", "now"} }, want: `unexpected argument "now"`},
		{name: "no message flag", args: func(f *fixture) []string { return []string{"send", "--to", to(f)} }, want: "a message flag is required"},
		{name: "two message flags", args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--text", "a", "--html", "<b>b</b>"} }, want: "--text and --html"},
		{name: "two message flags multisend", args: func(f *fixture) []string {
			return []string{"multisend", "--to", to(f), "--image", "https://e.com/a.png", "--link", "https://e.com"}
		}, want: "exactly one message flag"},
		{name: "send without --to", args: func(*fixture) []string { return []string{"send", "--text", "x"} }, want: "--to is required"},
		{name: "history without --with", args: func(*fixture) []string { return []string{"history"} }, want: "--with is required"},
		{name: "read without --with", args: func(*fixture) []string { return []string{"read", "--id", "3"} }, want: "--with is required"},
		{name: "invalid uuid", args: func(*fixture) []string { return []string{"send", "--to", "not-a-uuid", "--text", "x"} }, want: "invalid --to (other_uuid)"},
		{name: "invalid uuid in multisend", args: func(f *fixture) []string {
			return []string{"multisend", "--to", to(f) + ",ZZZ", "--text", "x"}
		}, want: "invalid --to (other_uuid[1])"},
		{name: "duplicate recipient", args: func(f *fixture) []string {
			return []string{"multisend", "--to", to(f) + "," + to(f), "--text", "x"}
		}, want: "duplicates"},
		{name: "blank text", args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--text", "  "} }, want: "content"},
		{name: "custom not an object", args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--custom", "[1,2]"} }, want: "JSON object"},
		{name: "image not a url", args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--image", "cat.png"} }, want: "url"},
		{name: "perpage too big", args: func(f *fixture) []string { return []string{"history", "--with", to(f), "--perpage", "500"} }, want: "invalid --perpage: must be between 1 and 100"},
		{name: "last-id not a number", args: func(f *fixture) []string { return []string{"history", "--with", to(f), "--last-id", "abc"} }, want: "last-id"},
		{name: "read --id 0", args: func(f *fixture) []string { return []string{"read", "--with", to(f), "--id", "0"} }, want: "omit --id to mark the whole conversation"},
		{name: "read --id -5", args: func(f *fixture) []string { return []string{"read", "--with", to(f), "--id", "-5"} }, want: "--id must be a message id, 1 or more"},
		{name: "last-id negative", args: func(f *fixture) []string { return []string{"history", "--with", to(f), "--last-id", "-1"} }, want: "invalid --last-id (last_id): must be 0 or more"},
		{name: "invalid --with", args: func(*fixture) []string { return []string{"history", "--with", "bob"} }, want: "invalid --with (other_uuid)"},
		{name: "page too big", args: func(*fixture) []string { return []string{"chats", "--page", "101"} }, want: "page"},
		{name: "invalid OKAYAPI_UUID", args: func(*fixture) []string { return []string{"unread"} },
			env: func(e map[string]string) { e["OKAYAPI_UUID"] = "alice" }, want: "OKAYAPI_UUID"},
		{name: "bad OKAYAPI_HOST", args: func(*fixture) []string { return []string{"unread"} },
			env: func(e map[string]string) { e["OKAYAPI_HOST"] = "ftp://example.com" }, want: "invalid OKAYAPI_HOST (the app's base URL)"},
		{name: "secret and static sign", args: func(*fixture) []string { return []string{"unread"} },
			env: func(e map[string]string) {
				e["OKAYAPI_APP_SECRET"], e["OKAYAPI_STATIC_SIGN"] = "s3cr3t-value-1", "static-value-2"
			}, want: "not both"},
	}
	for _, name := range []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_UUID", "OKAYAPI_TOKEN"} {
		cases = append(cases, tcase{
			name: "missing " + name,
			args: func(f *fixture) []string { return []string{"send", "--to", to(f), "--text", "x"} },
			env:  func(e map[string]string) { delete(e, name) },
			want: name,
		})
	}
	cases = append(cases, tcase{
		name: "missing all",
		args: func(*fixture) []string { return []string{"--json", "unread"} },
		env: func(e map[string]string) {
			for k := range e {
				delete(e, k)
			}
		},
		want: "OKAYAPI_HOST, OKAYAPI_APP_KEY, OKAYAPI_UUID, OKAYAPI_TOKEN",
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			env := make(map[string]string, len(f.env))
			for k, v := range f.env {
				env[k] = v
			}
			if tc.env != nil {
				tc.env(env)
			}
			r := runEnv(t, env, tc.args(f)...)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotRegexp(t, goIdentifier, r.stderr, "the CLI speaks of flags and variables, not of the SDK's Go names")
			assert.Empty(t, r.stdout)
			assert.Empty(t, f.srv.Requests(), "nothing may be sent on bad usage")
			assert.Empty(t, f.plugin.Messages())
		})
	}
}

// goIdentifier matches the SDK's Go names (MarkAllAsReaded, WithSigner,
// chatmsg.Older, …), which mean nothing to a user of the command line.
var goIdentifier = regexp.MustCompile(`\b([A-Z][a-z]+[A-Z][A-Za-z]*|(okayapi|chatmsg|sign)\.[A-Z]\w*)\b`)

func TestGoIdentifierPattern(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"use MarkAllAsReaded for", "must be QueryForm or PathForm", "WithSigner(sign.None())", "chatmsg.Older"} {
		assert.Regexp(t, goIdentifier, s)
	}
	for _, s := range []string{"invalid --id (chat_message_id): must be", "OKAYAPI_HOST", "Run 'okchat --help' for usage.", "ret 401"} {
		assert.NotRegexp(t, goIdentifier, s)
	}
}

// failingWriter accepts the first ok bytes, then fails as a full disk does.
type failingWriter struct {
	ok      int
	written int
}

var errDiskFull = &fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}

func (w *failingWriter) Write(p []byte) (int, error) {
	if left := w.ok - w.written; left < len(p) {
		w.written += max(left, 0)
		return max(left, 0), errDiskFull
	}
	w.written += len(p)
	return len(p), nil
}

// When the call succeeded but its output cannot be written, okchat says so,
// and for send and multisend that the message WAS delivered: exit status 4,
// never "no usable answer" or "may have been delivered".
func TestExitOutput(t *testing.T) {
	t.Parallel()
	type tcase struct {
		name  string
		args  func(f *fixture) []string
		check func(t *testing.T, f *fixture) // what the call did
	}
	stored := func(n int) func(t *testing.T, f *fixture) {
		return func(t *testing.T, f *fixture) {
			assert.Len(t, f.plugin.Messages(), n, "the message was stored")
		}
	}
	cases := []tcase{
		{"send", func(f *fixture) []string { return []string{"send", "--to", f.bob.UUID, "--text", "hi"} }, stored(2)},
		{"multisend", func(f *fixture) []string {
			return []string{"multisend", "--to", f.bob.UUID + "," + f.carol.UUID, "--text", "hi"}
		}, stored(3)},
		{"history", func(f *fixture) []string { return []string{"history", "--with", f.bob.UUID} }, nil},
		{"read", func(f *fixture) []string { return []string{"read", "--with", f.bob.UUID} }, func(t *testing.T, f *fixture) {
			assert.True(t, f.plugin.Messages()[0].Read, "the message was marked read")
		}},
		{"chats", func(*fixture) []string { return []string{"chats"} }, nil},
		{"unread", func(*fixture) []string { return []string{"unread"} }, nil},
	}
	for _, tc := range cases {
		for _, jsonOut := range []bool{false, true} {
			for _, ok := range []int{0, 5} {
				name := tc.name + "/plain"
				if jsonOut {
					name = tc.name + "/json"
				}
				t.Run(name+"/fails after "+strconv.Itoa(ok)+" bytes", func(t *testing.T) {
					t.Parallel()
					f := newFixture(t)
					f.send(t, f.bob, f.alice, "hello alice")
					args := tc.args(f)
					if jsonOut {
						args = append(args, "--json")
					}
					w := &failingWriter{ok: ok}
					r := runWith(t, f.env, w, nil, args...)
					assert.Equal(t, 4, r.code, "stderr: %s", r.stderr)
					assert.Contains(t, r.stderr, "okchat "+tc.name+": ")
					assert.Contains(t, r.stderr, "but the output could not be written: write /dev/stdout: no space left on device")
					assert.NotContains(t, r.stderr, "no usable answer")
					assert.NotContains(t, r.stderr, "may have been delivered")
					assert.NotContains(t, r.stderr, "not delivered")
					if tc.name == "send" || tc.name == "multisend" {
						assert.Contains(t, r.stderr, "the message was delivered (do not send it again)")
					} else {
						assert.Contains(t, r.stderr, "the call succeeded")
					}
					assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %s", r.stderr)
					if tc.check != nil {
						tc.check(t, f)
					}
				})
			}
		}
	}
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--help"}, {"help"}, {"help", "send"}, {"read", "-h"}} {
			r := runWith(t, nil, &failingWriter{}, nil, args...)
			assert.Equal(t, 4, r.code, "%v", args)
			assert.Contains(t, r.stderr, "the help could not be written: write /dev/stdout: no space left on device", "%v", args)
		}
	})
	t.Run("a call that failed stays a call error", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(okayapitest.FaultDropAfter, 1)
		r := runWith(t, f.env, &failingWriter{}, nil, "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stderr, "may have been delivered")
		assert.NotContains(t, r.stderr, "could not be written")
	})
}

func TestExitTransport(t *testing.T) {
	t.Parallel()
	t.Run("send, HTML 502: may have been delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(okayapitest.FaultHTML502, 1)
		r := f.run(t, "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "502")
		assert.Contains(t, r.stderr, "the message may have been delivered; check the history before sending again")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1, "a send that may have arrived must not be repeated")
		assert.Equal(t, okayapitest.FaultHTML502, reqs[0].Fault)
	})
	t.Run("send, connection dropped after storing: may have been delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(okayapitest.FaultDropAfter, 1)
		r := f.run(t, "--json", "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "the message may have been delivered; check the history before sending again")
		assert.Len(t, f.plugin.Messages(), 1, "the fake stored the message before dropping the connection")
		assert.Len(t, f.srv.Requests(), 1, "a send that may have arrived must not be repeated")
	})
	t.Run("multisend, connection dropped: may have been delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFaultFor(chatmsg.ServiceMultiSend, okayapitest.FaultDropAfter, 1)
		r := f.run(t, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stderr, "the message may have been delivered")
	})
	t.Run("send, connection refused: not delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.Close()
		r := f.run(t, "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "the message was not delivered")
		assert.NotContains(t, r.stderr, "may have been delivered")
	})
	t.Run("unread, not JSON", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault(okayapitest.FaultNonJSON, 1)
		r := f.run(t, "unread", "--json")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "no usable answer")
		assert.NotContains(t, r.stderr, "delivered", "only sends speak of delivery")
	})
}

// --timeout bounds the wait for a stalled server: the command ends soon
// after it with the transport status, not after the SDK's 3 × 30 s.
func TestTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(f *fixture) []string
	}{
		{"unread, before the command", func(*fixture) []string { return []string{"--timeout", "300ms", "unread"} }},
		{"unread, after the command", func(*fixture) []string { return []string{"unread", "--json", "--timeout=300ms"} }},
		{"send", func(f *fixture) []string {
			return []string{"--timeout", "300ms", "send", "--to", f.bob.UUID, "--text", "x"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.srv.InjectFault(okayapitest.FaultStall, 10) // every attempt stalls
			start := time.Now()
			r := f.run(t, tc.args(f)...)
			elapsed := time.Since(start)
			assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
			assert.Less(t, elapsed, 10*time.Second, "the command ends soon after --timeout, far before the SDK's default 30s per attempt")
			assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond, "it waited for the timeout")
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "no usable answer")
			assert.Contains(t, r.stderr, "okchat: gave up after 300ms (--timeout)")
			if strings.Contains(tc.name, "send") {
				assert.Contains(t, r.stderr, "the message may have been delivered")
				assert.Len(t, f.srv.Requests(), 1, "a send that may have arrived is not repeated")
			}
			assert.Empty(t, f.plugin.Messages())
		})
	}
	t.Run("an answer in time is not cut short", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.send(t, f.bob, f.alice, "hi")
		r := f.run(t, "--timeout", "30s", "unread").ok(t)
		assert.Equal(t, "1 unread message(s)\n", r.stdout)
	})
	t.Run("bad values", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		for _, args := range [][]string{
			{"--timeout", "0", "unread"},
			{"--timeout", "-1s", "unread"},
			{"unread", "--timeout", "0s"},
			{"--timeout", "fast", "unread"},
			{"--timeout", "15", "unread"}, // a duration needs a unit
		} {
			r := f.run(t, args...)
			assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
			assert.Contains(t, r.stderr, "timeout", "%v", args)
		}
		r := f.run(t, "--timeout", "0", "unread")
		assert.Contains(t, r.stderr, "okchat unread: --timeout must be a positive duration, e.g. 15s or 1m")
		assert.Empty(t, f.srv.Requests(), "nothing is sent on bad usage")
	})
}

// Calls sent unsigned to an app that checks signatures: okchat says why.
func TestUnsignedHint(t *testing.T) {
	t.Parallel()
	const hint = "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls"
	t.Run("dynamic app, no secret", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithSignMode(okayapitest.SignDynamic))
		delete(f.env, "OKAYAPI_APP_SECRET")
		for _, args := range [][]string{{"unread"}, {"--json", "send", "--to", f.bob.UUID, "--text", "x"}} {
			r := f.run(t, args...)
			assert.Equal(t, 1, r.code, "%v: %s", args, r.stderr)
			assert.Contains(t, r.stderr, "ret 400: 非法请求：签名错误", "%v", args)
			assert.Contains(t, r.stderr, hint, "%v", args)
			assert.Empty(t, r.stdout, "%v", args)
		}
		assert.Empty(t, f.plugin.Messages())
		for _, req := range f.srv.Requests() {
			assert.Empty(t, req.Form.Get("sign"), "sent unsigned")
		}
	})
	t.Run("static app, no sign", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithSignMode(okayapitest.SignStatic))
		delete(f.env, "OKAYAPI_STATIC_SIGN")
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, hint)
		assert.Contains(t, r.stderr, "OKAYAPI_STATIC_SIGN for an app with a static signature")
	})
	t.Run("wrong secret: no hint", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.env["OKAYAPI_APP_SECRET"] = "not-the-secret-of-this-app"
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, "签名错误")
		assert.NotContains(t, r.stderr, "hint")
	})
	t.Run("unsigned app: no refusal", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithSignMode(okayapitest.SignNone))
		f.run(t, "unread").ok(t)
	})
}

// The PhalApi kernel's own failures, as the fake reproduces them: an
// uncaught exception after the message was stored (HTTP 500 with no body;
// in debug mode ret 0 or "HY000"), and redirects, which okchat never follows.
func TestKernelFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fault  okayapitest.Fault
		code   int
		want   string // in stderr
		stored int
	}{
		{okayapitest.FaultException500, 3, "HTTP 500", 1},
		{okayapitest.FaultExceptionRet0, 1, "the service failed on App.Market_ChatMessage.Send: ret 0: read error on connection", 1},
		{okayapitest.FaultExceptionDB, 1, `the service failed on App.Market_ChatMessage.Send: ret "HY000": SQLSTATE[HY000]: General error`, 1},
		{okayapitest.FaultRedirect307, 3, "the host answered with a redirect, which okchat never follows", 0},
		{okayapitest.FaultStoreThenRedirect, 3, "the host answered with a redirect, which okchat never follows", 1},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"ret":200,"data":{"err_code":0,"err_msg":""},"msg":""}`)
			}))
			t.Cleanup(elsewhere.Close)
			f := newFixture(t, okayapitest.WithRedirectLocation(elsewhere.URL+"/"))
			f.srv.InjectFault(tc.fault, 1)
			r := f.run(t, "send", "--to", f.bob.UUID, "--text", "x")
			assert.Equal(t, tc.code, r.code, "stderr: %s", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, "the message may have been delivered; check the history before sending again")
			assert.NotContains(t, r.stderr, "the service refused")
			assert.Len(t, f.plugin.Messages(), tc.stored)
			assert.Len(t, f.srv.Requests(), 1, "a send that may have arrived is not repeated")
			assert.Zero(t, hits.Load(), "the redirect was not followed")
		})
	}
}

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

// TestReportMapping checks the exit status for each error type, including
// ones the fake cannot provoke.
func TestReportMapping(t *testing.T) {
	t.Parallel()
	send := findCommand("send")
	unread := findCommand("unread")
	cases := []struct {
		name string
		cmd  *command
		err  error
		how  callInfo
		code int
		want string
		not  string // must not be in stderr
	}{
		{"nil", send, nil, callInfo{}, 0, "", ""},
		{"invalid param", send, &okayapi.InvalidParamError{Field: "other_uuid", Rule: "bad"}, callInfo{}, 2, "nothing was sent", ""},
		{"ret 500 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, Ret: 500, Msg: "服务器错误"}, callInfo{}, 1, "may have been delivered", ""},
		{"ret 0 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, Ret: 0, Msg: "read error"}, callInfo{}, 1,
			"okchat send: the service failed on App.Market_ChatMessage.Send: ret 0: read error", "refused"},
		{"ret HY000 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, RetText: "HY000", Msg: "SQLSTATE[HY000]: General error"}, callInfo{}, 1,
			`ret "HY000": SQLSTATE[HY000]: General error`, "ret 0"},
		{"ret 401 refused", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 401, Msg: "未登录"}, callInfo{}, 1,
			"okchat unread: the service refused App.Market_ChatMessage.GetAllUnreadNum: ret 401", ""},
		{"bad signature, unsigned", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "非法请求：签名错误"},
			callInfo{unsigned: true}, 1, "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls", ""},
		{"bad signature, signed", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "非法请求：签名错误"},
			callInfo{}, 1, "ret 400", "hint"},
		{"other refusal, unsigned", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "缺少必要参数uuid"},
			callInfo{unsigned: true}, 1, "ret 400", "hint"},
		{"timed out", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, Err: errors.New("context deadline exceeded")},
			callInfo{timedOut: 1500 * time.Millisecond}, 3, "okchat: gave up after 1.5s (--timeout)", ""},
		{"not timed out", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, Err: errors.New("connection reset")},
			callInfo{}, 3, "connection reset", "--timeout"},
		{"redirect", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, StatusCode: 307, Err: okayapi.ErrRedirect},
			callInfo{}, 3, "okchat: the host answered with a redirect, which okchat never follows", ""},
		{"err_code 2", send, &okayapi.PluginError{Service: chatmsg.ServiceSend, Code: 2, Msg: "发送失败"}, callInfo{}, 1, "the message was not delivered", ""},
		{"decode error", send, &okayapi.DecodeError{Service: chatmsg.ServiceSend, Reason: "x"}, callInfo{}, 3, "may have been delivered", ""},
		{"other error", unread, errors.New("boom"), callInfo{}, 3, "boom", ""},
		{"output error on send", send, &outputError{err: errDiskFull}, callInfo{}, 4, "okchat send: the message was delivered (do not send it again), but the output could not be written: write /dev/stdout: no space left on device", ""},
		{"output error on multisend", findCommand("multisend"), &outputError{err: io.ErrShortWrite}, callInfo{}, 4, "the message was delivered", ""},
		{"output error on unread", unread, &outputError{err: errDiskFull}, callInfo{}, 4, "okchat unread: the call succeeded, but the output could not be written", ""},
		{"invalid chat_message_data", send, &okayapi.InvalidParamError{Field: "chat_message_data.content", Rule: "is required"}, callInfo{}, 2, "invalid message (chat_message_data.content): is required", ""},
		{"invalid direction", findCommand("history"), &okayapi.InvalidParamError{Field: "direction", Rule: "bad"}, callInfo{}, 2, "invalid --up (direction): bad", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			assert.Equal(t, tc.code, report(&stderr, tc.cmd, tc.err, tc.how))
			assert.Contains(t, stderr.String(), tc.want)
			if tc.not != "" {
				assert.NotContains(t, stderr.String(), tc.not)
			}
		})
	}
}
