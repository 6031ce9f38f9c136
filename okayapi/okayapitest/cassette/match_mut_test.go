package cassette_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// unsignedApp is a replaying app without a secret: its requests are not
// checked for a signature, so a test may send raw ones.
var unsignedApp = cassette.App{BaseURL: "https://example.test", AppKey: "0123456789ABCDEF0123456789ABCDEF"}

// rawPost posts body to target on hc and returns the answer's body, or the
// error's text.
func rawPost(hc *http.Client, target, contentType string, body io.Reader, length int64) string {
	req, err := http.NewRequest(http.MethodPost, target, body)
	if err != nil {
		return "error: " + err.Error()
	}
	req.ContentLength = length
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// bodyOnly writes a body-only answer whose data is {"content": content}.
func bodyOnly(t *testing.T, dir, rel, content string) {
	t.Helper()
	writeFile(t, dir, rel, `{"ret":200,"data":{"content":"`+content+`"},"msg":""}`)
}

// TestRequestBodyLimit: a request body of exactly 32 MiB is read and
// served; one byte more is refused with an error that says so, rather than
// matched on a truncated body.
func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bodyOnly(t, dir, "world/1.json", "first")
	bodyOnly(t, dir, "world/2.json", "second")
	tb := capture(t)
	hc := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(unsignedApp)).HTTPClient()
	const limit = 32 << 20
	big := bytes.Repeat([]byte{'a'}, limit+1)
	target := unsignedApp.BaseURL + "/?s=App.Hello.World&app_key=" + unsignedApp.AppKey

	got := rawPost(hc, target, "application/octet-stream", bytes.NewReader(big[:limit]), limit)
	assert.Contains(t, got, `"first"`, "a body at the limit is served")

	got = rawPost(hc, target, "application/octet-stream", bytes.NewReader(big), limit+1)
	assert.Contains(t, got, "request body larger than 33554432 bytes")
	assert.Empty(t, tb.Errors())
}

// errBody is a request body whose reading fails.
type errBody struct{}

func (errBody) Read([]byte) (int, error) { return 0, errors.New("the disk went away") }

// TestRequestBodyReadError: a request whose body cannot be read fails with
// the reason, and is not matched.
func TestRequestBodyReadError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bodyOnly(t, dir, "world/1.json", "first")
	tb := capture(t)
	hc := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(unsignedApp)).HTTPClient()
	got := rawPost(hc, unsignedApp.BaseURL+"/?s=App.Hello.World", "application/x-www-form-urlencoded", errBody{}, 10)
	assert.Contains(t, got, "cassette: reading the request: the disk went away")
	assert.Empty(t, tb.Errors())
}

// TestServiceFromPathOrDefault: a request that names no service is matched
// as PhalApi would call it: the path form /api/Class/Action (two parts) or
// /api/App/Class/Action (three), and App.Site.Index when the path is not
// of that form or there is no path at all.
func TestServiceFromPathOrDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bodyOnly(t, dir, "world/1.json", "world")
	bodyOnly(t, dir, "world/2.json", "world again")
	bodyOnly(t, dir, "index/1.json", "index")
	bodyOnly(t, dir, "index/2.json", "index again")
	bodyOnly(t, dir, "index/3.json", "index thrice")
	tb := capture(t)
	hc := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(unsignedApp)).HTTPClient()
	post := func(path string) string {
		form := url.Values{"app_key": {unsignedApp.AppKey}}.Encode()
		return rawPost(hc, unsignedApp.BaseURL+path, "application/x-www-form-urlencoded", strings.NewReader(form), int64(len(form)))
	}
	assert.Contains(t, post("/api/Hello/World"), `"world"`)
	assert.Contains(t, post("/api/App/Hello/World"), `"world again"`)
	assert.Contains(t, post("/api/App/Hello/World/More"), `"index"`, "four parts: not a service")
	assert.Contains(t, post("/api/App//World"), `"index again"`, "an empty part: not a service")
	assert.Contains(t, post("/"), `"index thrice"`)
	assert.Empty(t, tb.Errors())
}

// TestMultipartRequestMatches: a multipart form is read as PHP reads it,
// its fields matched as the URL-encoded form's are.
func TestMultipartRequestMatches(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	hc := cassette.New(tb, helloCassette(t), cassette.IgnoreEnv(), cassette.WithApp(unsignedApp)).HTTPClient()
	multi := func(name string) string {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		require.NoError(t, w.WriteField("app_key", unsignedApp.AppKey))
		require.NoError(t, w.WriteField("name", name))
		require.NoError(t, w.Close())
		return rawPost(hc, unsignedApp.BaseURL+"/?s=App.Hello.World", w.FormDataContentType(), &body, int64(body.Len()))
	}
	assert.Contains(t, multi("dogstar"), `"first"`)
	assert.Empty(t, tb.Errors())
	assert.Contains(t, multi("bob"), "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "\n\tname: sent \"bob\", recorded ")
}

// TestLoggedInCallNeedsAToken: a call recorded with a member's login is
// not served to a request that gives the member's uuid but no token.
func TestLoggedInCallNeedsAToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	ctx := context.Background()
	c := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client(okayapi.WithRetries(0, 0, 0))
	require.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, fake.alice))
	fake.Close()

	tb := capture(t)
	hc := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(unsignedApp)).HTTPClient()
	form := url.Values{"app_key": {unsignedApp.AppKey}, "uuid": {fake.alice.UUID}}.Encode()
	got := rawPost(hc, unsignedApp.BaseURL+"/?s="+svcCounter, "application/x-www-form-urlencoded", strings.NewReader(form), int64(len(form)))
	assert.Contains(t, got, "no recording")
	assert.NotContains(t, got, `"n"`)
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "\n\ttoken: recorded with a member's token, sent without one")
}

// TestHandWrittenMember: a hand-written sidecar without a member answers
// any member and none; one with a member answers that member only.
func TestHandWrittenMember(t *testing.T) {
	t.Parallel()
	const alice, bob = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	dir := t.TempDir()
	for _, f := range []string{"1", "2", "3"} {
		bodyOnly(t, dir, "world/any"+f+".json", "anyone "+f)
		writeFile(t, dir, "world/any"+f+".req.json", `{"service":"App.Hello.World","params":{"name":"x"},"order":`+f+`}`)
	}
	bodyOnly(t, dir, "world/alice.json", "alice's")
	writeFile(t, dir, "world/alice.req.json", `{"service":"App.Hello.World","member":"`+alice+`","params":{"name":"a"}}`)
	tb := capture(t)
	c := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	as := func(m okayapi.Member, name string) string {
		resp, err := c.Do(ctx, &okayapi.Request{Service: svcHello, Member: m, Params: url.Values{"name": {name}}}, nil)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(resp.Data)
	}
	aliceM := okayapi.NewMember(alice, strings.Repeat("1", 64))
	bobM := okayapi.NewMember(bob, strings.Repeat("2", 64))

	assert.JSONEq(t, `{"content":"anyone 1"}`, as(aliceM, "x"))
	assert.JSONEq(t, `{"content":"anyone 2"}`, as(bobM, "x"))
	assert.JSONEq(t, `{"content":"anyone 3"}`, as(okayapi.Member{}, "x"))
	assert.Empty(t, tb.Errors())

	got := as(bobM, "a")
	assert.Contains(t, got, "no recording", "bob is not served alice's answer")
	assert.NotContains(t, got, "alice's")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], `member: sent member "`+bob+`", recorded member "`+alice+`"`)
	assert.JSONEq(t, `{"content":"alice's"}`, as(aliceM, "a"))
	assert.Len(t, tb.Errors(), 1)
}

// TestRecordedWithoutMember: a call recorded without a member is not
// served to the same call made as a member.
func TestRecordedWithoutMember(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	ctx := context.Background()
	c := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client(okayapi.WithRetries(0, 0, 0))
	require.Contains(t, hello(ctx, c, url.Values{"name": {"x"}}), "Hello x")
	fake.Close()

	tb := capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client(okayapi.WithRetries(0, 0, 0))
	_, err := c.Do(ctx, &okayapi.Request{Service: svcHello, Member: fake.alice, Params: url.Values{"name": {"x"}}}, nil)
	require.Error(t, err)
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], `member: sent member "`+fake.alice.UUID+`", recorded no member`)
	assert.Contains(t, hello(ctx, c, url.Values{"name": {"x"}}), "Hello x", "without a member: served")
}

// TestMemberHiddenAsSecret: a member uuid named WithSecrets is recorded as
// a placeholder, which stands, on replay, for the first uuid sent in its
// place: that member is served, another one is not.
func TestMemberHiddenAsSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	bob := fake.AddMember(okayapitest.Account{Username: "bob", Password: "bob's password"})
	ctx := context.Background()
	c := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app()),
		cassette.WithSecrets(fake.alice.UUID)).Client(okayapi.WithRetries(0, 0, 0))
	require.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, fake.alice))
	require.JSONEq(t, `{"err_code":0,"err_msg":"","n":"2"}`, counter(ctx, c, fake.alice))
	fake.Close()
	assertNoSecret(t, dir, fake.alice.UUID)

	tb := capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, fake.alice))
	assert.Empty(t, tb.Errors())
	got := counter(ctx, c, bob)
	assert.Contains(t, got, "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "\n\tmember: recorded REDACTED-SECRET, which this session tied to another value sent earlier")
	assert.NotContains(t, tb.Errors()[0], bob.UUID[:16]+"\"", "the message does not need bob's uuid")
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"2"}`, counter(ctx, c, fake.alice))
	assert.Len(t, tb.Errors(), 1)
}

// passwordApp is a fake app with two calls that carry two secrets each:
// Vault.Change (old_password, new_password) and Vault.Open (password,
// password_confirm).
func passwordApp(t *testing.T) *okayapitest.Server {
	t.Helper()
	srv := okayapitest.NewServer(t)
	for _, svc := range []struct{ name, a, b string }{
		{"App.Vault.Change", "old_password", "new_password"},
		{"App.Vault.Open", "password", "password_confirm"},
	} {
		srv.Handle(okayapitest.Service{
			Name:   svc.name,
			Params: []okayapitest.Param{{Name: svc.a, Required: true}, {Name: svc.b, Required: true}},
			Handler: func(c *okayapitest.Call) okayapitest.Answer {
				return okayapitest.OK(okayapitest.Field{Key: "done", Value: svc.name})
			},
		})
	}
	return srv
}

// TestTwoSecretsInOneCall: within one call, two secret parameters recorded
// with two different values are not matched by one value sent twice, and
// two recorded with the same value are not matched by two different ones:
// each placeholder stands for one value, and a value for one placeholder,
// inside a call as across calls. (Replayed without the key of the hashes.)
func TestTwoSecretsInOneCall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := passwordApp(t)
	ctx := context.Background()
	c := cassette.New(t, dir, cassette.RecordFrom(srv)).Client(okayapi.WithRetries(0, 0, 0))
	call := func(c *okayapi.Client, service, a, av, b, bv string) string {
		resp, err := c.Do(ctx, &okayapi.Request{Service: service, Params: url.Values{a: {av}, b: {bv}}}, nil)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(resp.Data)
	}
	change := func(c *okayapi.Client, old, new string) string {
		return call(c, "App.Vault.Change", "old_password", old, "new_password", new)
	}
	open := func(c *okayapi.Client, pass, confirm string) string {
		return call(c, "App.Vault.Open", "password", pass, "password_confirm", confirm)
	}
	require.Contains(t, change(c, "the old one 1", "the new one 2"), "App.Vault.Change")
	require.Contains(t, open(c, "the same one 3", "the same one 3"), "App.Vault.Open")
	srv.Close()
	assertNoSecret(t, dir, "the old one 1", "the new one 2", "the same one 3")

	tb := capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	got := change(c, "typed twice", "typed twice")
	assert.Contains(t, got, "no recording", "one value for two placeholders")
	require.Len(t, tb.Errors(), 1)
	assert.Regexp(t, `\n\told_password: the value sent was tied to REDACTED-PASSWORD-\d earlier in this session, not to the recorded REDACTED-PASSWORD-\d`, tb.Errors()[0])
	assert.NotContains(t, tb.Errors()[0], "typed twice")

	got = open(c, "first", "second")
	assert.Contains(t, got, "no recording", "two values for one placeholder")
	require.Len(t, tb.Errors(), 2)
	assert.Contains(t, tb.Errors()[1], "\n\tpassword_confirm: recorded REDACTED-PASSWORD-3, which this session tied to another value sent earlier")
	assert.NotContains(t, tb.Errors()[1], "second")

	// The shapes recorded are served.
	assert.Contains(t, change(c, "typed once", "typed again"), "App.Vault.Change")
	assert.Contains(t, open(c, "one", "one"), "App.Vault.Open")
	assert.Len(t, tb.Errors(), 2)
}

// TestAppKeyKeysTheHashesWithoutASecret: an app without a secret keys the
// secrets' hashes with its app key, so that replaying against the app
// recorded from compares passwords exactly, in any order; replayed with
// another app key, the placeholders are tied by identity instead.
func TestAppKeyKeysTheHashesWithoutASecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := okayapitest.NewServer(t, okayapitest.WithoutSign())
	srv.AddMember(okayapitest.Account{Username: "alice", Password: alicePass})
	app := cassette.App{BaseURL: srv.URL(), AppKey: srv.AppKey()}
	c := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(app)).Client(okayapi.WithRetries(0, 0, 0))
	require.Contains(t, login(c, "the wrong password"), "err_code 1")
	require.Equal(t, "ok", login(c, alicePass))
	srv.Close()
	assertNoSecret(t, dir, alicePass, "the wrong password", srv.AppKey())
	recorded := files(t, dir)
	hashed := 0
	for _, content := range recorded {
		if strings.Contains(content, `"keyed"`) {
			hashed++
		}
	}
	assert.Equal(t, 2, hashed, "both logins keep their password's keyed hash")

	tb := capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(app)).Client(okayapi.WithRetries(0, 0, 0))
	assert.Equal(t, "ok", login(c, alicePass), "the right password first")
	assert.Contains(t, login(c, "the wrong password"), "err_code 1")
	assert.Empty(t, tb.Errors())

	tb = capture(t)
	other := cassette.App{BaseURL: app.BaseURL, AppKey: strings.Repeat("F", 32)}
	c = cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(other)).Client(okayapi.WithRetries(0, 0, 0))
	assert.Contains(t, login(c, alicePass), "err_code 1", "another key: the first placeholder, in the recorded order")
	assert.Empty(t, tb.Errors())
}

// TestLongValuesAreCutInMessages: a miss shows a parameter's value up to
// 200 bytes whole, and a longer one cut there.
func TestLongValuesAreCutInMessages(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	c := cassette.New(tb, helloCassette(t), cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	x200 := strings.Repeat("x", 200)

	hello(ctx, c, url.Values{"name": {x200}})
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "\n\tname = \""+x200+"\"\n")

	hello(ctx, c, url.Values{"name": {x200 + "y"}})
	require.Len(t, tb.Errors(), 2)
	assert.Contains(t, tb.Errors()[1], "\n\tname = \""+x200+"\"…\n")
	assert.NotContains(t, tb.Errors()[1], "xy")
}

// twoNames writes Hello.World recorded for "served" (order 1) and for
// "fresh" (order 2).
func twoNames(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bodyOnly(t, dir, "world/1.json", "served")
	writeFile(t, dir, "world/1.req.json", `{"service":"App.Hello.World","params":{"name":"served"},"order":1}`)
	bodyOnly(t, dir, "world/2.json", "fresh")
	writeFile(t, dir, "world/2.req.json", `{"service":"App.Hello.World","params":{"name":"fresh"},"order":2}`)
	return dir
}

// TestNearestPrefersUnserved: of two recordings as near to a missed call,
// the miss names the one not served yet.
func TestNearestPrefersUnserved(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	c := cassette.New(tb, twoNames(t), cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	assert.JSONEq(t, `{"content":"served"}`, hello(ctx, c, url.Values{"name": {"served"}}))
	assert.Contains(t, hello(ctx, c, url.Values{"name": {"other"}}), "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "nearest recording: world/2.json (App.Hello.World)\n\tname: sent \"other\", recorded \"fresh\"")
}

// TestHandlerRepeatCountsAsServed: NewHandler serves a recording again once
// all were served, and it still counts as served: a miss names the
// recording not served yet.
func TestHandlerRepeatCountsAsServed(t *testing.T) {
	t.Parallel()
	h, err := cassette.NewHandler(twoNames(t), cassette.App{AppKey: unsignedApp.AppKey})
	require.NoError(t, err)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	post := func(name string) string {
		form := url.Values{"app_key": {unsignedApp.AppKey}, "name": {name}}.Encode()
		return rawPost(hs.Client(), hs.URL+"/?s=App.Hello.World", "application/x-www-form-urlencoded", strings.NewReader(form), int64(len(form)))
	}
	assert.Contains(t, post("served"), `"served"`)
	assert.Contains(t, post("served"), `"served"`, "served again")
	got := post("other")
	assert.Contains(t, got, `"ret":404`)
	assert.Contains(t, got, "nearest recording: world/2.json")
}
