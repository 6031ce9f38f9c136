package okayapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
	"github.com/okayapi-go/sdk/sign"
)

// secretRuns lists what must never show up of secret: the whole of it and
// every run of 16 characters, in upper and lower case.
func secretRuns(secret string) []string {
	var runs []string
	for _, s := range []string{secret, strings.ToLower(secret), strings.ToUpper(secret)} {
		runs = append(runs, s)
		for i := 0; i+16 <= len(s); i++ {
			runs = append(runs, s[i:i+16])
		}
	}
	return runs
}

// assertHidden fails if text holds any secret or any 16-character run of one.
func assertHidden(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		for _, run := range secretRuns(secret) {
			if strings.Contains(text, run) {
				t.Errorf("%s shows %q of a secret:\n%s", what, run, text)
				return
			}
		}
	}
}

// recordingT is a testify TestingT that keeps what a failing assertion prints.
type recordingT struct{ out strings.Builder }

func (r *recordingT) Errorf(format string, args ...any) { fmt.Fprintf(&r.out, format, args...) }

// printed returns everything fmt and testify may show of v. %p is tried on
// pointers only: on any other value fmt answers it with a raw dump that no
// method can change.
func printed(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%T", "%10.3f", "%-8v", "% x"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		out["%p"] = fmt.Sprintf("%p", v)
	}
	rt := &recordingT{}
	assert.Nil(rt, v)
	assert.Equal(rt, nil, v)
	assert.Empty(rt, v)
	out["testify"] = rt.out.String()
	return out
}

// TestNeverFollowsRedirects: a 3xx is an error naming the status and the
// Location host; nothing goes to that host, whatever the caller's client would
// do, and the call is not repeated.
func TestNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, idempotent := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d idempotent=%v", status, idempotent), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t) // h.hc has net/http's default redirect policy: it would follow
				var stolen atomic.Int32
				h.mt.RegisterResponder(http.MethodPost, `=~^https://evil\.example\.test/`, func(*http.Request) (*http.Response, error) {
					stolen.Add(1)
					return httpmock.NewStringResponse(200, envelope(200, `{"id":666}`, "")), nil
				})
				h.mt.RegisterResponder(http.MethodGet, `=~^https://evil\.example\.test/`, func(*http.Request) (*http.Response, error) {
					stolen.Add(1)
					return httpmock.NewStringResponse(200, envelope(200, `{"id":666}`, "")), nil
				})
				h.on(queryURL, func(*http.Request) (*http.Response, error) {
					resp := httpmock.NewStringResponse(status, "moved")
					resp.Header.Set("Location", "https://evil.example.test/steal?token="+testToken)
					return resp, nil
				})
				c := h.client(okayapi.WithRetries(3, 0, 0))
				var out struct {
					ID phpjson.Int `json:"id"`
				}
				resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Idempotent: idempotent}, &out)
				require.Error(t, err)
				assert.Zero(t, stolen.Load(), "nothing was sent to the other host")
				assert.Equal(t, 1, h.calls(), "a redirect is not retried")
				require.NotNil(t, resp)
				assert.Equal(t, status, resp.StatusCode)
				assert.ErrorIs(t, err, okayapi.ErrRedirect)
				assert.ErrorIs(t, err, okayapi.ErrTransport)
				var te *okayapi.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, status, te.StatusCode)
				assert.Equal(t, "evil.example.test", te.Location)
				assert.True(t, okayapi.MayHaveArrived(err), "the first host got the call: it may have stored it")
				assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", status))
				assert.Contains(t, err.Error(), "evil.example.test")
				assert.NotContains(t, err.Error(), testToken)
				assert.Zero(t, out.ID)
			})
		}
	}
}

// TestRedirectOverLoopback: the same with the client's own transport and
// real servers: a host that stores the message and then redirects to a dead
// host, or to itself, gets the message exactly once (a failed dial on a later
// hop would otherwise look like "never sent" and invite a retry).
func TestRedirectOverLoopback(t *testing.T) {
	t.Parallel()
	dead := "http://127.0.0.1:1/" // nothing listens on port 1
	for name, target := range map[string]func(self string) string{
		"to a dead host": func(string) string { return dead },
		"to itself":      func(self string) string { return self + "/?s=" + testSvc },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stored atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stored.Add(1)
				http.Redirect(w, r, target(srv.URL), http.StatusTemporaryRedirect)
			}))
			t.Cleanup(srv.Close)
			c, err := okayapi.New(srv.URL, testAppKey, okayapi.WithSecret(testSecret), okayapi.WithRetries(3, 0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			require.Error(t, err)
			assert.EqualValues(t, 1, stored.Load(), "stored exactly once")
			assert.ErrorIs(t, err, okayapi.ErrRedirect)
			assert.True(t, okayapi.MayHaveArrived(err))
			assert.Contains(t, err.Error(), "may have reached the service")
		})
	}
}

// TestRetThatIsNotAnIntegerOrNotA4xx: PhalApi answers an uncaught exception
// with its code as ret: 0, or a database's "HY000". Such a call may have done
// its work; only 400–499 proves it did not.
func TestRetThatIsNotAnIntegerOrNotA4xx(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ret     string
		wantRet int
		text    string
		refused bool
	}{
		{"database exception", `"HY000"`, 0, "HY000", false},
		{"exception code 0", `0`, 0, "", false},
		{"exception code 0 as a string", `"0"`, 0, "", false},
		{"SQLSTATE 42S02", `"42S02"`, 0, "42S02", false},
		{"401 as a string", `"401"`, 401, "", true},
		{"400 as a float", `400.0`, 400, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(200, `{"ret":`+tt.ret+`,"data":{},"msg":"SQLSTATE[HY000]: General error","debug":{"stack":["#0 /var/www/Api.php(12)"]}}`))
			resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			var ae *okayapi.APIError
			require.ErrorAs(t, err, &ae, "an envelope with a ret is the service's answer, not a transport failure")
			assert.Equal(t, tt.wantRet, ae.Ret)
			assert.Equal(t, tt.text, ae.RetText)
			assert.Equal(t, "SQLSTATE[HY000]: General error", ae.Msg)
			assert.Equal(t, !tt.refused, okayapi.MayHaveArrived(err))
			assert.Equal(t, !tt.refused, errors.Is(err, okayapi.ErrServer))
			assert.Equal(t, tt.refused, errors.Is(err, okayapi.ErrBadRequest))
			assert.False(t, errors.Is(err, okayapi.ErrTransport))
			if tt.refused {
				assert.Contains(t, err.Error(), "not carried out")
			} else {
				assert.Contains(t, err.Error(), "may have taken effect")
			}
			if tt.text != "" {
				assert.Contains(t, err.Error(), tt.text)
			}
			require.NotNil(t, resp)
		})
	}
}

// TestHTTP500EmptyBody: PhalApi with debug off answers an uncaught exception
// with HTTP 500 and nothing else: the call may have done its work, and it is
// not repeated, idempotent or not.
func TestHTTP500EmptyBody(t *testing.T) {
	t.Parallel()
	for _, idempotent := range []bool{false, true} {
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(500, ""))
		_, err := h.client(okayapi.WithRetries(3, 0, 0)).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Idempotent: idempotent}, nil)
		require.ErrorIs(t, err, okayapi.ErrTransport)
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.Equal(t, 1, h.calls())
	}
}

// failures returns errors of every kind that an answer echoing the call's
// secrets produces, each with the Response Do returned.
func failures(t *testing.T, secret string, member okayapi.Member) map[string]struct {
	err  error
	resp *okayapi.Response
} {
	t.Helper()
	echo := func(req *http.Request) string {
		_ = req.ParseForm()
		return "token=" + member.Token() + " secret=" + secret + " sign=" + req.PostForm.Get("sign")
	}
	answers := map[string]httpmock.Responder{
		"APIError": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(401, `{}`, echo(req))), nil
		},
		"APIError with ret text": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, `{"ret":"`+member.Token()+`","data":{},"msg":"x"}`), nil
		},
		"PluginError": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(200, `{"err_code":2,"err_msg":"`+echo(req)+`"}`, "")), nil
		},
		"TransportError 502": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(502, "<html>"+echo(req)+"</html>"), nil
		},
		"TransportError body cut": func(req *http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(200, "")
			resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"ret":200,"data":{"x":"`+echo(req)), iotestErr{}))
			return resp, nil
		},
		"TransportError network": func(*http.Request) (*http.Response, error) {
			return nil, errors.New("proxy said: bad token " + member.Token())
		},
		"redirect": func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(307, "")
			resp.Header.Set("Location", "https://"+strings.ToLower(member.Token()[:40])+".example.test/?sign="+secret)
			return resp, nil
		},
		"DecodeError": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(200, `{"n":"`+echo(req)+`"}`, "")), nil
		},
		"DecodeError not an object": func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(200, `["`+echo(req)+`"]`, "")), nil
		},
	}
	out := map[string]struct {
		err  error
		resp *okayapi.Response
	}{}
	for name, answer := range answers {
		h := newHarness(t)
		h.on(queryURL, answer)
		var data struct {
			N phpjson.Int `json:"n"`
		}
		resp, err := h.client(okayapi.WithSecret(secret)).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: member}, &data)
		require.Error(t, err, name)
		out[name] = struct {
			err  error
			resp *okayapi.Response
		}{err, resp}
	}
	return out
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// TestErrorValuesHoldNoSecrets prints every error Do returns, and the
// Response beside it, with every fmt verb, dereferenced, and through
// testify's failure output: no secret and no 16-character run of one shows.
func TestErrorValuesHoldNoSecrets(t *testing.T) {
	t.Parallel()
	for name, f := range failures(t, testSecret, testMember) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			values := map[string]any{"err": f.err}
			var te *okayapi.TransportError
			if errors.As(f.err, &te) {
				values["*TransportError"] = *te
			}
			var de *okayapi.DecodeError
			if errors.As(f.err, &de) {
				values["*DecodeError"] = *de
				values["DecodeError.Data"] = string(de.Data)
			}
			var ae *okayapi.APIError
			if errors.As(f.err, &ae) {
				values["*APIError"] = *ae
			}
			var pe *okayapi.PluginError
			if errors.As(f.err, &pe) {
				values["*PluginError"] = *pe
			}
			if f.resp != nil {
				values["*Response"] = *f.resp
				values["Response.Data"] = string(f.resp.Data)
			}
			for what, v := range values {
				for verb, text := range printed(v) {
					assertHidden(t, what+" "+verb, text, testToken, testSecret)
				}
			}
		})
	}
}

// TestPartialAndEscapedEchoes: the first 40 characters of a token (a body
// cut short), a secret with '/' written PHP-style as "\/", and one with
// non-ASCII characters written as \uXXXX are hidden in errors and logs.
func TestPartialAndEscapedEchoes(t *testing.T) {
	t.Parallel()
	slashSecret := "abc/def/ghi/jkl/mno/pqr/stu/vwx/yz0/123"
	cjkSecret := "秘密的应用密钥秘密的应用密钥-0123456789abcdef"
	tests := []struct {
		name   string
		secret string
		body   string
		hidden []string
	}{
		{"40 characters of the token", testSecret, `{"ret":200,"data":{"err_code":0,"err_msg":"` + testToken[:40], []string{testToken}},
		{"16 characters of the token", testSecret, `<html>token ` + testToken[20:36] + ` expired</html>`, []string{testToken}},
		{"secret with / as \\/", slashSecret, `{"ret":200,"data":[` + `"` + strings.ReplaceAll(slashSecret, "/", `\/`) + `"]}`, []string{slashSecret, strings.ReplaceAll(slashSecret, "/", `\/`)}},
		{"part of a secret with / as \\/", slashSecret, `<p>` + strings.ReplaceAll(slashSecret[4:30], "/", `\/`) + `</p>`, []string{strings.ReplaceAll(slashSecret[4:30], "/", `\/`)}},
		{"non-ASCII secret as \\u escapes", cjkSecret, `{"ret":200,"data":["` + phpEscape(cjkSecret) + `"]}`, []string{phpEscape(cjkSecret)}},
		{"URL-encoded secret", slashSecret, `bad request: sign=x&secret=` + strings.ReplaceAll(slashSecret, "/", "%2F"), []string{strings.ReplaceAll(slashSecret, "/", "%2F")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(200, tt.body))
			var logs bytes.Buffer
			c := h.client(okayapi.WithSecret(tt.secret), okayapi.WithLogger(debugLogger(&logs)))
			_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, &struct{}{})
			require.Error(t, err)
			for _, text := range []string{err.Error(), fmt.Sprintf("%#v", err), logs.String()} {
				for _, s := range tt.hidden {
					assert.NotContains(t, text, s)
					assert.NotContains(t, strings.ToLower(text), strings.ToLower(s))
				}
				assertHidden(t, "error", text, testToken)
			}
			assert.Contains(t, err.Error(), "<redacted>")
		})
	}
}

// deref returns *p as an interface, without the copy go vet warns about.
func deref(p any) any { return reflect.ValueOf(p).Elem().Interface() }

// phpEscape writes s as PHP's json_encode does: every non-ASCII character
// as \uXXXX.
func phpEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// TestNothingPrintsASecret: a Client, a Client value, a Member and every
// signer show no secret, whatever the verb, in slog, or in testify's output.
func TestNothingPrintsASecret(t *testing.T) {
	t.Parallel()
	c, err := okayapi.New(testBase, testAppKey, okayapi.WithSecret(testSecret))
	require.NoError(t, err)
	static, err := okayapi.New(testBase, testAppKey, okayapi.WithSigner(sign.Static(testSecret)))
	require.NoError(t, err)
	values := map[string]any{
		"*Client":         c,
		"Client":          deref(c), // as fmt.Printf("%+v", *c) would print it
		"static *Client":  static,
		"static Client":   deref(static),
		"Member":          testMember,
		"*Member":         &testMember,
		"Dynamic":         sign.Dynamic(testSecret),
		"Static":          sign.Static(testSecret),
		"[]Member":        []okayapi.Member{testMember},
		"struct{Member}":  struct{ M okayapi.Member }{testMember},
		"struct{Signer}":  struct{ S sign.Signer }{sign.Dynamic(testSecret)},
		"map[string]any":  map[string]any{"c": c, "m": testMember},
		"Request":         okayapi.Request{Service: testSvc, Member: testMember},
		"request pointer": &okayapi.Request{Service: testSvc, Member: testMember},
	}
	for name, v := range values {
		for verb, text := range printed(v) {
			assertHidden(t, name+" "+verb, text, testToken, testSecret)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		assertHidden(t, name+" slog", buf.String(), testToken, testSecret)
	}
}

// TestBodyFailureMidwayIsRetriedForReads: the body is read inside the
// attempt, so a 200 answer cut off mid-body, or one that stalls past the
// timeout, is retried for a read and not for a send.
func TestBodyFailureMidwayIsRetriedForReads(t *testing.T) {
	t.Parallel()
	answer := envelope(200, `{"n":7}`, "")
	faults := map[string]func(w http.ResponseWriter){
		"cut off": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
			w.WriteHeader(200)
			io.WriteString(w, answer[:len(answer)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // close the connection mid-body
		},
		"stalled": func(w http.ResponseWriter) {
			w.WriteHeader(200)
			io.WriteString(w, answer[:len(answer)/2])
			w.(http.Flusher).Flush()
			time.Sleep(500 * time.Millisecond) // past the client's 100 ms timeout
		},
	}
	for name, fault := range faults {
		for _, idempotent := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s idempotent=%v", name, idempotent), func(t *testing.T) {
				t.Parallel()
				var calls atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if calls.Add(1) == 1 {
						fault(w)
						return
					}
					io.WriteString(w, answer)
				}))
				t.Cleanup(srv.Close)
				c, err := okayapi.New(srv.URL, testAppKey, okayapi.WithRetries(2, 0, 0), okayapi.WithTimeout(100*time.Millisecond))
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
				var out struct {
					N phpjson.Int `json:"n"`
				}
				resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: idempotent}, &out)
				if idempotent {
					require.NoError(t, err)
					assert.EqualValues(t, 7, out.N)
					assert.Equal(t, 2, resp.Attempts)
					return
				}
				require.Error(t, err, "a send whose answer broke off may have arrived: not repeated")
				assert.EqualValues(t, 1, calls.Load())
				assert.True(t, okayapi.MayHaveArrived(err))
				var te *okayapi.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, 200, te.StatusCode, "the status that came before the body broke off")
			})
		}
	}
}

// TestBadInputIsRefusedBeforeSending: a nil context, an app key with a
// trailing newline and parameter names PHP rewrites fail with an
// *InvalidParamError and send nothing.
func TestBadInputIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(ok(`{}`))
	c := h.client()
	var nilCtx context.Context
	_, err := c.Do(nilCtx, &okayapi.Request{Service: testSvc}, nil)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "ctx", ipe.Field)

	for _, key := range []string{testAppKey + "\n", " " + testAppKey, "16BD 4337", "KEY\x00", "KEY\t"} {
		_, err := okayapi.New(testBase, key)
		require.ErrorAs(t, err, &ipe, "%q", key)
		assert.Equal(t, "app key", ipe.Field)
	}
	for _, name := range []string{"a.b", "a b", "a[b]", "a]", "10", "", "tab\tname", "nl\n"} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		require.ErrorAs(t, err, &ipe, "%q", name)
		assert.Equal(t, "parameter name", ipe.Field)
		assert.Contains(t, ipe.Rule, "must not")
		assert.False(t, okayapi.MayHaveArrived(err))
	}
	assert.Zero(t, h.calls(), "nothing was sent")
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{"other_uuid": {"v"}, "a1": {"v"}, "perpage": {"1"}}}, nil)
	require.NoError(t, err, "ordinary names pass")
}

// TestClose: after Close, calls fail before sending anything, and the
// client's own idle connections are gone.
func TestClose(t *testing.T) {
	t.Parallel()
	srv, conns := countingServer(t)
	c, err := okayapi.New(srv.URL, testAppKey)
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, conns.Load(), "an idle connection is kept")
	require.NoError(t, c.Close())
	assert.Eventually(t, func() bool { return conns.Load() == 0 }, 2*time.Second, 5*time.Millisecond, "Close closed it")
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	assert.ErrorIs(t, err, okayapi.ErrClosed)
	assert.False(t, okayapi.MayHaveArrived(err))
	require.NoError(t, c.Close(), "twice is fine")
}

// TestShortLivedClientsLeaveNoConnections: 200 clients, each making a call
// and closed, leave no connection open at the server (and, checked by
// TestMain with goleak, no goroutine behind).
func TestShortLivedClientsLeaveNoConnections(t *testing.T) {
	t.Parallel()
	srv, conns := countingServer(t)
	for i := 0; i < 200; i++ {
		c, err := okayapi.New(srv.URL, testAppKey)
		require.NoError(t, err)
		_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.NoError(t, err)
		require.NoError(t, c.Close())
	}
	assert.Eventually(t, func() bool { return conns.Load() == 0 }, 5*time.Second, 10*time.Millisecond, "connections left open: %d", conns.Load())
}

// followingTransport is a caller's transport that follows redirects and
// retries by itself, as an http.Client or a retrying RoundTripper does.
type followingTransport struct{ c *http.Client }

func (f followingTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f.c.Do(r) }

// TestDialFailureAfterAnEarlierHopIsNotNeverSent: when the caller's own
// transport follows a redirect to a dead host, its dial error comes after a
// hop that reached a server: Send is not repeated, and the error says the
// message may have arrived.
func TestDialFailureAfterAnEarlierHopIsNotNeverSent(t *testing.T) {
	t.Parallel()
	var stored atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		stored.Add(1)
		http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	inner := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(inner.CloseIdleConnections)
	c, err := okayapi.New(srv.URL, testAppKey, okayapi.WithSecret(testSecret), okayapi.WithRetries(3, 0, 0),
		okayapi.WithHTTPClient(&http.Client{Transport: followingTransport{inner}}))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
	require.Error(t, err)
	assert.EqualValues(t, 1, stored.Load(), "sent once")
	assert.True(t, okayapi.MayHaveArrived(err), "%v", err)
	assert.Contains(t, err.Error(), "may have reached the service")
}

// TestNumericParameterNamesRefused: PHP's ksort compares numeric names as
// numbers, so "9e0", "-1" or "1.5" could never be signed in the order PHP
// checks; they are refused, ordinary names that merely hold digits are not.
func TestNumericParameterNamesRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(ok(`{}`))
	c := h.client()
	for _, name := range []string{"9e0", "1e1", "-1", "-10", "-0", "+7", "1.5", ".5", "5.", "1E+3"} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe, "%q", name)
		assert.Contains(t, ipe.Rule, "PHP")
	}
	assert.Zero(t, h.calls())
	for _, name := range []string{"e1", "1e", "a1", "1a", "-", "e", "x-1"} {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{name: {"v"}}}, nil)
		require.NoError(t, err, "%q", name)
	}
}

// TestRequestPrintsNoSecret: a Request's Params and Secrets (a password's
// hash) never print, with any verb.
func TestRequestPrintsNoSecret(t *testing.T) {
	t.Parallel()
	req := okayapi.Request{Service: testSvc, Member: testMember, Params: url.Values{"password": {testSecret}}, Secrets: []string{testSecret}}
	for name, v := range map[string]any{"Request": req, "*Request": &req} {
		for verb, text := range printed(v) {
			assertHidden(t, name+" "+verb, text, testToken, testSecret)
		}
	}
}

// TestResponseDecodeErrorIsRedacted: the DecodeError a plugin package builds
// from a Response after Do succeeded hides the call's secrets too.
func TestResponseDecodeErrorIsRedacted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{"err_code":0,"`+testToken+`":1,"echo":"`+testToken+`"}`))
	resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
	require.NoError(t, err)
	de := resp.DecodeError("no count among the fields "+testToken, errors.New("missing"))
	for verb, text := range printed(de) {
		assertHidden(t, "DecodeError "+verb, text, testToken)
	}
	assertHidden(t, "DecodeError.Data", string(de.Data), testToken)
	assert.Contains(t, de.Error(), "<redacted>")
}

// TestObjectValuesBounded: composite values stay raw (memory within the
// answer's size), and an object of too many fields is refused.
func TestObjectValuesBounded(t *testing.T) {
	t.Parallel()
	v, err := phpjson.Object(`{"s":"\u4f60","n":12.50,"b":true,"z":null,"l":[1,[2]],"o":{"a":1}}`).Values()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"s": "你", "n": json.Number("12.50"), "b": true, "z": nil, "l": json.RawMessage(`[1,[2]]`), "o": json.RawMessage(`{"a":1}`)}, v)
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i <= phpjson.MaxObjectFields; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	b.WriteString("}")
	_, err = phpjson.Object(b.String()).Values()
	assert.ErrorIs(t, err, phpjson.ErrTooManyFields)
}

// TestLoginErrorsHideTheNewToken: an answer to App.User.Login that cannot be
// read holds the new token; no error shows it.
func TestLoginErrorsHideTheNewToken(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		`{"err_code":0,"uuid":12,"token":"` + testToken + `"}`,
		`{"err_code":0,"uuid":"` + testUUID + `","token":{"t":"` + testToken + `"}}`,
		`{"err_code":0,"token":"` + testToken + `"}`,
		`["` + testToken + `"]`,
	} {
		h := newHarness(t)
		h.onAny(ok(data))
		_, err := h.client().Login(context.Background(), "alice", "pw")
		require.ErrorIs(t, err, okayapi.ErrTransport, data)
		for verb, text := range printed(err) {
			assertHidden(t, data+" "+verb, text, testToken)
		}
	}
}

// TestSwappedMemberShowsNoToken: a Member with its uuid and token swapped
// is refused without the token in the error.
func TestSwappedMemberShowsNoToken(t *testing.T) {
	t.Parallel()
	err := okayapi.NewMember(testToken, testUUID).Validate()
	require.ErrorIs(t, err, okayapi.ErrInvalidParam)
	for verb, text := range printed(err) {
		assertHidden(t, verb, text, testToken)
	}
}

// countingServer answers every call with an empty success and counts the
// connections open at its side.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	conns := &atomic.Int32{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, envelope(200, `{}`, ""))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			conns.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, conns
}
