package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

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
		"OKAYAPI_TOKEN":   f.alice.Token(),
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
	return runCall(t, call{env: env, stdout: stdout, hc: hc}, args...)
}

// call is how a test runs okchat.
type call struct {
	env    map[string]string
	stdin  io.Reader    // nil: an empty stdin
	stdout io.Writer    // nil: a buffer
	hc     *http.Client // nil: the SDK's own client
}

// runCall runs okchat as c says, and checks that it printed none of the
// secrets in c.env. result.stdout is what it wrote if c.stdout is nil or
// a *bytes.Buffer.
func runCall(t *testing.T, c call, args ...string) result {
	t.Helper()
	if c.stdout == nil {
		c.stdout = &bytes.Buffer{}
	}
	if c.stdin == nil {
		c.stdin = strings.NewReader("")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), args, system{
		getenv: func(k string) string { return c.env[k] },
		stdin:  c.stdin,
		stdout: c.stdout,
		stderr: &errOut,
		hc:     c.hc,
	})
	r := result{code: code, stderr: errOut.String()}
	if b, ok := c.stdout.(*bytes.Buffer); ok {
		r.stdout = b.String()
	}
	for _, name := range []string{"OKAYAPI_TOKEN", "OKAYAPI_APP_SECRET", "OKAYAPI_STATIC_SIGN", "OKAYAPI_PASSWORD"} {
		if s := c.env[name]; s != "" {
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

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

// goIdentifier matches the SDK's Go names (MarkAllAsReaded, WithSigner,
// chatmsg.Older, …), which mean nothing to a user of the command line.
var goIdentifier = regexp.MustCompile(`\b([A-Z][a-z]+[A-Z][A-Za-z]*|(okayapi|chatmsg|sign)\.[A-Z]\w*)\b`)

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
