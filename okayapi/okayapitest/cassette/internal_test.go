package cassette

import (
	"fmt"
	"net/url"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestModeFromEnv(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts []Option
		env  string
		want Mode
	}{
		{nil, "", Replay},
		{[]Option{WithMode(Record)}, "", Record},
		{[]Option{WithMode(Replay)}, "record", Record},
		{[]Option{WithMode(Record)}, " Replay\n", Replay},
		{nil, "missing", RecordMissing},
		{nil, "record-missing", RecordMissing},
		{[]Option{WithMode(Record), IgnoreEnv()}, "replay", Record},
		{[]Option{IgnoreEnv()}, "bogus", Replay},
	} {
		got, err := modeFor(apply(c.opts), env(map[string]string{envMode: c.env}))
		require.NoError(t, err, c.env)
		assert.Equal(t, c.want, got, c.env)
	}
	_, err := modeFor(apply(nil), env(map[string]string{envMode: "rec"}))
	assert.EqualError(t, err, `OKAYAPI_CASSETTE="rec": want record, replay or missing`)
}

// fakeServer is what RecordFrom reads from a server.
type fakeServer struct{ url, key, secret string }

func (f fakeServer) URL() string    { return f.url }
func (f fakeServer) AppKey() string { return f.key }
func (f fakeServer) Secret() string { return f.secret }

// TestRecordFrom: one option records from a server, whatever
// OKAYAPI_CASSETTE says, with the server as the app.
func TestRecordFrom(t *testing.T) {
	t.Parallel()
	srv := fakeServer{"http://127.0.0.1:1", "0123456789ABCDEF0123456789ABCDEF", "s3cret-of-the-fake"}
	for _, v := range []string{"", "replay", "missing", "bogus"} {
		cfg := apply([]Option{RecordFrom(srv)})
		mode, err := modeFor(cfg, env(map[string]string{envMode: v}))
		require.NoError(t, err, v)
		assert.Equal(t, Record, mode, v)
		app, ok := appFor(cfg, mode, env(nil))
		assert.True(t, ok)
		assert.Equal(t, App{BaseURL: srv.url, AppKey: srv.key, Secret: srv.secret}, app)
	}
}

// failTB keeps the first Fatalf and ends the goroutine, as testing does.
type failTB struct {
	testing.TB
	msg string
}

func (f *failTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *failTB) Errorf(format string, args ...any) {
	if f.msg == "" {
		f.msg = format
		if len(args) > 0 {
			f.msg = fmt.Sprintf(format, args...)
		}
	}
}

func TestEnvOverridesTheTest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{envMode: "record", envHost: "http://127.0.0.1:1", envAppKey: "0123456789ABCDEF0123456789ABCDEF", envSecret: "s3cret-of-the-environment"}
	c := newCassette(t, dir, env(vars))
	assert.Equal(t, Record, c.Mode())
	assert.Equal(t, App{BaseURL: "http://127.0.0.1:1", AppKey: vars[envAppKey], Secret: vars[envSecret]}, c.App())

	vars[envMode] = "missing"
	c = newCassette(t, dir, env(vars), WithMode(Replay))
	assert.Equal(t, RecordMissing, c.Mode())

	// Replay ignores the app in the environment: nothing leaves, and the
	// test vector signs.
	vars[envMode] = "replay"
	tb := &failTB{TB: t}
	c = newCassette(tb, dir, env(vars), WithMode(Record))
	assert.Equal(t, Replay, c.Mode())
	assert.Equal(t, App{BaseURL: replayHost, AppKey: wiretest.VectorAppKey, Secret: wiretest.VectorSecret}, c.App())

	// A replay that misses says how to record what is missing.
	form := url.Values{"s": {"App.Hello.World"}, "app_key": {wiretest.VectorAppKey}}
	form.Set("sign", wiretest.Sign(form, wiretest.VectorSecret))
	_, err := c.HTTPClient().PostForm(replayHost+"/", form)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(to record what is missing: OKAYAPI_CASSETTE=missing with the app in OKAYAPI_HOST, OKAYAPI_APP_KEY and OKAYAPI_APP_SECRET)")

	vars[envMode] = "sometimes"
	tb = &failTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		newCassette(tb, dir, env(vars))
	}()
	<-done
	assert.Contains(t, tb.msg, `OKAYAPI_CASSETTE="sometimes": want record, replay or missing`)
}

func TestTokenPlaceholders(t *testing.T) {
	t.Parallel()
	s := newSecrets()
	a := s.token("9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C")
	b := s.token("abcdefabcdefabcdefabcdef")
	assert.Equal(t, "0000000000000000000000000000000000000000000000000000000000000001", a)
	assert.Equal(t, "000000000000000000000002", b)
	assert.Equal(t, a, s.token("9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"), "the same each time")
	assert.Equal(t, "short", s.token("short"), "too short to be a token")
	for i := 3; i <= 9; i++ {
		s.token(fmt.Sprintf("%024d", i))
	}
	assert.Equal(t, "00000000000000000000000A", s.token("CCCCCCCCCCCCCCCCCCCCCCCC"), "upper case")
	assert.Equal(t, "00000000000000000000000A", s.token("cccccccccccccccccccccccc"), "the same token in any case")
	assert.Equal(t, "00000000000000000000000b", s.token("dddddddddddddddddddddddd"), "lower case kept")
}

func TestReplaceEveryForm(t *testing.T) {
	t.Parallel()
	s := newSecrets()
	s.add("p@ss/wörd+1", phPassword)
	s.add("ABCDEF0123456789", phAppKey)
	s.add("short", phOther)
	in := `{"a":"p@ss\/w\u00f6rd+1","b":"p%40ss%2Fw%C3%B6rd%2B1","c":"p@ss/wörd+1","d":"abcdef0123456789","e":"short"}`
	out := string(s.replace([]byte(in), map[string]string{"0011223344556677": phSign}))
	assert.Equal(t, `{"a":"REDACTED-PASSWORD","b":"REDACTED-PASSWORD","c":"REDACTED-PASSWORD","d":"REDACTED-APP-KEY","e":"short"}`, out)
	assert.Equal(t, "x REDACTED-SIGN y", s.replaceString("x 0011223344556677 y", map[string]string{"0011223344556677": phSign}))
	assert.Equal(t, "日本 REDACTED-APP-KEY 語", s.replaceString("日本 AbCdEf0123456789 語", nil), "case ignored, multi-byte text kept")
}

func TestAnswerSecrets(t *testing.T) {
	t.Parallel()
	s := newSecrets()
	s.answerSecrets([]byte("\xEF\xBB\xBF" + `{"ret":200,"data":{"uuid":"94275598697D07FE75F00CF43B0EFADA","token":"00112233445566778899AABBCCDDEEFF","list":[{"access_token":"ffeeddccbbaa99887766554433221100"}],"user":{"new_password":"hunter2hunter2"}}}`))
	body := string(s.replace([]byte(`00112233445566778899AABBCCDDEEFF ffeeddccbbaa99887766554433221100 hunter2hunter2 94275598697D07FE75F00CF43B0EFADA`), nil))
	assert.Equal(t, "00000000000000000000000000000002 00000000000000000000000000000001 REDACTED-PASSWORD 94275598697D07FE75F00CF43B0EFADA", body)
	s.answerSecrets([]byte("not json"))
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"ret":200,"data":{"err_code":0},"msg":""}`:      "success",
		`{"ret":"200","data":{"err_code":"2"},"msg":""}`:  "err2",
		`{"ret":200,"data":[],"msg":""}`:                  "success",
		`{"ret":401,"data":{},"msg":""}`:                  "ret401",
		`{"ret":"HY000","data":{},"msg":""}`:              "retHY000",
		"\xEF\xBB\xBF" + `{"ret":200,"data":{},"msg":""}`: "success",
		`{"ret":200,"data":{"err_code":0`:                 "nonjson",
		`<html>`:                                          "nonjson",
	} {
		assert.Equal(t, want, outcome(200, []byte(body)), body)
	}
	assert.Equal(t, "http502", outcome(502, nil))
}

func TestActionDir(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "send", actionDir("App.Market_ChatMessage.Send"))
	assert.Equal(t, "getallunreadnum", actionDir("App.Market_ChatMessage.GetAllUnreadNum"))
	assert.Equal(t, "login", actionDir("App.User.Login"))
	assert.Equal(t, "unknown", actionDir("App.X.../"))
}
