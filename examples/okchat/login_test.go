package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

const dianaPassword = "pw of diana: 'quoted' $HOME"

// loginFixture is the core fake, without the chat plugin, with one member,
// and okchat's environment for the app alone: no OKAYAPI_UUID or
// OKAYAPI_TOKEN.
type loginFixture struct {
	srv   *okayapitest.Server
	diana okayapi.Member
	env   map[string]string
}

func newLoginFixture(t *testing.T, opts ...okayapitest.Option) *loginFixture {
	t.Helper()
	srv := okayapitest.NewServer(t, opts...)
	f := &loginFixture{srv: srv, env: map[string]string{"OKAYAPI_HOST": srv.URL(), "OKAYAPI_APP_KEY": srv.AppKey()}}
	f.diana = srv.AddMember(okayapitest.Account{Username: "diana", Password: dianaPassword, Nickname: "戴安娜"})
	if s := srv.Secret(); s != "" {
		f.env["OKAYAPI_APP_SECRET"] = s
	}
	if s := srv.StaticSign(); s != "" {
		f.env["OKAYAPI_STATIC_SIGN"] = s
	}
	return f
}

func (f *loginFixture) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := runCall(t, call{env: f.env, stdin: strings.NewReader(stdin)}, args...)
	assert.NotContains(t, r.stderr, dianaPassword, "okchat printed the password")
	assert.NotContains(t, r.stdout, dianaPassword, "okchat printed the password")
	return r
}

var loginLines = regexp.MustCompile(`^(export )?OKAYAPI_UUID=([0-9A-Fa-f]{32})\n(export )?OKAYAPI_TOKEN=(\S+)\n$`)

// parseLogin reads login's two lines and checks the token against the fake:
// it is a token the member can act with.
func (f *loginFixture) parseLogin(t *testing.T, out string, export bool) okayapi.Member {
	t.Helper()
	m := loginLines.FindStringSubmatch(out)
	require.NotNil(t, m, "stdout: %q", out)
	prefix := ""
	if export {
		prefix = "export "
	}
	assert.Equal(t, prefix, m[1])
	assert.Equal(t, prefix, m[3])
	got := okayapi.NewMember(m[2], m[4])
	assert.Equal(t, f.diana.UUID, got.UUID)
	assert.NotEmpty(t, got.Token())
	return got
}

func TestLogin(t *testing.T) {
	t.Parallel()
	for mode, sign := range signModes() {
		t.Run("plain/"+mode, func(t *testing.T) {
			t.Parallel()
			f := newLoginFixture(t, sign)
			r := f.run(t, "", "login", "--username", "diana", "--password", dianaPassword).ok(t)
			f.parseLogin(t, r.stdout, false) // TestLoginThenAct acts with the token
			reqs := f.srv.Requests()
			require.NotEmpty(t, reqs)
			assert.Equal(t, "App.User.Login", reqs[0].Service)
		})
	}
	t.Run("export", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		r := f.run(t, "", "login", "--username", "diana", "--password", dianaPassword, "--export").ok(t)
		f.parseLogin(t, r.stdout, true)
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		for _, args := range [][]string{
			{"--json", "login", "--username", "diana", "--password", dianaPassword},
			{"login", "--username", "diana", "--password", dianaPassword, "--json"},
		} {
			doc := f.run(t, "", args...).ok(t).doc(t)
			assert.Len(t, doc, 2, "%v", doc)
			assert.Equal(t, f.diana.UUID, doc["uuid"])
			token, ok := doc["token"].(string)
			require.True(t, ok, "token must be a string: %v", doc)
			assert.NotEmpty(t, token)
		}
	})
	t.Run("each login, a new token", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		a := f.parseLogin(t, f.run(t, "", "login", "--username", "diana", "--password", dianaPassword).ok(t).stdout, false)
		b := f.parseLogin(t, f.run(t, "", "login", "--username", "diana", "--password", dianaPassword).ok(t).stdout, false)
		assert.NotEqual(t, a.Token(), b.Token())
	})
	t.Run("the member's own variables are not needed, nor read", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		f.env["OKAYAPI_UUID"] = "not a uuid"
		f.run(t, "", "login", "--username", "diana", "--password", dianaPassword).ok(t)
	})
}

// The token printed by login is what the other commands act with.
func TestLoginThenAct(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "hi alice")
	env := map[string]string{}
	for k, v := range f.env {
		if k != "OKAYAPI_UUID" && k != "OKAYAPI_TOKEN" {
			env[k] = v
		}
	}
	r := runCall(t, call{env: env, stdin: strings.NewReader("pw-alice\n")}, "login", "--username", "alice", "--password-stdin").ok(t)
	m := loginLines.FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	env["OKAYAPI_UUID"], env["OKAYAPI_TOKEN"] = m[2], m[4]
	r = runEnv(t, env, "unread").ok(t)
	assert.Equal(t, "1 unread message(s)\n", r.stdout)
}

// The password comes from --password, --password-stdin (its first line) or
// OKAYAPI_PASSWORD, in that order of choice.
func TestLoginPasswordSources(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stdin string
		env   string // OKAYAPI_PASSWORD
		args  []string
	}{
		{"stdin, newline", dianaPassword + "\n", "", []string{"--password-stdin"}},
		{"stdin, CRLF", dianaPassword + "\r\n", "", []string{"--password-stdin"}},
		{"stdin, no newline", dianaPassword, "", []string{"--password-stdin"}},
		{"stdin, first line only", dianaPassword + "\nsecond line\n", "", []string{"--password-stdin"}},
		{"stdin before the environment", dianaPassword + "\n", "wrong", []string{"--password-stdin"}},
		{"environment", "", dianaPassword, nil},
		{"flag before the environment", "", "wrong", []string{"--password", dianaPassword}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newLoginFixture(t)
			if tc.env != "" {
				f.env["OKAYAPI_PASSWORD"] = tc.env
			}
			r := f.run(t, tc.stdin, append([]string{"login", "--username", "diana"}, tc.args...)...).ok(t)
			f.parseLogin(t, r.stdout, false)
		})
	}
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"wrong password": {"login", "--username", "diana", "--password", "not " + dianaPassword},
		"no such member": {"login", "--username", "nobody", "--password", dianaPassword},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newLoginFixture(t)
			r := f.run(t, "", args...)
			assert.Equal(t, 1, r.code, "stderr: %s", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Equal(t, "okchat login: the service refused the login (App.User.Login): err_code 1: 登录失败，账号或密码错误\n"+
				"okchat: check the username and the password; the account may also be disabled\n", r.stderr)
			assert.NotContains(t, r.stderr, "not "+dianaPassword)
		})
	}
	t.Run("ErrLoginFailed is what maps to exit 1", func(t *testing.T) {
		t.Parallel()
		var stderr bytes.Buffer
		err := &okayapi.PluginError{Service: "App.User.Login", Code: 3, Msg: "账号已禁用"}
		require.ErrorIs(t, err, okayapi.ErrPlugin)
		assert.Equal(t, 1, report(&stderr, &loginCommand, err, callInfo{}))
	})
}

func TestLoginUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  []string
		stdin string
		env   func(map[string]string)
		want  string // the first line of stderr
	}{
		{"no username", []string{"login", "--password", "x"}, "", nil, "okchat login: --username is required"},
		{"no password", []string{"login", "--username", "diana"}, "", nil,
			"okchat login: a password is required: --password-stdin, --password or OKAYAPI_PASSWORD"},
		{"both password flags", []string{"login", "--username", "diana", "--password", "x", "--password-stdin"}, "x\n", nil,
			"okchat login: give --password or --password-stdin, not both"},
		{"empty --password", []string{"login", "--username", "diana", "--password", ""}, "", nil, "okchat login: the password is empty"},
		{"empty stdin", []string{"login", "--username", "diana", "--password-stdin"}, "", nil, "okchat login: the password is empty"},
		{"blank first line", []string{"login", "--username", "diana", "--password-stdin"}, "\n" + dianaPassword + "\n", nil, "okchat login: the password is empty"},
		{"password too long", []string{"login", "--username", "diana", "--password-stdin"}, strings.Repeat("p", maxPassword+1), nil,
			"okchat login: --password-stdin: the password is longer than 4096 bytes"},
		{"empty username", []string{"login", "--username", "", "--password", "x"}, "", nil, "okchat login: invalid --username: must not be empty"},
		{"--export with --json", []string{"--json", "login", "--username", "diana", "--password", "x", "--export"}, "", nil,
			"okchat login: --export writes shell lines; --json writes JSON: give one of them"},
		{"stray argument", []string{"login", "--username", "diana", "secret"}, "", nil, `okchat login: unexpected argument "secret"`},
		{"no host", []string{"login", "--username", "diana", "--password", "x"}, "", func(e map[string]string) { delete(e, "OKAYAPI_HOST") },
			"okchat login: missing environment variable(s): OKAYAPI_HOST (see 'okchat --help')"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newLoginFixture(t)
			if tc.env != nil {
				tc.env(f.env)
			}
			r := f.run(t, tc.stdin, tc.args...)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Empty(t, r.stdout)
			first, _, _ := strings.Cut(r.stderr, "\n")
			assert.Equal(t, tc.want, first)
			assert.NotRegexp(t, goIdentifier, r.stderr)
			assert.Empty(t, f.srv.Requests(), "nothing is sent on bad usage")
		})
	}
}

func TestLoginTransport(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		f.srv.Close()
		r := f.run(t, "", "--timeout", "3s", "login", "--username", "diana", "--password", dianaPassword)
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "okchat login: no usable answer")
		assert.NotContains(t, r.stderr, "delivered", "only sends speak of delivery")
	})
	t.Run("not JSON, every time", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		f.srv.InjectFault("", "non-json", 10)
		r := f.run(t, "", "login", "--username", "diana", "--password", dianaPassword)
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
	})
	t.Run("output fails: exit 4, the token not on stderr", func(t *testing.T) {
		t.Parallel()
		f := newLoginFixture(t)
		var stderr bytes.Buffer
		code := run(t.Context(), []string{"login", "--username", "diana", "--password", dianaPassword}, system{
			getenv: func(k string) string { return f.env[k] }, stdin: strings.NewReader(""), stdout: &failingWriter{ok: 20}, stderr: &stderr,
		})
		assert.Equal(t, 4, code)
		assert.Equal(t, "okchat login: the call succeeded, but the output could not be written: write /dev/stdout: no space left on device\n", stderr.String())
	})
}

// An answer okchat cannot read may hold the new token: the error does not
// quote it.
func TestLoginHidesTokenInErrors(t *testing.T) {
	t.Parallel()
	const token = "TOKEN7f3a9c0e5b2d4f6a8c0e2b4d6f8a0c2e"
	for name, data := range map[string]string{
		"uuid a number":  `{"err_code":0,"uuid":12345,"token":"` + token + `"}`,
		"token a number": `{"err_code":0,"uuid":"` + strings.Repeat("A", 32) + `","token":{"v":"` + token + `"}}`,
		"no uuid":        `{"err_code":0,"token":"` + token + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const host = "http://okayapi.test"
			mt := httpmock.NewMockTransport()
			mt.RegisterRegexpResponder(http.MethodPost, regexp.MustCompile(`^`+regexp.QuoteMeta(host)+`/`),
				httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":`+data+`,"msg":""}`))
			env := map[string]string{"OKAYAPI_HOST": host, "OKAYAPI_APP_KEY": strings.Repeat("A", 32)}
			r := runCall(t, call{env: env, hc: &http.Client{Transport: mt}}, "login", "--username", "diana", "--password", "pw")
			assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "okchat login: no usable answer: okayapi: App.User.Login: cannot read answer")
			assert.NotContains(t, r.stderr, token)
			assert.NotContains(t, r.stderr, "TOKEN7f3a")
		})
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	values := []string{
		"0123456789ABCDEF0123456789ABCDEF", "abc_DEF-1.2/3:4@5%6+7=8,9",
		"", "a b", "it's", "'", "''", `$HOME`, "`id`", "$(id)", "~", "~root", "a;b", "a&b", "a|b", "*", "?", "[a]",
		"new\nline", "tab\there", `back\slash`, `"double"`, "!bang", "#hash", "{a,b}", "令牌", "x=y z",
	}
	for _, v := range values[:2] {
		assert.Equal(t, v, shellQuote(v), "safe values are left bare")
	}
	for _, v := range values[2:] {
		q := shellQuote(v)
		assert.True(t, strings.HasPrefix(q, "'") && strings.HasSuffix(q, "'"), "%q is quoted: %s", v, q)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to source the lines with")
	}
	for _, v := range values {
		script := "OKAYAPI_TOKEN=" + shellQuote(v) + "\nprintf '%s' \"$OKAYAPI_TOKEN\""
		out, err := exec.CommandContext(t.Context(), sh, "-c", script).Output()
		require.NoError(t, err, "%q: %s", v, script)
		assert.Equal(t, v, string(out), "sh reads back %q from %s", v, script)
	}
}

// What login prints is sourced by a real shell as it is meant to be:
// eval "$(okchat login … --export)" exports both variables.
func TestLoginSourceable(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to source the lines with")
	}
	f := newLoginFixture(t)
	out := f.run(t, dianaPassword+"\n", "login", "--username", "diana", "--password-stdin", "--export").ok(t).stdout
	want := f.parseLogin(t, out, true)
	script := "eval \"$LINES\"\nexec sh -c 'printf \"%s\\n%s\\n\" \"$OKAYAPI_UUID\" \"$OKAYAPI_TOKEN\"'"
	cmd := exec.CommandContext(t.Context(), sh, "-c", script)
	cmd.Env = []string{"LINES=" + out}
	got, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, want.UUID+"\n"+want.Token()+"\n", string(got), "a child process sees both variables")
}

// signModes are the fake app's three ways of checking signatures, by name.
func signModes() map[string]okayapitest.Option {
	return map[string]okayapitest.Option{"dynamic": okayapitest.WithSecret(""), "static": okayapitest.WithStaticSign(""), "none": okayapitest.WithoutSign()}
}
