package cassette_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
	"github.com/okayapi-go/sdk/sign"
)

// script makes the same calls against any client: a login, Hello.World
// twice with different names, Counter.Next twice (a sequence of the same
// call with different answers), a wrong login (err_code 1) and a call with
// an expired token (ret 401). It returns what each call gave, and the
// member the login gave.
func script(t *testing.T, c *okayapi.Client, expire func()) ([]string, okayapi.Member) {
	t.Helper()
	ctx := context.Background()
	alice, err := c.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	out := []string{
		hello(ctx, c, url.Values{"name": {"dogstar"}}),
		hello(ctx, c, url.Values{"name": {"小白"}, "greeting": {"你好 & <b>"}}),
		counter(ctx, c, alice),
		counter(ctx, c, alice),
	}
	_, err = c.Login(ctx, "alice", "wrong password")
	out = append(out, "error: "+err.Error())
	expire()
	out = append(out, counter(ctx, c, alice))
	return out, alice
}

func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)

	rec := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app()),
		cassette.WithSecrets(alicePass))
	assert.Equal(t, cassette.Record, rec.Mode())
	assert.Equal(t, fake.app(), rec.App())
	recorded, realAlice := script(t, rec.Client(okayapi.WithRetries(0, 0, 0)), func() { fake.ExpireToken(fake.alice.UUID) })
	assert.Contains(t, recorded[0], `"content":"Hello dogstar \ud83d\ude00 a\/b"`, "the fake's PHP escapes")
	assert.Contains(t, recorded[2], `"n":"1"`)
	assert.Contains(t, recorded[3], `"n":"2"`)
	assert.Contains(t, recorded[4], "err_code 1")
	assert.Contains(t, recorded[5], "ret 401")
	signs := []string{}
	for _, r := range fake.Requests() {
		signs = append(signs, r.Form.Get("sign"))
	}
	fake.Close() // from here on, nothing answers but the cassette

	// What is written: one body and one sidecar per exchange, by action.
	all := files(t, dir)
	assert.Equal(t, []string{
		"login/0001_success.json", "login/0001_success.req.json",
		"login/0006_err1.json", "login/0006_err1.req.json",
		"next/0004_success.json", "next/0004_success.req.json",
		"next/0005_success.json", "next/0005_success.req.json",
		"next/0007_ret401.json", "next/0007_ret401.req.json",
		"world/0002_success.json", "world/0002_success.req.json",
		"world/0003_success.json", "world/0003_success.req.json",
	}, names(all))
	assert.Contains(t, all["world/0002_success.json"], `"content":"Hello dogstar \ud83d\ude00 a\/b"`, "stored byte for byte")
	assert.Contains(t, recorded[0], fixtureData(t, all["world/0002_success.json"]), "as the client saw it")
	var side map[string]any
	require.NoError(t, json.Unmarshal([]byte(all["login/0001_success.req.json"]), &side))
	assert.Equal(t, "App.User.Login", side["service"])
	assert.Equal(t, "POST", side["method"])
	assert.Equal(t, "query", side["url_form"])
	assert.Equal(t, map[string]any{"username": "alice", "password": "REDACTED-PASSWORD-1"}, side["params"], "each password its own placeholder")
	assert.EqualValues(t, 200, side["status"])
	assert.EqualValues(t, 1, side["order"])
	assert.Equal(t, "application/json;charset=utf-8", side["content_type"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT`, side["recorded"])
	require.NoError(t, json.Unmarshal([]byte(all["next/0004_success.req.json"]), &side))
	assert.Equal(t, fake.alice.UUID, side["member"], "member uuids are kept")
	assert.Equal(t, map[string]any{}, side["params"])

	// No secret anywhere: app key, secret, tokens, password (plain and md5),
	// signatures.
	secrets := append([]string{fake.AppKey(), fake.Secret(), fake.alice.Token(), realAlice.Token(), alicePass, md5Hex(alicePass)}, signs...)
	assertNoSecret(t, dir, secrets...)
	login := all["login/0001_success.json"]
	m := regexp.MustCompile(`"token":"([0-9A-F]{64})"`).FindStringSubmatch(login)
	require.NotNil(t, m, login)
	assert.Regexp(t, `^0+1$`, m[1], "a placeholder token of the same shape")
	assert.Contains(t, login, `"uuid":"`+fake.alice.UUID+`"`)

	// Replay: the same calls give the same answers and errors, from the
	// files, signed with another app's secret.
	rep := cassette.New(t, dir, cassette.IgnoreEnv())
	assert.Equal(t, cassette.Replay, rep.Mode())
	assert.Equal(t, wiretest.VectorSecret, rep.App().Secret)
	replayed, replayAlice := script(t, rep.Client(okayapi.WithRetries(0, 0, 0)), func() {})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, realAlice.UUID, replayAlice.UUID)
	assert.Equal(t, m[1], replayAlice.Token(), "the replayed login gives the placeholder token")
	require.NoError(t, replayAlice.Validate())
	assert.Equal(t, all, files(t, dir), "replay writes nothing")
}

// fixtureData is the data of an envelope, as the file holds it.
func fixtureData(t *testing.T, body string) string {
	t.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	return string(env.Data)
}

// helloCassette writes a hand-made cassette: Hello.World for dogstar, twice
// with different answers, and a body-only file.
func helloCassette(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, dir, "world/a.json", `{"ret":200,"data":{"content":"first"},"msg":""}`)
	writeFile(t, dir, "world/a.req.json", `{"service":"App.Hello.World","params":{"name":"dogstar"},"order":1}`)
	writeFile(t, dir, "world/b.json", `{"ret":200,"data":{"content":"second"},"msg":""}`)
	writeFile(t, dir, "world/b.req.json", `{"service":"App.Hello.World","params":{"name":"dogstar"},"order":2}`)
	writeFile(t, dir, "world/c.html", "<html>busy</html>")
	writeFile(t, dir, "world/c.req.json", `{"service":"App.Hello.World","params":{"name":"busy"},"status":503,"content_type":"text/html","header":{"Retry-After":"7"}}`)
	writeFile(t, dir, "README.md", "not a recording")
	return dir
}

func TestReplayServesInOrderAndFailsClearly(t *testing.T) {
	t.Parallel()
	dir := helloCassette(t)
	tb := capture(t)
	client := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}

	assert.JSONEq(t, `{"content":"first"}`, hello(ctx, client, dogstar))
	assert.JSONEq(t, `{"content":"second"}`, hello(ctx, client, dogstar))
	assert.Empty(t, tb.Errors())

	// Used up: the third call fails the test, and says why.
	got := hello(ctx, client, dogstar)
	assert.True(t, strings.HasPrefix(got, "error: "), got)
	errs := tb.Errors()
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "cassette "+dir+": no recording for App.Hello.World with parameters\n\tname = \"dogstar\"")
	assert.Contains(t, errs[0], "nearest recording: world/")
	assert.Contains(t, errs[0], "all 2 recording(s) of this call were served already")
	assert.NotContains(t, errs[0], "OKAYAPI_CASSETTE", "no hint when the environment is ignored")
	assert.Contains(t, got, "no recording for App.Hello.World", "the call's error says it too")

	// Another name and an extra parameter: the diff, parameter by parameter.
	hello(ctx, client, url.Values{"name": {"bob"}, "greeting": {"hi"}})
	errs = tb.Errors()
	require.Len(t, errs, 2)
	assert.Contains(t, errs[1], "nearest recording: world/")
	assert.Contains(t, errs[1], "\n\tgreeting: sent \"hi\", not recorded")
	assert.Contains(t, errs[1], "\n\tname: sent \"bob\", recorded ")

	// Another service: the nearest recording and the service it answers.
	_, err := client.Do(ctx, &okayapi.Request{Service: "App.Hello.Moon"}, nil)
	require.Error(t, err)
	errs = tb.Errors()
	require.Len(t, errs, 3)
	assert.Contains(t, errs[2], "no recording for App.Hello.Moon with no parameters of its own")
	assert.Contains(t, errs[2], "\n\tservice: sent App.Hello.Moon, recorded App.Hello.World")

	// A recorded HTTP status, content type and Retry-After come back.
	_, err = client.Do(ctx, &okayapi.Request{Service: svcHello, Params: url.Values{"name": {"busy"}}}, nil)
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 503, te.StatusCode)
	assert.Contains(t, te.Excerpt, "busy")
	assert.Len(t, tb.Errors(), 3)
}

func TestReplayChecksSignature(t *testing.T) {
	t.Parallel()
	dir := helloCassette(t)
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}

	tb := capture(t)
	app := cassette.App{BaseURL: "https://example.test", AppKey: "0123456789ABCDEF0123456789ABCDEF", Secret: "the-test-app-secret-0123456789"}
	cas := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(app))
	good := cas.Client(okayapi.WithRetries(0, 0, 0))
	assert.JSONEq(t, `{"content":"first"}`, hello(ctx, good, dogstar))
	assert.Empty(t, tb.Errors())

	// A client that signs with another secret: a signing regression.
	bad := cas.Client(okayapi.WithRetries(0, 0, 0), okayapi.WithSecret("another-secret-0123456789"))
	got := hello(ctx, bad, dogstar)
	assert.True(t, strings.HasPrefix(got, "error: "), got)
	errs := tb.Errors()
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "the request to App.Hello.World is signed wrongly for the app secret (over app_key, name, s)")
	assert.NotContains(t, errs[0], app.Secret)

	// Unsigned, while the app has a secret.
	tb2 := capture(t)
	unsigned := cassette.New(tb2, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0), okayapi.WithSigner(sign.None()))
	hello(ctx, unsigned, dogstar)
	require.Len(t, tb2.Errors(), 1)
	assert.Contains(t, tb2.Errors()[0], "has no signature")

	// An app without a secret is not checked.
	tb3 := capture(t)
	none := cassette.New(tb3, dir, cassette.IgnoreEnv(), cassette.WithApp(cassette.App{BaseURL: app.BaseURL, AppKey: app.AppKey}))
	assert.JSONEq(t, `{"content":"first"}`, hello(ctx, none.Client(), dogstar))
	assert.Empty(t, tb3.Errors())
}

// The path form finds the same recordings as the query form.
func TestReplayPathForm(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	client := cassette.New(tb, helloCassette(t), cassette.IgnoreEnv()).Client(okayapi.WithURLForm(okayapi.PathForm))
	assert.JSONEq(t, `{"content":"first"}`, hello(context.Background(), client, url.Values{"name": {"dogstar"}}))
	assert.Empty(t, tb.Errors())
}

// A body without a sidecar answers any call to its directory's action.
func TestReplayBodyOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "world/legacy.json", "\xEF\xBB\xBF{\"ret\":\"200\",\"data\":{\"content\":\"old\"},\"msg\":\"\"}")
	tb := capture(t)
	client := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	assert.JSONEq(t, `{"content":"old"}`, hello(context.Background(), client, url.Values{"name": {"anyone"}}))
	got := hello(context.Background(), client, url.Values{"name": {"anyone"}})
	assert.Contains(t, got, "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "nearest recording: world/legacy.json (any call to ….world (no sidecar))")
}

func TestWithFiles(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	client := cassette.New(tb, helloCassette(t), cassette.IgnoreEnv(), cassette.WithFiles("world/b.json")).Client()
	assert.JSONEq(t, `{"content":"second"}`, hello(context.Background(), client, url.Values{"name": {"dogstar"}}))
	assert.Empty(t, tb.Errors())

	tb = capture(t)
	assert.False(t, fatal(func() { cassette.New(tb, helloCassette(t), cassette.WithFiles("world/nope.json")) }))
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "nope.json")
}

func TestRecordMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}

	first := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client()
	want := hello(ctx, first, dogstar)
	seen := len(fake.Requests())

	cas := cassette.New(t, dir, cassette.WithMode(cassette.RecordMissing), cassette.IgnoreEnv(), cassette.WithApp(fake.app()))
	client := cas.Client()
	assert.Equal(t, want, hello(ctx, client, dogstar), "replayed")
	assert.Len(t, fake.Requests(), seen, "the recorded call did not reach the app")
	bob := hello(ctx, client, url.Values{"name": {"bob"}})
	assert.Contains(t, bob, "Hello bob")
	assert.Len(t, fake.Requests(), seen+1, "the missing one did")
	assert.Equal(t, want, hello(ctx, client, dogstar), "used up: recorded again")
	assert.Equal(t, []string{
		"world/0001_success.json", "world/0001_success.req.json",
		"world/0002_success.json", "world/0002_success.req.json",
		"world/0003_success.json", "world/0003_success.req.json",
	}, names(files(t, dir)))

	// Without an app to record from, a missing call fails and says so.
	tb := capture(t)
	offline := cassette.New(tb, dir, cassette.WithMode(cassette.RecordMissing), cassette.IgnoreEnv())
	hello(ctx, offline.Client(okayapi.WithRetries(0, 0, 0)), url.Values{"name": {"carol"}})
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "no app to record it from")
}

// Record mode starts afresh: earlier recordings go, hand-written files stay.
func TestRecordStartsAfresh(t *testing.T) {
	t.Parallel()
	dir := helloCassette(t)
	fake := newFakeApp(t)
	writeFile(t, dir, "world/0007_success.json", `{"ret":200,"data":{"content":"old"},"msg":""}`)
	writeFile(t, dir, "world/0007_success.req.json", `{"service":"App.Hello.World","params":{"name":"x"},"order":7,"recorded":"2026-01-01T00:00:00Z"}`)

	client := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client()
	hello(context.Background(), client, url.Values{"name": {"dogstar"}})
	assert.Equal(t, []string{
		"README.md",
		"world/0003_success.json", "world/0003_success.req.json", // after the hand-written orders 1 and 2
		"world/a.json", "world/a.req.json", "world/b.json", "world/b.req.json", "world/c.html", "world/c.req.json",
	}, names(files(t, dir)))
}

func TestRecordNeedsAnApp(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	ok := fatal(func() {
		cassette.New(tb, t.TempDir(), cassette.WithMode(cassette.Record), cassette.IgnoreEnv())
	})
	if os.Getenv("OKAYAPI_HOST") != "" && os.Getenv("OKAYAPI_APP_KEY") != "" {
		t.Skip("the environment names an app")
	}
	assert.False(t, ok)
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "record mode needs the app to record from: WithApp, or OKAYAPI_HOST and OKAYAPI_APP_KEY")
}

func TestBrokenCassette(t *testing.T) {
	t.Parallel()
	for name, files := range map[string]map[string]string{
		"sidecar without body": {"world/a.req.json": `{"service":"App.Hello.World"}`},
		"unknown field":        {"world/a.json": `{}`, "world/a.req.json": `{"service":"App.Hello.World","parms":{}}`},
		"no service":           {"world/a.json": `{}`, "world/a.req.json": `{"params":{}}`},
		"two bodies":           {"world/a.json": `{}`, "world/a.html": `x`},
	} {
		dir := t.TempDir()
		for rel, content := range files {
			writeFile(t, dir, rel, content)
		}
		tb := capture(t)
		assert.False(t, fatal(func() { cassette.New(tb, dir) }), name)
		assert.Len(t, tb.Errors(), 1, name)
		_, err := cassette.NewRecorder(dir, nil)
		assert.Error(t, err, name)
		_, err = cassette.NewHandler(dir, cassette.App{})
		assert.Error(t, err, name)
	}
}

// A missing directory is an empty cassette.
func TestEmptyCassette(t *testing.T) {
	t.Parallel()
	tb := capture(t)
	client := cassette.New(tb, filepath.Join(t.TempDir(), "none")).Client(okayapi.WithRetries(0, 0, 0))
	hello(context.Background(), client, url.Values{"name": {"x"}})
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "the cassette holds no recording at all")
}

func TestModeString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "replay", cassette.Replay.String())
	assert.Equal(t, "record", cassette.Record.String())
	assert.Equal(t, "missing", cassette.RecordMissing.String())
	assert.Equal(t, "Mode(9)", cassette.Mode(9).String())
}

// A hand-written answer for any parameters or any service is served only
// once no more specific one is left.
func TestSpecificBeforeWildcard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "common/busy.html", "<html>busy</html>")
	writeFile(t, dir, "common/busy.req.json", `{"service":"*","status":503}`)
	writeFile(t, dir, "world/any.json", `{"ret":200,"data":{"content":"anyone"},"msg":""}`)
	writeFile(t, dir, "world/any.req.json", `{"service":"App.Hello.World","params":null,"order":9}`)
	writeFile(t, dir, "world/dogstar.json", `{"ret":200,"data":{"content":"dogstar"},"msg":""}`)
	writeFile(t, dir, "world/dogstar.req.json", `{"service":"App.Hello.World","params":{"name":"dogstar"},"order":10}`)
	tb := capture(t)
	client := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	ctx := context.Background()
	dogstar := url.Values{"name": {"dogstar"}}
	assert.JSONEq(t, `{"content":"dogstar"}`, hello(ctx, client, dogstar))
	assert.JSONEq(t, `{"content":"anyone"}`, hello(ctx, client, dogstar))
	assert.Contains(t, hello(ctx, client, dogstar), "503")
	assert.Contains(t, hello(ctx, client, dogstar), "no recording")
	assert.Len(t, tb.Errors(), 1)
}
