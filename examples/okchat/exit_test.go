package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

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
			if args[0] == "multisend" { // one line per recipient, whatever became of it
				assert.Equal(t, "text message to 1 member(s): 0 delivered, 1 not delivered:\n"+
					"  "+f.bob.UUID+"  not delivered  -  err_code 9: 插件未安装\n", r.stdout)
			} else {
				assert.Empty(t, r.stdout, "%v", args)
			}
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

func TestGoIdentifierPattern(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"use MarkAllAsReaded for", "must be QueryForm or PathForm", "WithSigner(sign.None())", "chatmsg.Older"} {
		assert.Regexp(t, goIdentifier, s)
	}
	for _, s := range []string{"invalid --id (chat_message_id): must be", "OKAYAPI_HOST", "Run 'okchat --help' for usage.", "ret 401"} {
		assert.NotRegexp(t, goIdentifier, s)
	}
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
		f.srv.InjectFault("", "drop-after", 1)
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
		f.srv.InjectFault("", "html502", 1)
		r := f.run(t, "send", "--to", f.bob.UUID, "--text", "x")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "502")
		assert.Contains(t, r.stderr, "the message may have been delivered; check the history before sending again")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1, "a send that may have arrived must not be repeated")
		assert.Equal(t, okayapitest.Fault("html502"), reqs[0].Fault)
	})
	t.Run("send, connection dropped after storing: may have been delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.srv.InjectFault("", "drop-after", 1)
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
		f.srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
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
		f.srv.InjectFault("", "non-json", 1)
		r := f.run(t, "unread", "--json")
		assert.Equal(t, 3, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "no usable answer")
		assert.NotContains(t, r.stderr, "delivered", "only sends speak of delivery")
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
		{"exception", 3, "HTTP 500", 1},
		{"exception-ret0", 1, "the service failed on App.Market_ChatMessage.Send: ret 0: read error on connection", 1},
		{"exception-db", 1, `the service failed on App.Market_ChatMessage.Send: ret "HY000": SQLSTATE[HY000]: General error`, 1},
		{"redirect307", 3, "the host answered with a redirect, which okchat never follows", 0},
		{"store-then-redirect", 3, "the host answered with a redirect, which okchat never follows", 1},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"ret":200,"data":{"err_code":0,"err_msg":""},"msg":""}`)
			}))
			t.Cleanup(elsewhere.Close)
			f := newFixture(t, okayapitest.WithRedirectLocation(elsewhere.URL+"/"))
			f.srv.InjectFault("", tc.fault, 1)
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
