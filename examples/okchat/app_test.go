package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func TestSignModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode okayapitest.Option
		env  string // the variable that must be set, or ""
	}{
		{"dynamic", okayapitest.WithSecret(""), "OKAYAPI_APP_SECRET"},
		{"static", okayapitest.WithStaticSign(""), "OKAYAPI_STATIC_SIGN"},
		{"none", okayapitest.WithoutSign(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.mode)
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

// Calls sent unsigned to an app that checks signatures: okchat says why.
func TestUnsignedHint(t *testing.T) {
	t.Parallel()
	const hint = "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls"
	t.Run("dynamic app, no secret", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithSecret(""))
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
		f := newFixture(t, okayapitest.WithStaticSign(""))
		delete(f.env, "OKAYAPI_STATIC_SIGN")
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, hint)
		assert.Contains(t, r.stderr, "OKAYAPI_STATIC_SIGN for an app with a static signature")
	})
	t.Run("wrong secret: the secret's hint", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.env["OKAYAPI_APP_SECRET"] = "not-the-secret-of-this-app"
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, "签名错误")
		assert.Contains(t, r.stderr, "okchat: hint: the app refused the signature: OKAYAPI_APP_SECRET is not the secret of the app that OKAYAPI_APP_KEY names")
		assert.NotContains(t, r.stderr, hint)
	})
	t.Run("wrong static sign: its hint", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithStaticSign(""))
		f.env["OKAYAPI_STATIC_SIGN"] = "NOT-THE-SIGN-OF-THIS-APP"
		r := f.run(t, "unread")
		assert.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, "okchat: hint: the app refused the signature: OKAYAPI_STATIC_SIGN is not this app's sign value")
	})
	t.Run("unsigned app: no refusal", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, okayapitest.WithoutSign())
		f.run(t, "unread").ok(t)
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
			f.srv.InjectFault("", "stall", 10) // every attempt stalls
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
