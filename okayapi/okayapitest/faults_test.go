package okayapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("HTML502", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "html502", 1)
		r := f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusBadGateway, r.Status)
		assert.Contains(t, string(r.Body), "<center><h1>502 Bad Gateway</h1></center>")
		assert.Empty(t, f.box.all(), "nothing was done")
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("kept")))
		assert.Len(t, f.box.all(), 1, "only the next call misbehaved")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: url.Values{}, Form: reqs[0].Form,
			Service: svcPut, Status: 502, Fault: "html502"}, reqs[0])
		assert.Equal(t, Fault(""), reqs[1].Fault)
	})
	t.Run("NonJSON", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "non-json", 1)
		r := f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusOK, r.Status)
		assert.False(t, json.Valid(r.Body))
		assert.Contains(t, string(r.Body), "PHP Fatal error")
		assert.Empty(t, f.box.all())
	})
	t.Run("DropAfter", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "drop-after", 1)
		resp, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err, "no answer")
		msgs := f.box.all()
		require.Len(t, msgs, 1, "the call was processed")
		assert.Equal(t, `{"content":"stored"}`, msgs[0].raw)
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 0, reqs[0].Status)
		assert.Equal(t, 200, reqs[0].Ret)
		assert.Equal(t, Fault("drop-after"), reqs[0].Fault)
	})
	t.Run("Truncate", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("one")))
		f.srv.InjectFault("", "truncate", 1)
		resp, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcList, ms[1], nil))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, resp.ContentLength/2, int64(len(body)), "half of the announced body")
		assert.True(t, bytes.HasPrefix(body, []byte(`{"ret":200,"data":{"err_code":0`)), string(body))
		assert.False(t, json.Valid(body))

		f.srv.InjectFault("", "truncate", 1)
		resp2, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("two"))))
		require.NoError(t, err)
		_, err = io.ReadAll(resp2.Body)
		resp2.Body.Close()
		assert.Error(t, err)
		assert.Len(t, f.box.all(), 2, "the truncated call was processed")
	})
	t.Run("Stall until the client gives up", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "stall", 1)
		// The client gives up once the handler is seen stalling, rather than
		// at a fixed deadline that a loaded machine might pass before the
		// request is even read.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errc := make(chan error, 1)
		go func() {
			resp, err := f.send(ctx, http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("never"))))
			if resp != nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the handler stalls")
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		// Far below the 30-second stall limit, and the server is not closed:
		// only the client's cancellation can release the handler this soon.
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 0 }, 5*time.Second, 10*time.Millisecond,
			"the handler gives up with the client")
		assert.Empty(t, f.box.all(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, Fault("stall"), reqs[0].Fault)
		assert.Equal(t, 0, reqs[0].Status)
		assert.Equal(t, 0, reqs[0].Ret, "not processed")
	})
	t.Run("Stall ends at Close", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault("", "stall", 1)
		// A client with no timeout: only the server can end this call.
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		body := f.params("Hello.World", okayapi.Member{}, nil)
		req, err := http.NewRequest(http.MethodPost, f.srv.URL()+"/", strings.NewReader(body.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var callErr atomic.Pointer[error] // set when the call ends
		go func() {
			resp, err := hc.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			callErr.Store(&err)
		}()
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the handler stalls")

		var closed atomic.Bool
		go func() {
			f.srv.Close()
			closed.Store(true)
		}()
		// Far below the 30-second stall limit, and the client never gives
		// up by itself: only Close can end the call this soon.
		require.Eventually(t, func() bool { return closed.Load() && callErr.Load() != nil }, 5*time.Second, 10*time.Millisecond,
			"Close returns and ends the stalled call")
		assert.Error(t, *callErr.Load(), "the stalled call ends with an error")
		assert.Zero(t, f.srv.stalled.Load(), "Close released the stalled handler")
		f.srv.Close() // twice is fine
	})
	t.Run("Exception500", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "exception", 1)
		r := f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
		assert.Equal(t, http.StatusInternalServerError, r.Status)
		assert.Empty(t, r.Body, "debug off: PHP sends nothing")
		msgs := f.box.all()
		require.Len(t, msgs, 1, "the work was done before the exception")
		assert.Equal(t, `{"content":"stored"}`, msgs[0].raw)
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: url.Values{}, Form: reqs[0].Form,
			Service: svcPut, Status: 500, Processed: true, Ret: 200, ErrCode: 0, Fault: "exception", WorkDone: true}, reqs[0],
			"recorded as processed: the call's own ret and err_code")
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("next"))) // used up
	})
	t.Run("ExceptionRet0", func(t *testing.T) {
		t.Parallel()
		for _, quirks := range []bool{false, true} {
			f := newFake(t, WithQuirks(quirks))
			ms := f.members(2)
			f.srv.InjectFault("", "exception-ret0", 1)
			r := f.do(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
			assert.Equal(t, 0, r.Ret, "the exception's code: %s", r.Body)
			assert.Equal(t, redisErrorMsg, r.Msg)
			if quirks {
				assert.Equal(t, "[]", string(r.Data))
			} else {
				assert.Equal(t, "{}", string(r.Data))
			}
			var env struct {
				Debug struct {
					Exception []map[string]any `json:"exception"`
					Stack     []string         `json:"stack"`
				} `json:"debug"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &env), string(r.Body))
			assert.NotEmpty(t, env.Debug.Stack, "debug mode: a stack")
			require.NotEmpty(t, env.Debug.Exception, "debug mode: the exception's trace")
			assert.Equal(t, "Redis", env.Debug.Exception[0]["class"])
			assert.Equal(t, "/www/wwwroot/okayapi/src/app/Domain/Test/Box.php", env.Debug.Exception[0]["file"], "the service's domain class")
			assert.Contains(t, string(r.Body), `"ret":0,"data":`, "ret is the number 0")
			assert.Len(t, f.box.all(), 1, "the work was done before the exception")
			reqs := f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, 200, reqs[0].Status)
			assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
			assert.Equal(t, Fault("exception-ret0"), reqs[0].Fault)
		}
	})
	t.Run("ExceptionDB", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(svcPut, "exception-db", 1)
		r := f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
		require.Equal(t, http.StatusOK, r.Status)
		var env struct {
			Ret   any             `json:"ret"`
			Data  json.RawMessage `json:"data"`
			Msg   string          `json:"msg"`
			Debug struct {
				Exception []map[string]any `json:"exception"`
				Stack     []string         `json:"stack"`
			} `json:"debug"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &env), string(r.Body))
		assert.Equal(t, "HY000", env.Ret, "ret is the SQLSTATE, a JSON string")
		assert.True(t, strings.HasPrefix(string(r.Body), `{"ret":"HY000","data":[],"msg":"SQLSTATE[HY000]: General error`), string(r.Body))
		assert.Equal(t, "[]", string(env.Data), "PHP writes the empty data as []")
		assert.True(t, strings.HasPrefix(env.Msg, "SQLSTATE[HY000]: General error"), env.Msg)
		assert.NotEmpty(t, env.Debug.Stack)
		require.NotEmpty(t, env.Debug.Exception)
		assert.Equal(t, "PDOStatement", env.Debug.Exception[0]["class"])
		assert.Len(t, f.box.all(), 1, "the work was done before the exception")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
		assert.Equal(t, Fault("exception-db"), reqs[0].Fault)
	})
	t.Run("exception after a refusal", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.ExpireToken(ms[0].UUID)
		f.srv.InjectFault("", "exception-ret0", 1)
		r := f.do(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("refused"))))
		assert.Equal(t, 0, r.Ret, "the fault answers whatever the call did")
		assert.Empty(t, f.box.all(), "the call was refused: nothing stored")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 401, reqs[0].Ret, "what the call really did")
	})
	t.Run("Redirect307", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "redirect307", 1)
		resp := noFollow(t, f.srv.URL()+"/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusTemporaryRedirect, resp.status)
		assert.Equal(t, defaultRedirectLocation, resp.location)
		assert.Contains(t, resp.body, "307 Temporary Redirect")
		assert.Empty(t, f.box.all(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 307, reqs[0].Status)
		assert.Equal(t, 0, reqs[0].Ret, "not processed")
		assert.Equal(t, Fault("redirect307"), reqs[0].Fault)

		// A client that follows it finds nobody at the default location.
		f.srv.InjectFault("", "redirect307", 1)
		_, err := f.send(t.Context(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "127.0.0.1:1")
		assert.Empty(t, f.box.all())
	})
	t.Run("StoreThenRedirect", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "store-then-redirect", 1)
		resp := noFollow(t, f.srv.URL()+"/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
		assert.Equal(t, http.StatusFound, resp.status)
		assert.Equal(t, defaultRedirectLocation, resp.location)
		assert.Len(t, f.box.all(), 1, "the work was done before the redirect")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 302, reqs[0].Status)
		assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
		assert.Equal(t, Fault("store-then-redirect"), reqs[0].Fault)
	})
	t.Run("redirect location", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}))
		t.Cleanup(other.Close)
		f := newFake(t, WithRedirectLocation(other.URL+"/elsewhere?x=1"))
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		for _, fault := range []Fault{"redirect307", "store-then-redirect"} {
			f.srv.InjectFault("", fault, 1)
			resp := noFollow(t, f.srv.URL()+"/", hello)
			assert.Equal(t, other.URL+"/elsewhere?x=1", resp.location, "%s", fault)
			f.srv.InjectFault("", fault, 1)
			assert.Equal(t, http.StatusTeapot, f.raw(http.MethodPost, "/", hello).Status, "%s: a following client lands there", fault)
		}
		assert.Equal(t, int64(2), hits.Load())
	})
	t.Run("n calls, then normal", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault("", "non-json", 2)
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", hello).Body))
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", hello).Body))
		assert.Equal(t, 200, f.do(http.MethodPost, "/", hello).Ret)
	})
	t.Run("in order", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault("", "html502", 1)
		f.srv.InjectFault("", "non-json", 1)
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		assert.Equal(t, 502, f.raw(http.MethodPost, "/", hello).Status)
		r := f.raw(http.MethodPost, "/", hello)
		assert.Equal(t, 200, r.Status)
		assert.False(t, json.Valid(r.Body))
		assert.Equal(t, 200, f.do(http.MethodPost, "/", hello).Ret)
	})
	t.Run("for one service", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(svcPut, "html502", 1)
		f.ok(svcCount, ms[0], nil) // another service: not affected, does not count
		f.ok(svcList, ms[0], nil)
		r := f.raw(http.MethodPost, "/api/App/Test_Box/Put", f.params(svcPut, ms[0], to(ms[1].UUID, text("x"))))
		assert.Equal(t, 502, r.Status, "path form resolves to the same service")
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("y")))
		f.srv.InjectFault("Test_Box.Count", "non-json", 1) // short name
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", f.params(svcCount, ms[0], nil)).Body))
		f.ok(svcCount, ms[0], nil)
	})
}

// Injecting no calls, a negative number of them or a fault that does not
// exist is a mistake in the test: it panics, saying what is wrong.
func TestInjectFaultPanics(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"n 0", func() { srv.InjectFault("", "html502", 0) }, "okayapitest: InjectFault: n must be 1 or more, got 0"},
		{"n -3", func() { srv.InjectFault(svcPut, "stall", -3) }, "okayapitest: InjectFault: n must be 1 or more, got -3"},
		{"no fault", func() { srv.InjectFault("", "", 1) }, `okayapitest: InjectFault: unknown fault "" (want html502, drop-after, ` +
			"stall, truncate, non-json, exception, exception-ret0, exception-db, redirect307, store-then-redirect, reset-before, " +
			"503-after, 504-after, 429, 429-retry-after, 502-early, 503-early or 504-early)"},
		{"bad service", func() { srv.InjectFault("App.Nope!", "stall", 1) }, `okayapitest: InjectFault: "App.Nope!" is not a service name like App.Hello.World`},
	} {
		assert.PanicsWithValue(t, c.want, c.f, c.name)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Empty(t, srv.faults, "nothing was injected")
}

// Requests keeps the last WithMaxRequests requests, oldest first.
func TestRequestsCap(t *testing.T) {
	t.Parallel()
	hello := func(f *fake, i int) {
		f.ok("Hello.World", okayapi.Member{}, url.Values{"name": {strconv.Itoa(i)}})
	}
	names := func(reqs []RecordedRequest) []string {
		out := make([]string, len(reqs))
		for i, r := range reqs {
			out[i] = r.Form.Get("name")
		}
		return out
	}
	t.Run("option", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithMaxRequests(3))
		for i := 1; i <= 2; i++ {
			hello(f, i)
		}
		assert.Equal(t, []string{"1", "2"}, names(f.srv.Requests()))
		for i := 3; i <= 8; i++ {
			hello(f, i)
			if i == 4 {
				assert.Equal(t, []string{"2", "3", "4"}, names(f.srv.Requests()))
			}
		}
		assert.Equal(t, []string{"6", "7", "8"}, names(f.srv.Requests()))
	})
	t.Run("unbounded", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithMaxRequests(0))
		for i := 1; i <= 5; i++ {
			hello(f, i)
		}
		assert.Equal(t, []string{"1", "2", "3", "4", "5"}, names(f.srv.Requests()))
		f.srv.mu.Lock()
		defer f.srv.mu.Unlock()
		for i := 6; i <= 2*defaultMaxRequests; i++ {
			f.srv.keepRequest(RecordedRequest{Service: strconv.Itoa(i)})
		}
		assert.Len(t, f.srv.requests, 2*defaultMaxRequests)
	})
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		srv := NewServer(t)
		// As the handler records them, without defaultMaxRequests round trips.
		for i := 1; i <= defaultMaxRequests+5; i++ {
			srv.record(RecordedRequest{Service: strconv.Itoa(i), Form: url.Values{"n": {strconv.Itoa(i)}}})
		}
		reqs := srv.Requests()
		require.Len(t, reqs, defaultMaxRequests)
		for i, r := range reqs {
			want := strconv.Itoa(i + 6)
			if r.Service != want || r.Form.Get("n") != want {
				t.Fatalf("Requests()[%d] is request %s (n=%s), want %s: the last %d, oldest first",
					i, r.Service, r.Form.Get("n"), want, defaultMaxRequests)
			}
		}
	})
}
