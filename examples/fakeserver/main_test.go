package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// lockedBuffer is a bytes.Buffer safe to write from run's goroutine and
// read from the test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// started is a fakeserver running in the background.
type started struct {
	vars     map[string]string
	comments []string
	lines    []string
	stderr   *lockedBuffer
}

// startFake runs the program with args on 127.0.0.1:0 and reads what it
// prints up to the "Serving" line. The program stops when the test ends.
func startFake(t *testing.T, args ...string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, stderr)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }() // drain anything left
		assert.NoError(t, <-done, "run returns nil when interrupted")
		assert.Contains(t, stderr.String(), "stopped")
	})

	s := started{vars: map[string]string{}, stderr: stderr}
	line := regexp.MustCompile(`^(?:export )?([A-Z_]+)=(\S+)$`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		text := sc.Text()
		s.lines = append(s.lines, text)
		if strings.HasPrefix(text, "#") {
			s.comments = append(s.comments, text)
			if strings.HasPrefix(text, "# Serving") {
				return s
			}
			continue
		}
		m := line.FindStringSubmatch(text)
		require.NotNil(t, m, "not a shell assignment: %q", text)
		require.NotContains(t, s.vars, m[1], "set twice")
		s.vars[m[1]] = m[2]
	}
	t.Fatalf("output ended before the Serving line: %v (stderr: %s)", sc.Err(), stderr.String())
	return s
}

func (s started) member(name string) okayapi.Member {
	return okayapi.NewMember(s.vars[name+"_UUID"], s.vars[name+"_TOKEN"])
}

func TestDynamicCredentialsWork(t *testing.T) {
	t.Parallel()
	s := startFake(t, "-v")
	host, err := url.Parse(s.vars["OKAYAPI_HOST"])
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host.Hostname())
	assert.Regexp(t, `^[0-9A-F]{32}$`, s.vars["OKAYAPI_APP_KEY"])
	assert.NotEmpty(t, s.vars["OKAYAPI_APP_SECRET"])
	assert.NotContains(t, s.vars, "OKAYAPI_STATIC_SIGN")
	for _, name := range []string{"ALICE", "BOB", "CAROL"} {
		assert.NoError(t, s.member(name).Validate(), name)
	}
	assert.Equal(t, s.vars["ALICE_UUID"], s.vars["OKAYAPI_UUID"])
	assert.Equal(t, s.vars["ALICE_TOKEN"], s.vars["OKAYAPI_TOKEN"])
	assert.Equal(t, s.vars["BOB_UUID"], s.vars["OKAYAPI_OTHER_UUID"])

	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]))
	require.NoError(t, err)
	chat := chatmsg.New(client)
	ctx := context.Background()
	alice, bob := s.member("ALICE"), s.member("BOB")
	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hello from the test 你好"})
	require.NoError(t, err)
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 1)
	assert.Equal(t, chatmsg.Text{Content: "hello from the test 你好"}, page.Messages[0].Message)

	// The printed passwords log in, and carol's profile shows.
	var password string
	for _, c := range s.comments {
		if p, ok := strings.CutPrefix(c, "# carol: password "); ok {
			password, _, _ = strings.Cut(p, ",")
		}
	}
	require.NotEmpty(t, password)
	carol, err := client.Login(ctx, "carol", password)
	require.NoError(t, err)
	assert.Equal(t, s.vars["CAROL_UUID"], carol.UUID)
	_, err = chat.Send(ctx, carol, alice.UUID, chatmsg.Text{Content: "hi"})
	require.NoError(t, err)
	list, err := chat.GetAllChatList(ctx, alice, chatmsg.ChatListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Chats, 2)
	assert.Equal(t, "小卡", list.Chats[0].User.Nickname)

	// -v logs calls without secrets.
	// The server logs a call before it answers it.
	assert.Contains(t, s.stderr.String(), "service="+chatmsg.ServiceGetAllChatList+" status=200 ret=200 err_code=0")
	for _, secret := range []string{s.vars["OKAYAPI_APP_SECRET"], alice.Token(), carol.Token()} {
		assert.NotContains(t, s.stderr.String(), secret)
	}
}

func TestStaticAndNoneModes(t *testing.T) {
	t.Parallel()
	t.Run("static", func(t *testing.T) {
		t.Parallel()
		s := startFake(t, "-sign", "static", "-export")
		for _, l := range s.lines {
			if !strings.HasPrefix(l, "#") {
				assert.True(t, strings.HasPrefix(l, "export "), l)
			}
		}
		assert.NotContains(t, s.vars, "OKAYAPI_APP_SECRET")
		require.NotEmpty(t, s.vars["OKAYAPI_STATIC_SIGN"])
		client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSigner(sign.Static(s.vars["OKAYAPI_STATIC_SIGN"])))
		require.NoError(t, err)
		u, err := chatmsg.New(client).GetAllUnreadNum(context.Background(), s.member("BOB"))
		require.NoError(t, err)
		assert.Equal(t, 0, u.Count)
		assert.Contains(t, string(u.Raw), `"unread_num":"0"`, "quirks on by default")
		assert.Contains(t, s.comments[0], "quirks: true")
	})
	t.Run("quirks off", func(t *testing.T) {
		t.Parallel()
		s := startFake(t, "-quirks=false")
		assert.Contains(t, s.comments[0], "quirks: false")
		client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]))
		require.NoError(t, err)
		u, err := chatmsg.New(client).GetAllUnreadNum(context.Background(), s.member("BOB"))
		require.NoError(t, err)
		assert.Contains(t, string(u.Raw), `"unread_num":0`)
	})
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		s := startFake(t, "-sign", "none", "-plugin=false")
		assert.NotContains(t, s.vars, "OKAYAPI_APP_SECRET")
		assert.NotContains(t, s.vars, "OKAYAPI_STATIC_SIGN")
		client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSigner(sign.None()))
		require.NoError(t, err)
		_, err = chatmsg.New(client).GetAllUnreadNum(context.Background(), s.member("BOB"))
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
	})
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:8080"}, "loopback"},
		{[]string{"-addr", "192.0.2.7:8080"}, "loopback"},
		{[]string{"-addr", ":8080"}, "loopback"},
		{[]string{"-sign", "md5"}, "dynamic, static or none"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nope"}, "not defined"},
		{[]string{"-redirect-to", "/elsewhere"}, "redirect location"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, &stdout, &stderr)
		require.Error(t, err, c.args)
		assert.Contains(t, err.Error()+stderr.String(), c.want, c.args)
		assert.Empty(t, stdout.String(), "nothing printed on a refusal")
	}
}

func TestFaultFlagDropAfter(t *testing.T) {
	t.Parallel()
	s := startFake(t, "-fault", "drop-after:App.Market_ChatMessage.Send:1")
	assert.Contains(t, s.comments, "# Fault: the next 1 call(s) to App.Market_ChatMessage.Send: drop-after")
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]))
	require.NoError(t, err)
	chat := chatmsg.New(client)
	ctx := t.Context()
	alice, bob := s.member("ALICE"), s.member("BOB")

	_, err = chat.GetAllUnreadNum(ctx, alice)
	require.NoError(t, err, "another service: not affected")
	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "lost answer"})
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.True(t, te.MayHaveArrived, "the connection was dropped after the call was sent")
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 0, te.StatusCode, "no answer")

	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 1, "stored once, although no answer arrived")
	assert.Equal(t, chatmsg.Text{Content: "lost answer"}, page.Messages[0].Message)

	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "answered"})
	require.NoError(t, err, "N=1: only one call misbehaves")
	page, err = chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, page.Messages, 2)
}

// postControl POSTs query to the control endpoint and returns the status and body.
func postControl(t *testing.T, faultURL, query string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, faultURL+"?"+query, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestControlEndpoint(t *testing.T) {
	t.Parallel()
	s := startFake(t, "-v")
	faultURL := s.vars["FAKE_FAULT_URL"]
	assert.Equal(t, s.vars["OKAYAPI_HOST"]+"/_fake/fault", faultURL)
	assert.Contains(t, strings.Join(s.comments, "\n"), `curl -sS -X POST "$FAKE_FAULT_URL?kind=drop-after&service=App.Market_ChatMessage.Send&n=1"`)
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]),
		okayapi.WithRetries(0, 0, 0)) // a retry would hide the fault
	require.NoError(t, err)
	chat := chatmsg.New(client)
	ctx := t.Context()
	alice, bob := s.member("ALICE"), s.member("BOB")

	_, err = chat.GetAllUnreadNum(ctx, alice)
	require.NoError(t, err, "no fault before one is injected")

	resp, err := http.Get(faultURL)
	require.NoError(t, err)
	list, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Contains(t, string(list), "504-early ", "GET lists the kinds")

	status, body := postControl(t, faultURL, "kind=html502&service=App.Market_ChatMessage.GetAllUnreadNum")
	require.Equal(t, http.StatusNoContent, status, body)
	_, err = chat.GetAllUnreadNum(ctx, alice)
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusBadGateway, te.StatusCode)
	_, err = chat.GetAllUnreadNum(ctx, alice)
	require.NoError(t, err, "n defaults to 1")

	status, body = postControl(t, faultURL, "kind=drop-after&service=App.Market_ChatMessage.Send&n=1")
	require.Equal(t, http.StatusNoContent, status, body)
	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "maybe"})
	require.ErrorAs(t, err, &te)
	assert.True(t, te.MayHaveArrived)
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, page.Messages, 1, "stored once")

	status, body = postControl(t, faultURL, "kind=explode")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, `parameter kind: unknown fault "explode"`)
	status, body = postControl(t, faultURL, "kind=stall&n=0")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "parameter n")
	_, err = chat.GetAllUnreadNum(ctx, alice)
	require.NoError(t, err, "refused injections inject nothing")

	assert.Contains(t, s.stderr.String(), "fault injected\" fault=drop-after service=App.Market_ChatMessage.Send n=1")
}

// The faults that reproduce the PhalApi kernel: an exception after the
// message was stored, and redirects to -redirect-to, which the SDK never
// follows.
func TestKernelFaults(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(elsewhere.Close)
	s := startFake(t, "-fault", "exception-db:App.Market_ChatMessage.Send", "-fault", "store-then-redirect:App.Market_ChatMessage.Send",
		"-redirect-to", elsewhere.URL+"/moved")
	assert.Contains(t, s.comments, "# Fault: the next 1 call(s) to App.Market_ChatMessage.Send: exception-db")
	assert.Contains(t, strings.Join(s.comments, "\n"), "kind: "+faultKinds)
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]))
	require.NoError(t, err)
	chat := chatmsg.New(client)
	ctx := t.Context()
	alice, bob := s.member("ALICE"), s.member("BOB")

	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "one"})
	var ae *okayapi.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "HY000", ae.RetText)
	assert.True(t, strings.HasPrefix(ae.Msg, "SQLSTATE[HY000]: General error"), ae.Msg)
	assert.True(t, okayapi.MayHaveArrived(err))

	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "two"})
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusFound, te.StatusCode)
	assert.ErrorIs(t, err, okayapi.ErrRedirect)
	assert.True(t, te.MayHaveArrived)

	status, body := postControl(t, s.vars["FAKE_FAULT_URL"], "kind=exception&service=App.Market_ChatMessage.Send")
	require.Equal(t, http.StatusNoContent, status, body)
	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "three"})
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusInternalServerError, te.StatusCode)

	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, page.Messages, 3, "each call stored its message before failing")
	assert.Zero(t, hits.Load(), "the redirect was not followed")
}

func TestFaultFlag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]faultSpec{
		"stall":                             {kind: "stall", fault: "stall", n: 1},
		"STALL:3":                           {kind: "stall", fault: "stall", n: 3},
		"truncate:Hello.World":              {kind: "truncate", fault: "truncate", service: "Hello.World", n: 1},
		"non-json::2":                       {kind: "non-json", fault: "non-json", n: 2},
		"html502:App.User.Login:4":          {kind: "html502", fault: "html502", service: "App.User.Login", n: 4},
		"drop-after:Market_ChatMessage.X":   {kind: "drop-after", fault: "drop-after", service: "Market_ChatMessage.X", n: 1},
		"exception":                         {kind: "exception", fault: "exception", n: 1},
		"Exception-Ret0:2":                  {kind: "exception-ret0", fault: "exception-ret0", n: 2},
		"exception-db:App.User.Login":       {kind: "exception-db", fault: "exception-db", service: "App.User.Login", n: 1},
		"redirect307::3":                    {kind: "redirect307", fault: "redirect307", n: 3},
		"store-then-redirect:Hello.World:1": {kind: "store-then-redirect", fault: "store-then-redirect", service: "Hello.World", n: 1},
		"reset-before:App.User.Login":       {kind: "reset-before", fault: "reset-before", service: "App.User.Login", n: 1},
		"503-after::2":                      {kind: "503-after", fault: "503-after", n: 2},
		"504-After:Hello.World":             {kind: "504-after", fault: "504-after", service: "Hello.World", n: 1},
		"429:3":                             {kind: "429", fault: "429", n: 3},
		"429-retry-after:Hello.World:2":     {kind: "429-retry-after", fault: "429-retry-after", service: "Hello.World", n: 2},
		"504-early:Hello.World":             {kind: "504-early", fault: "504-early", service: "Hello.World", n: 1},
		"502-early::2":                      {kind: "502-early", fault: "502-early", n: 2},
		"lag=1500ms":                        {kind: "lag", arg: "1500ms"},
		"Shuffle-Ties":                      {kind: "shuffle-ties"},
		"shift-pages":                       {kind: "shift-pages"},
		"perpage=100":                       {kind: "perpage", arg: "100"},
		"system-sender":                     {kind: "system-sender"},
		"backend-delay=2s":                  {kind: "backend-delay", arg: "2s"},
	} {
		var f faultFlags
		require.NoError(t, f.Set(in), in)
		assert.Equal(t, faultFlags{want}, f, in)
	}
	var f faultFlags
	require.NoError(t, f.Set("stall"))
	require.NoError(t, f.Set("html502:Hello.World:2"))
	assert.Equal(t, "stall::1 html502:Hello.World:2", f.String())
	require.NoError(t, f.Set("lag=2s"))
	require.NoError(t, f.Set("shift-pages"))
	assert.Equal(t, "stall::1 html502:Hello.World:2 lag=2s shift-pages", f.String())
	w := f.world()
	assert.Equal(t, world{chat: chatmsgtest.World{Lag: 2 * time.Second, ShiftPages: true}}, w)
	require.NoError(t, f.Set("backend-delay=0s"))
	assert.NotNil(t, f.world().backendDelay)

	for _, c := range []struct{ in, want string }{
		{"bogus", `unknown fault "bogus" (want html502, drop-after, stall, truncate, non-json, exception, exception-ret0, exception-db, ` +
			`redirect307, store-then-redirect, reset-before, 503-after, 504-after, 429, 429-retry-after, 502-early, 503-early or 504-early)`},
		{"", "unknown fault"},
		{"none", `unknown fault "none"`},
		{"stall:0", `count "0" must be a whole number, 1 or more`},
		{"stall:", `count "" must be`},
		{"stall:Hello.World:x", `count "x" must be`},
		{"stall:Send.", `service "Send." is not a service name`},
		{"stall:A.B.C.D:1", `service "A.B.C.D"`},
		{"stall:A.B:1:2", "want KIND[:SERVICE][:N]"},
		{"lag", "lag takes a value: lag=DURATION"},
		{"lag=soon", `"soon" is not a duration`},
		{"lag=-1s", `"-1s" is not a duration`},
		{"shuffle-ties=1", "shuffle-ties takes no value"},
		{"perpage=0", `perpage="0": want a whole number`},
		{"backend-delay=x", `"x" is not a duration`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-fault", "stall", "-fault", c.in}, &stdout, &stderr)
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), "-fault", c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
		assert.Empty(t, stdout.String(), "nothing printed on a refusal")
	}
}

// The world faults hold for every call: an early gateway 504 whose message
// the backend stores later, a replica lag, a system sender's row.
func TestWorldFaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	connect := func(s started) *chatmsg.Service {
		client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]),
			okayapi.WithRetries(0, 0, 0))
		require.NoError(t, err)
		return chatmsg.New(client)
	}

	s := startFake(t, "-fault", "504-early:App.Market_ChatMessage.Send", "-fault", "backend-delay=10ms")
	assert.Contains(t, s.comments, "# World: backend-delay=10ms")
	chat := connect(s)
	alice, bob := s.member("ALICE"), s.member("BOB")
	_, err := chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "early"})
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusGatewayTimeout, te.StatusCode)
	assert.Eventually(t, func() bool {
		page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
		return err == nil && len(page.Messages) == 1
	}, 10*time.Second, 5*time.Millisecond, "the backend stores the message after the gateway's answer")

	s = startFake(t, "-fault", "lag=1h")
	assert.Contains(t, s.comments, "# World: lag=1h")
	chat = connect(s)
	alice, bob = s.member("ALICE"), s.member("BOB")
	_, err = chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "lagging"})
	require.NoError(t, err)
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, page.Messages, "an hour's replica lag")

	s = startFake(t, "-fault", "system-sender")
	assert.Contains(t, s.comments, "# World: system-sender")
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]))
	require.NoError(t, err)
	resp, err := client.Do(ctx, &okayapi.Request{Service: "App.Market_ChatMessage.GetAllChatList", Member: s.member("ALICE"), Idempotent: true}, nil)
	require.NoError(t, err)
	assert.Contains(t, string(resp.Data), `"chat_message_to_uuid":"system"`)
}

// The package documentation lists every fault kind, one-shot and world,
// at the start of a line of its tables.
func TestDocListsEveryKind(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	doc := string(src[:bytes.Index(src, []byte("\npackage main"))])
	kinds := strings.Split(strings.NewReplacer(" or ", ", ").Replace(faultKinds), ", ")
	require.Len(t, kinds, 18)
	for _, k := range worldKinds {
		kinds = append(kinds, k.name+map[bool]string{true: "=" + k.arg, false: ""}[k.arg != ""])
	}
	for _, k := range kinds {
		assert.Regexp(t, `(?m)^//\t`+regexp.QuoteMeta(k)+` `, doc, "the doc lists %s", k)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-h", "-help"} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 0, cli(context.Background(), []string{arg}, &stdout, &stderr), arg)
		assert.Empty(t, stderr.String(), arg)
		help := stdout.String()
		assert.True(t, strings.HasPrefix(help, "Usage: go run ./examples/fakeserver"), help)
		for _, flag := range []string{"-addr", "-sign", "-quirks", "-plugin", "-send-id", "-fault", "-redirect-to", "-replay", "-export", "-v"} {
			assert.Regexp(t, `(?m)^  `+flag+`\b`, help, "%s: the help lists %s", arg, flag)
		}
		assert.NotContains(t, help, "OKAYAPI_HOST", "the help starts no server")
	}
}

// An error is printed once, on one line, with exit status 2.
func TestErrorPrintedOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "fakeserver: flag provided but not defined: -nope (see --help)\n"},
		{[]string{"-fault", "bogus"}, `fakeserver: invalid value "bogus" for flag -fault: unknown fault "bogus"`},
		{[]string{"-addr", "0.0.0.0:0"}, "fakeserver: okayapitest: listen address \"0.0.0.0:0\" is not a loopback address"},
		{[]string{"-addr", "127.0.0.1:0", "now"}, `fakeserver: unexpected arguments ["now"] (see --help)`},
		{[]string{"-sign", "md5"}, `fakeserver: -sign "md5": must be dynamic, static or none (see --help)`},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, cli(context.Background(), c.args, &stdout, &stderr), c.args)
		assert.Empty(t, stdout.String(), c.args)
		assert.True(t, strings.HasPrefix(stderr.String(), c.want), "%v: %s", c.args, stderr.String())
		assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "%v: one line: %s", c.args, stderr.String())
	}
}
