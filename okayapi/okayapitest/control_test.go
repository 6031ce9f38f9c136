package okayapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
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

// InjectFault takes every fault by its name, in any case, and refuses any
// other name loudly, listing the names.
func TestFaultNames(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	all := Faults()
	require.Len(t, all, len(faultKinds))
	seen := map[Fault]bool{}
	for _, k := range faultKinds {
		assert.False(t, seen[k.name], "two faults are called %q", k.name)
		seen[k.name] = true
		assert.Equal(t, strings.ToLower(string(k.name)), string(k.name))
		assert.NotEmpty(t, k.doc, k.name)
		assert.NotNil(t, k.answer, k.name)
	}
	for _, f := range append(all, "Drop-After", "HTML502", "Exception-DB", "429-Retry-After") {
		assert.NotPanics(t, func() { srv.InjectFault("", f, 1) }, f)
	}
	list := "html502, drop-after, stall, truncate, non-json, exception, exception-ret0, exception-db, " +
		"redirect307, store-then-redirect, reset-before, 503-after, 504-after, 429, 429-retry-after, 502-early, 503-early or 504-early"
	for _, bad := range []Fault{"", "none", "FaultStall", "drop_after", "dropafter", "502", "503", "504", "429-retry"} {
		assert.PanicsWithValue(t, fmt.Sprintf("okayapitest: InjectFault: unknown fault %q (want %s)", bad, list),
			func() { srv.InjectFault("", bad, 1) }, bad)
	}
	assert.PanicsWithValue(t, fmt.Sprintf("okayapitest: InjectFault: unknown fault %q (want %s)", "App.User.Login", list),
		func() { srv.InjectFault("drop-after", "App.User.Login", 1) }, "arguments swapped")
	assert.PanicsWithValue(t, `okayapitest: InjectFault: "drop after" is not a service name like App.Hello.World`,
		func() { srv.InjectFault("drop after", "stall", 1) })
	assert.PanicsWithValue(t, "okayapitest: InjectFault: n must be 1 or more, got 0", func() { srv.InjectFault("", "stall", 0) })
}

// Fault's documentation lists every fault of the table, with its line, in
// the table's order: the table is the one place a fault is declared.
func TestFaultDoc(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "faults.go", nil, parser.ParseComments)
	require.NoError(t, err)
	var doc string
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.TYPE && g.Specs[0].(*ast.TypeSpec).Name.Name == "Fault" {
			doc = g.Doc.Text()
		}
		return doc == ""
	})
	var want strings.Builder
	for _, k := range faultKinds {
		fmt.Fprintf(&want, "\t%-20s %s\n", k.name, k.doc)
	}
	assert.Contains(t, doc, want.String())
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
		assert.Equal(t, []Fault{"", "drop-after", ""}, []Fault{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})
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
			assert.True(t, r.WorkDone, "request %d (%s) recorded as done", i, r.Fault)
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
			assert.False(t, r.WorkDone, "request %d (%s)", i, r.Fault)
		}
		assert.Equal(t, []Fault{"429", "429-retry-after", "reset-before"}, []Fault{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})
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
			{service: "App.User.Login", fault: "html502", left: 1},
			{service: "App.User.Login", fault: "html502", left: 1},
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
