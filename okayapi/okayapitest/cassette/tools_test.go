package cassette_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// recordWith makes a client on the fake whose transport is a Recorder on
// dir, as a command's --record flag would.
func recordWith(t *testing.T, fake *fakeApp, dir string) (*okayapi.Client, *cassette.Recorder) {
	t.Helper()
	rec, err := cassette.NewRecorder(dir, nil, cassette.WithApp(cassette.App{AppKey: fake.AppKey(), Secret: fake.Secret()}),
		cassette.WithSecrets(alicePass))
	require.NoError(t, err)
	client, err := okayapi.New(fake.URL(), fake.AppKey(), okayapi.WithSecret(fake.Secret()),
		okayapi.WithHTTPClient(&http.Client{Transport: rec}), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	return client, rec
}

func TestRecorderAddsToACassette(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bug-report")
	fake := newFakeApp(t)
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}

	// One run of the command: a login and a call.
	client, rec := recordWith(t, fake, dir)
	alice, err := client.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	first := hello(ctx, client, dogstar)
	require.NoError(t, rec.Err())

	// A second run adds to it, and records what a gateway answered.
	client, rec = recordWith(t, fake, dir)
	assert.Equal(t, first, hello(ctx, client, dogstar))
	fake.InjectFault(svcHello, "html502", 1)
	assert.Contains(t, hello(ctx, client, url.Values{"name": {"busy"}}), "502")
	require.NoError(t, rec.Err())

	all := files(t, dir)
	assert.Equal(t, []string{
		"login/0001_success.json", "login/0001_success.req.json",
		"world/0002_success.json", "world/0002_success.req.json",
		"world/0003_success.json", "world/0003_success.req.json",
		"world/0004_http502.html", "world/0004_http502.req.json",
	}, names(all))
	assert.Contains(t, all["world/0004_http502.html"], "<center>nginx</center>")
	assert.Contains(t, all["world/0004_http502.req.json"], `"status": 502`)
	assert.Contains(t, all["world/0004_http502.req.json"], `"content_type": "text/html`)
	var signs []string
	for _, r := range fake.Requests() {
		signs = append(signs, r.Form.Get("sign"))
	}
	assertNoSecret(t, dir, append([]string{fake.AppKey(), fake.Secret(), alice.Token(), alicePass, md5Hex(alicePass)}, signs...)...)

	// The tests replay it as it is.
	tb := capture(t)
	replay := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	_, err = replay.Login(ctx, "alice", "whatever")
	require.NoError(t, err)
	assert.Equal(t, first, hello(ctx, replay, dogstar))
	assert.Equal(t, first, hello(ctx, replay, dogstar))
	assert.Contains(t, hello(ctx, replay, url.Values{"name": {"busy"}}), "502")
	assert.Empty(t, tb.Errors())
}

// A cassette that cannot be written is refused before any call; a failure
// to write later does not fail the call: Err reports it.
func TestRecorderWriteFailure(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	_, err := cassette.NewRecorder(file, nil)
	require.Error(t, err, "not a directory")
	if dir, ok := unwritableDir(t); ok {
		_, err = cassette.NewRecorder(dir, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cassette: ")
	}

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "world"), []byte("in the way of world/"), 0o644))
	fake := newFakeApp(t)
	client, rec := recordWith(t, fake, dir)
	assert.Contains(t, hello(context.Background(), client, url.Values{"name": {"dogstar"}}), "Hello dogstar")
	require.Error(t, rec.Err())
	assert.Contains(t, rec.Err().Error(), "cassette: ")
}

// unwritableDir returns a directory that cannot be written, if this
// system has one: a read-only one for a user, a path on /proc for root.
func unwritableDir(t *testing.T) (string, bool) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "read-only")
	require.NoError(t, os.Mkdir(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return dir, true
	}
	f.Close()
	os.Remove(f.Name())
	if fi, err := os.Stat("/proc/self"); err == nil && fi.IsDir() {
		return "/proc/self/okayapi-cassette-test", true // root writes everywhere but there
	}
	return "", false
}

// A Recorder passes a failed request back and records nothing.
func TestRecorderTransportError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	client, rec := recordWith(t, fake, dir)
	fake.InjectFault(svcHello, "reset-before", 1)
	assert.Contains(t, hello(context.Background(), client, url.Values{"name": {"dogstar"}}), "error: ")
	require.NoError(t, rec.Err())
	assert.Empty(t, files(t, dir))
}

func TestHandler(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}
	rec := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client()
	recorded, _ := script(t, rec, func() { fake.ExpireToken(fake.alice.UUID) })
	fake.Close()

	app := cassette.App{AppKey: "00112233445566778899AABBCCDDEEFF", Secret: "the-replay-server-secret-0123456789"}
	h, err := cassette.NewHandler(dir, app)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client, err := okayapi.New(srv.URL, app.AppKey, okayapi.WithSecret(app.Secret), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)

	// The same calls give the same answers, whatever the token.
	replayed, _ := script(t, client, func() {})
	assert.Equal(t, recorded, replayed)
	// Used up: the last recording again.
	assert.Equal(t, recorded[1], hello(ctx, client, url.Values{"name": {"小白"}, "greeting": {"你好 & <b>"}}))
	assert.Contains(t, counter(ctx, client, okayapi.NewMember(fake.alice.UUID, "any token at all")), "ret 401")

	// No recording: a 404 that names the nearest.
	_, err = client.Do(ctx, &okayapi.Request{Service: svcHello, Params: url.Values{"name": {"bob"}}}, nil)
	assert.ErrorIs(t, err, okayapi.ErrNoSuchService)
	assert.Contains(t, err.Error(), `ret 404: 非法请求：服务App.Hello.World没有录制的回答 (cassette `+dir+`: no recording for App.Hello.World with parameters`)
	assert.Contains(t, err.Error(), `name: sent "bob", recorded "dogstar"`)

	// Signatures are checked with the handler's secret; the key is checked.
	wrong, err := okayapi.New(srv.URL, app.AppKey, okayapi.WithSecret("another-secret-0123456789"), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	_, err = wrong.Do(ctx, &okayapi.Request{Service: svcHello, Params: dogstar}, nil)
	assert.ErrorIs(t, err, okayapi.ErrBadSignature)
	wrong, err = okayapi.New(srv.URL, "FFEEDDCCBBAA99887766554433221100", okayapi.WithSecret(app.Secret), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	_, err = wrong.Do(ctx, &okayapi.Request{Service: svcHello, Params: dogstar}, nil)
	assert.ErrorIs(t, err, okayapi.ErrBadAppKey)

	resp, err := http.PostForm(srv.URL+"/?s="+svcHello, url.Values{"name": {"dogstar"}})
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"ret":400,"data":{},"msg":"客户端非法请求：缺少必要参数app_key"}`, string(body))

	// Without a secret, signatures are not checked.
	h, err = cassette.NewHandler(dir, cassette.App{})
	require.NoError(t, err)
	open := httptest.NewServer(h)
	t.Cleanup(open.Close)
	unsigned, err := okayapi.New(open.URL, "any-app-key", okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, recorded[0], hello(ctx, unsigned, dogstar))
}

// The handler serves a recorded status, content type and body byte for byte.
func TestHandlerServesBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := "\xEF\xBB\xBF{\"ret\":\"200\",\"data\":{\"content\":\"\\u5c0f\\u767d\",\"ext\":[]},\"msg\":\"\"}"
	writeFile(t, dir, "world/bom.json", body)
	writeFile(t, dir, "world/bom.req.json", `{"service":"App.Hello.World","params":{"name":"dogstar"}}`)
	writeFile(t, dir, "world/gateway.html", "<html>\r\n502\r\n</html>")
	writeFile(t, dir, "world/gateway.req.json", `{"service":"App.Hello.World","params":{"name":"busy"},"status":502,"content_type":"text/html"}`)
	h, err := cassette.NewHandler(dir, cassette.App{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for name, want := range map[string]struct {
		status int
		ctype  string
		body   string
	}{
		"dogstar": {200, "application/json;charset=utf-8", body},
		"busy":    {502, "text/html", "<html>\r\n502\r\n</html>"},
	} {
		resp, err := http.Get(srv.URL + "/api/App/Hello/World?app_key=k&name=" + name)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, want.status, resp.StatusCode, name)
		assert.Equal(t, want.ctype, resp.Header.Get("Content-Type"), name)
		assert.Equal(t, want.body, string(b), name)
		assert.False(t, strings.Contains(resp.Header.Get("Content-Type"), ","), name)
	}
}

// An answer that echoes every secret, raw, URL-encoded and JSON-escaped as
// PHP writes it, is written down with none of them.
func TestEchoedSecretsAreHidden(t *testing.T) {
	t.Parallel()
	const (
		appKey   = "0123456789ABCDEF0123456789ABCDEF"
		secret   = "an/app+secret&with=odd chars 12345"
		token    = "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"
		password = "pa ss/wörd+1"
	)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		flat := map[string]string{}
		for k := range form {
			flat[k] = form.Get(k)
		}
		flat["config_secret"] = secret
		flat["lower_token"] = strings.ToLower(token)
		var data strings.Builder
		enc := json.NewEncoder(&data)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(flat)
		php := strings.ReplaceAll(strings.TrimSpace(data.String()), "/", `\/`) // as PHP's json_encode writes it
		raw, _ := json.Marshal(string(b))
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, `{"ret":200,"data":{"err_code":0,"err_msg":"","echo":`+php+`,"raw":`+string(raw)+`,"uuid":"94275598697D07FE75F00CF43B0EFADA","token":"`+token+`"},"msg":"`+secret+`"}`)
	}))
	t.Cleanup(echo.Close)

	dir := t.TempDir()
	cas := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(),
		cassette.WithApp(cassette.App{BaseURL: echo.URL, AppKey: appKey, Secret: secret}), cassette.WithSecrets(password))
	client := cas.Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	m, err := client.Login(ctx, "alice", password)
	require.NoError(t, err)
	assert.Equal(t, token, m.Token())
	_, err = client.Do(ctx, &okayapi.Request{Service: svcHello, Member: m, Params: url.Values{"name": {"dogstar"}, "new_password": {password}}}, nil)
	require.NoError(t, err)

	secrets := []string{appKey, secret, token, password, md5Hex(password), url.QueryEscape(secret), url.QueryEscape(password)}
	assertNoSecret(t, dir, secrets...)
	all := files(t, dir)
	assert.Contains(t, all["login/0001_success.json"], `"token":"0000000000000000000000000000000000000000000000000000000000000001"`)
	assert.Contains(t, all["login/0001_success.json"], `"msg":"REDACTED-APP-SECRET"`)
	assert.Contains(t, all["world/0002_success.json"], `"sign":"REDACTED-SIGN"`)
	assert.Contains(t, all["world/0002_success.json"], `"app_key":"REDACTED-APP-KEY"`)
	assert.Contains(t, all["world/0002_success.json"], `"lower_token":"0000000000000000000000000000000000000000000000000000000000000001"`, "the same placeholder, any case")
	assert.Contains(t, all["world/0002_success.req.json"], `"new_password": "REDACTED-PASSWORD-2"`, "md5(password) was sent to login: another value")
	assert.Contains(t, all["world/0002_success.req.json"], `"member": "`, "the uuid is kept")

	// The cassette replays, the login giving the placeholder token.
	tb := capture(t)
	replay := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	m, err = replay.Login(ctx, "alice", "any password")
	require.NoError(t, err)
	assert.Equal(t, "0000000000000000000000000000000000000000000000000000000000000001", m.Token())
	_, err = replay.Do(ctx, &okayapi.Request{Service: svcHello, Member: m, Params: url.Values{"name": {"dogstar"}, "new_password": {"other"}}}, nil)
	require.NoError(t, err)
	assert.Empty(t, tb.Errors())
}
