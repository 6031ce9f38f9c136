package cassette_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

const (
	svcHello   = "App.Hello.World"
	svcCounter = "App.Counter.Next"
	alicePass  = "alice-password-ХОРОШО"
)

// fakeApp is an in-process fake app, with quirks on (PHP's escapes and
// numeric strings), answering Hello.World (name) and Counter.Next (login; a
// new number each call), with the member alice.
type fakeApp struct {
	*okayapitest.Server
	alice okayapi.Member
}

func newFakeApp(t *testing.T) *fakeApp {
	t.Helper()
	srv := okayapitest.NewServer(t, okayapitest.WithQuirks(true))
	srv.Handle(okayapitest.Service{
		Name:   svcHello,
		Params: []okayapitest.Param{{Name: "name", Required: true}, {Name: "greeting"}},
		Handler: func(c *okayapitest.Call) okayapitest.Answer {
			return okayapitest.Answer{Data: okayapitest.Object{{Key: "content", Value: "Hello " + c.String("name") + " 😀 a/b"}}}
		},
	})
	var n atomic.Int64
	srv.Handle(okayapitest.Service{
		Name:  svcCounter,
		Login: true,
		Handler: func(*okayapitest.Call) okayapitest.Answer {
			return okayapitest.OK(okayapitest.Field{Key: "n", Value: okayapitest.DBInt(n.Add(1))})
		},
	})
	alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: alicePass, Nickname: "Alice"})
	return &fakeApp{Server: srv, alice: alice}
}

// app is the fake as a cassette.App.
func (f *fakeApp) app() cassette.App {
	return cassette.App{BaseURL: f.URL(), AppKey: f.AppKey(), Secret: f.Secret()}
}

// hello calls Hello.World and returns its data, or the error's text.
func hello(ctx context.Context, c *okayapi.Client, params url.Values) string {
	resp, err := c.Do(ctx, &okayapi.Request{Service: svcHello, Params: params, Idempotent: true}, nil)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(resp.Data)
}

// counter calls Counter.Next as m and returns its data, or the error's text.
func counter(ctx context.Context, c *okayapi.Client, m okayapi.Member) string {
	resp, err := c.Do(ctx, &okayapi.Request{Service: svcCounter, Member: m}, nil)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(resp.Data)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// files returns every file under dir, by path relative to it, with its content.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return out
}

// names lists files' keys, sorted.
func names(files map[string]string) []string {
	out := make([]string, 0, len(files))
	for k := range files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// assertNoSecret greps every file under dir for each secret, in any letter case.
func assertNoSecret(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	all := files(t, dir)
	require.NotEmpty(t, all)
	for name, content := range all {
		for _, s := range secrets {
			require.NotEmpty(t, s)
			if strings.Contains(strings.ToLower(content), strings.ToLower(s)) {
				t.Errorf("%s holds the secret %q", name, s)
			}
		}
	}
}

// writeFile writes a file under dir, creating its directory.
func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// captureTB is a testing.TB whose failures are kept instead of failing the
// test; the rest goes to the real test.
type captureTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func capture(t *testing.T) *captureTB { return &captureTB{TB: t} }

func (c *captureTB) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

// Fatalf keeps the failure and ends the goroutine, as testing does.
func (c *captureTB) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	runtime.Goexit()
}

func (c *captureTB) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// fatal runs f in a goroutine of its own, so that a Fatalf ends only it,
// and reports whether f ran to its end.
func fatal(f func()) (completed bool) {
	done := make(chan bool)
	go func() {
		ok := false
		defer func() { done <- ok }()
		f()
		ok = true
	}()
	return <-done
}
