package okayapitest

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestFaultText(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]Fault{
		"html502": FaultHTML502, "drop-after": FaultDropAfter, "stall": FaultStall,
		"truncate": FaultTruncate, "non-json": FaultNonJSON, "Drop-After": FaultDropAfter, "HTML502": FaultHTML502,
		"exception": FaultException500, "exception-ret0": FaultExceptionRet0, "Exception-DB": FaultExceptionDB,
		"redirect307": FaultRedirect307, "store-then-redirect": FaultStoreThenRedirect, "none": 0, "NONE": 0,
		"reset-before": FaultResetBefore, "Reset-Before": FaultResetBefore, "503-after": Fault503After,
		"504-after": Fault504After, "429": Fault429, "429-retry-after": Fault429RetryAfter, "429-Retry-After": Fault429RetryAfter,
	} {
		got := FaultStall
		require.NoError(t, got.UnmarshalText([]byte(name)), name)
		assert.Equal(t, want, got, name)
	}
	for _, bad := range []string{"", "FaultStall", "drop_after", "dropafter", "502", "503", "504", "429-retry", "Fault(42)"} {
		got := FaultStall
		err := got.UnmarshalText([]byte(bad))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "html502, drop-after, stall, truncate, non-json, exception, exception-ret0, exception-db, "+
			"redirect307, store-then-redirect, reset-before, 503-after, 504-after, 429, 429-retry-after, 502-early, 503-early or 504-early", bad)
		assert.Equal(t, FaultStall, got, "unchanged on an error")
	}

	// flag.TextVar and encoding/json read and write the names.
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f Fault
	fs.TextVar(&f, "fault", Fault(0), "the fault")
	require.NoError(t, fs.Parse([]string{"-fault", "Drop-After"}))
	assert.Equal(t, FaultDropAfter, f)
	require.Error(t, fs.Parse([]string{"-fault", "explode"}))
	b, err := json.Marshal(map[string]Fault{"a": FaultExceptionDB, "b": 0})
	require.NoError(t, err)
	assert.Equal(t, `{"a":"exception-db","b":"none"}`, string(b))
	var back map[string]Fault
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, map[string]Fault{"a": FaultExceptionDB, "b": 0}, back)
	_, err = json.Marshal(Fault(42))
	assert.ErrorContains(t, err, "Fault(42) is not a fault")
}

// Every fault's String is the name UnmarshalText reads back, and no two
// faults share a name.
func TestFaultStringRoundTrip(t *testing.T) {
	t.Parallel()
	all := []Fault{FaultHTML502, FaultDropAfter, FaultStall, FaultTruncate, FaultNonJSON,
		FaultException500, FaultExceptionRet0, FaultExceptionDB, FaultRedirect307, FaultStoreThenRedirect,
		FaultResetBefore, Fault503After, Fault504After, Fault429, Fault429RetryAfter,
		Fault502Early, Fault503Early, Fault504Early}
	seen := map[string]Fault{}
	for _, f := range all {
		name := f.String()
		var got Fault
		require.NoError(t, got.UnmarshalText([]byte(name)), "UnmarshalText(%q), the name of fault %d", name, int(f))
		assert.Equal(t, f, got, name)
		text, err := f.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, name, string(text))
		assert.NotContains(t, seen, name, "two faults are called %q", name)
		seen[name] = f
	}
	// Every name UnmarshalText reads is some fault's String, or none's.
	assert.Len(t, seen, len(faultKinds)-1)
	for _, k := range faultKinds[1:] {
		assert.Contains(t, seen, k.name)
		assert.NotEmpty(t, k.doc, k.name)
		assert.NotNil(t, k.answer, k.name)
	}
	assert.Len(t, all, len(faultKinds)-1, "the test lists every fault")
	for _, f := range all {
		assert.True(t, f.valid(), "%s", f)
	}
	assert.False(t, (Fault504Early + 1).valid())
	assert.False(t, Fault(0).valid())
	assert.Equal(t, "none", Fault(0).String())
	assert.Equal(t, "Fault(42)", Fault(42).String())
	for _, f := range []Fault{42, -1} {
		var got Fault
		assert.Error(t, got.UnmarshalText([]byte(f.String())), "%q is not a fault UnmarshalText reads", f.String())
		_, err := f.MarshalText()
		assert.Error(t, err)
	}
}

// control POSTs form to the control path (query in the URL, body urlencoded).
func (f *fake) control(method, query string, body url.Values) reply {
	f.t.Helper()
	path := controlFaultPath
	if query != "" {
		path += "?" + query
	}
	return f.raw(method, path, body)
}

func TestControlEndpoint(t *testing.T) {
	t.Parallel()

	t.Run("injects a fault for one service", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		assert.Equal(t, f.srv.URL()+"/_fake/fault", f.srv.ControlURL())
		ms := f.members(2)
		r := f.control(http.MethodPost, "kind=drop-after&service=App.Test_Box.Put&n=1", nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		assert.Empty(t, r.Body)
		assert.Empty(t, f.srv.Requests(), "control requests are not recorded")

		f.ok(svcCount, ms[0], nil) // another service: not affected
		resp, err := f.send(t.Context(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("dropped"))))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err, "the connection was dropped")
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("answered"))) // n=1: used up
		assert.Len(t, f.box.all(), 2, "the dropped call was processed")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, []Fault{0, FaultDropAfter, 0}, []Fault{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})
	})
	t.Run("body parameters, any service, n", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		r := f.control(http.MethodPost, "", url.Values{"kind": {"NON-JSON"}, "n": {"2"}})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", hello).Body))
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/api/Hello/World", hello).Body))
		assert.Equal(t, 200, f.do(http.MethodPost, "/", hello).Ret)
	})
	t.Run("the faults that run the call first", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		ms := f.members(2)
		for _, kind := range []string{"exception", "exception-ret0", "exception-db", "store-then-redirect", "503-after", "504-after"} {
			r := f.control(http.MethodPost, "kind="+kind+"&service=App.Test_Box.Put", nil)
			require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		}
		for _, want := range []int{500, 200, 200, 302, 503, 504} {
			r := noFollow(t, f.srv.URL()+"/", f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
			assert.Equal(t, want, r.status, r.body)
		}
		assert.Len(t, f.box.all(), 6, "each call stored its message")
		for i, r := range f.srv.Requests() {
			assert.Equal(t, 200, r.Ret, "request %d (%s) recorded as processed", i, r.Fault)
			assert.True(t, r.WorkDone(), "request %d (%s) recorded as done", i, r.Fault)
		}
		r := f.control(http.MethodPost, "kind=REDIRECT307", nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		assert.Equal(t, http.StatusTemporaryRedirect, noFollow(t, f.srv.URL()+"/", f.params("Hello.World", okayapi.Member{}, nil)).status)
	})
	t.Run("the faults that do not run the call", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		ms := f.members(2)
		for _, kind := range []string{"429", "429-retry-after", "reset-before"} {
			r := f.control(http.MethodPost, "kind="+kind+"&service=App.Test_Box.Put", nil)
			require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		}
		r := f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusTooManyRequests, r.Status)
		r = f.raw(http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusTooManyRequests, r.Status)
		resp, err := f.send(t.Context(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err, "reset: no answer")
		assert.Empty(t, f.box.all(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.False(t, r.Processed, "request %d (%s)", i, r.Fault)
			assert.False(t, r.WorkDone(), "request %d (%s)", i, r.Fault)
		}
		assert.Equal(t, []Fault{Fault429, Fault429RetryAfter, FaultResetBefore}, []Fault{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})
	})
	t.Run("short service name", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		r := f.control(http.MethodPost, "kind=html502&service=Hello.World", nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		assert.Equal(t, http.StatusBadGateway, f.raw(http.MethodPost, "/", f.params("App.Hello.World", okayapi.Member{}, nil)).Status)
	})
	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithControlEndpoint(true))
		for _, c := range []struct {
			method, query string
			body          url.Values
			status        int
			want          string
		}{
			{http.MethodPost, "", nil, 400, "parameter kind is required"},
			{http.MethodPost, "kind=", nil, 400, "parameter kind is required"},
			{http.MethodPost, "kind=explode", nil, 400, `parameter kind: unknown fault "explode"`},
			{http.MethodPost, "kind=none", nil, 400, `parameter kind: unknown fault "none"`},
			{http.MethodPost, "kind=stall&n=0", nil, 400, `parameter n: "0"`},
			{http.MethodPost, "kind=stall&n=-1", nil, 400, `parameter n: "-1"`},
			{http.MethodPost, "kind=stall&n=two", nil, 400, `parameter n: "two"`},
			{http.MethodPost, "kind=stall&service=Send", nil, 400, `parameter service: "Send"`},
			{http.MethodPost, "kind=stall&service=App.Test%20Box.Put", nil, 400, "parameter service"},
			{http.MethodPost, "kind=stall&service=A.B.C.D", nil, 400, "parameter service"},
			{http.MethodPost, "kind=stall&servce=App.User.Login", nil, 400, `unknown parameter "servce"`},
			{http.MethodPost, "kind=stall&kind=html502", nil, 400, "parameter kind given more than once"},
			{http.MethodPost, "kind=stall", url.Values{"kind": {"html502"}}, 400, "parameter kind given more than once"},
			{http.MethodPut, "kind=stall", nil, 405, "takes POST"},
			{http.MethodGet, "", nil, 200, "504-early            HTTP 504 at once; the backend runs the call"},
		} {
			var r reply
			if c.method != http.MethodPost {
				r = f.control(c.method, c.query, nil)
			} else {
				r = f.control(c.method, c.query, c.body)
			}
			assert.Equal(t, c.status, r.Status, "%s ?%s %v", c.method, c.query, c.body)
			assert.Contains(t, string(r.Body), c.want, "%s ?%s %v", c.method, c.query, c.body)
		}
		r := f.raw(http.MethodPost, "/_fake/faults?kind=stall", nil)
		assert.Equal(t, http.StatusNotFound, r.Status)
		assert.Contains(t, string(r.Body), controlFaultPath)

		// Nothing was injected: a call is answered normally.
		assert.Equal(t, 200, f.do(http.MethodPost, "/", f.params("Hello.World", okayapi.Member{}, nil)).Ret)
		assert.Len(t, f.srv.Requests(), 1)
	})
	t.Run("loopback clients only", func(t *testing.T) {
		t.Parallel()
		srv := NewServer(t, WithControlEndpoint(true))
		for remote, want := range map[string]int{
			"192.0.2.7:5555": http.StatusForbidden,
			"[::1]:5555":     http.StatusNoContent,
			"127.0.0.2:5555": http.StatusNoContent,
			"garbage":        http.StatusForbidden,
		} {
			req := httptest.NewRequest(http.MethodPost, controlFaultPath+"?kind=html502&service=App.User.Login", nil)
			req.RemoteAddr = remote
			rec := httptest.NewRecorder()
			srv.serveHTTP(rec, req)
			assert.Equal(t, want, rec.Code, remote)
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		assert.Equal(t, []pendingFault{
			{service: "App.User.Login", fault: FaultHTML502, left: 1},
			{service: "App.User.Login", fault: FaultHTML502, left: 1},
		}, srv.faults, "only the loopback requests injected")
	})
	t.Run("off by default", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		r := f.control(http.MethodPost, "kind=html502", nil)
		require.Equal(t, http.StatusOK, r.Status, "an OkayAPI answer, not the control endpoint's")
		assert.Contains(t, string(r.Body), `"ret":404`, "no service: PhalApi's default, which the fake does not have")
		assert.Equal(t, 200, f.do(http.MethodPost, "/", f.params("Hello.World", okayapi.Member{}, nil)).Ret, "no fault injected")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, controlFaultPath, reqs[0].Path, "an ordinary, recorded call")
	})
	t.Run("logs the injection", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), nil))
		f := newFake(t, WithControlEndpoint(true), WithLogger(logger))
		r := f.control(http.MethodPost, "kind=stall&service=App.User.Login&n=3", nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		mu.Lock()
		defer mu.Unlock()
		assert.Contains(t, logs.String(), "okayapitest fault injected\" fault=stall service=App.User.Login n=3")
	})
}

// The control endpoint's 400 answers are plain text.
func TestControlEndpointContentType(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithControlEndpoint(true))
	resp, err := f.send(t.Context(), http.MethodPost, controlFaultPath+"?kind=nope", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	assert.Contains(t, string(body), "html502, drop-after, stall, truncate, non-json, exception, exception-ret0, exception-db, "+
		"redirect307, store-then-redirect, reset-before, 503-after, 504-after, 429, 429-retry-after, 502-early, 503-early or 504-early")
}
