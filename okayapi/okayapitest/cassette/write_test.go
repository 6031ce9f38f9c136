package cassette_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// childEnv, set, makes the test binary a recording process (see
// recordInChild) instead of running the tests.
const childEnv = "OKAYAPI_CASSETTE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := recordInChild(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// recordInChild records Hello.World calls into a cassette, as a second
// okchat --record would: the cassette, the app and the names come from the
// environment.
func recordInChild() error {
	get := os.Getenv
	rec, err := cassette.NewRecorder(get("CHILD_DIR"), nil, cassette.WithApp(cassette.App{AppKey: get("CHILD_KEY"), Secret: get("CHILD_SECRET")}))
	if err != nil {
		return err
	}
	c, err := okayapi.New(get("CHILD_URL"), get("CHILD_KEY"), okayapi.WithSecret(get("CHILD_SECRET")),
		okayapi.WithHTTPClient(&http.Client{Transport: rec}), okayapi.WithRetries(0, 0, 0))
	if err != nil {
		return err
	}
	defer c.Close()
	n, _ := strconv.Atoi(get("CHILD_N"))
	for i := range n {
		name := fmt.Sprintf("%s-%d", get("CHILD_ID"), i)
		if got := hello(context.Background(), c, url.Values{"name": {name}}); !strings.Contains(got, "Hello "+name) {
			return fmt.Errorf("%s: %s", name, got)
		}
	}
	return rec.Err()
}

// Recorders in several processes and goroutines at once, adding to one
// cassette, lose nothing, and a reader meanwhile never sees a half-written
// recording (an empty sidecar, a body whose sidecar is not there yet).
func TestConcurrentRecorders(t *testing.T) {
	t.Parallel()
	const procs, routines, calls = 3, 4, 15
	dir := t.TempDir()
	fake := newFakeApp(t)

	var readers sync.WaitGroup
	var stop atomic.Bool
	var reads atomic.Int64
	readErrs := make(chan error, 1)
	readers.Add(1)
	go func() {
		defer readers.Done()
		for !stop.Load() {
			if _, err := cassette.NewHandler(dir, fake.app()); err != nil {
				select {
				case readErrs <- err:
				default:
				}
			}
			reads.Add(1)
		}
	}()

	var writers sync.WaitGroup
	outs := make([][]byte, procs)
	errs := make([]error, procs)
	for p := range procs {
		writers.Add(1)
		go func() {
			defer writers.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=1", "CHILD_DIR="+dir, "CHILD_URL="+fake.URL(), "CHILD_KEY="+fake.AppKey(),
				"CHILD_SECRET="+fake.Secret(), "CHILD_ID=proc"+strconv.Itoa(p), "CHILD_N="+strconv.Itoa(calls))
			outs[p], errs[p] = cmd.CombinedOutput()
		}()
	}
	client, rec := recordWith(t, fake, dir)
	for g := range routines {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range calls {
				name := fmt.Sprintf("goroutine%d-%d", g, i)
				assert.Contains(t, hello(context.Background(), client, url.Values{"name": {name}}), "Hello "+name)
			}
		}()
	}
	writers.Wait()
	stop.Store(true)
	readers.Wait()
	for p := range procs {
		require.NoError(t, errs[p], "process %d: %s", p, outs[p])
	}
	require.NoError(t, rec.Err())
	select {
	case err := <-readErrs:
		t.Fatalf("a reader saw a half-written cassette (after %d reads): %v", reads.Load(), err)
	default:
	}

	// Every call is there, once: each replays, and nothing is left over.
	all := files(t, dir)
	assert.Len(t, all, 2*(procs+routines)*calls, "a body and a sidecar per call, no temporary file left")
	tb := capture(t)
	replay := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	var want []string
	for p := range procs {
		for i := range calls {
			want = append(want, fmt.Sprintf("proc%d-%d", p, i))
		}
	}
	for g := range routines {
		for i := range calls {
			want = append(want, fmt.Sprintf("goroutine%d-%d", g, i))
		}
	}
	for _, name := range want {
		assert.Contains(t, hello(context.Background(), replay, url.Values{"name": {name}}), "Hello "+name)
	}
	assert.Empty(t, tb.Errors())
}

// A symbolic link in the cassette is refused: the cassette neither reads
// nor writes outside its directory.
func TestSymlinkedActionDirectory(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	dir := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "world")))
	fake := newFakeApp(t)

	_, err := cassette.NewRecorder(dir, nil)
	require.Error(t, err, "refused before any call")
	assert.Contains(t, err.Error(), "world is a symbolic link")
	tb := capture(t)
	assert.False(t, fatal(func() { cassette.New(tb, dir, cassette.IgnoreEnv()) }))
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "symbolic link")

	// A link made while recording: the write is refused, nothing lands outside.
	dir = t.TempDir()
	client, rec := recordWith(t, fake, dir)
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "world")))
	assert.Contains(t, hello(context.Background(), client, url.Values{"name": {"dogstar"}}), "Hello dogstar", "the call is not failed")
	require.Error(t, rec.Err())
	assert.Contains(t, rec.Err().Error(), "world is a symbolic link")
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries)

	// The cassette's own directory may be a link.
	target := t.TempDir()
	writeFile(t, target, "world/a.json", `{"ret":200,"data":{"content":"through a linked cassette"},"msg":""}`)
	linkedRoot := filepath.Join(t.TempDir(), "cassette")
	require.NoError(t, os.Symlink(target, linkedRoot))
	tb = capture(t)
	replay := cassette.New(tb, linkedRoot, cassette.IgnoreEnv()).Client()
	assert.Contains(t, hello(context.Background(), replay, url.Values{"name": {"x"}}), "through a linked cassette")
	assert.Empty(t, tb.Errors())

	// A linked answer file is refused too.
	dir = t.TempDir()
	secret := filepath.Join(outside, "secret.json")
	require.NoError(t, os.WriteFile(secret, []byte(`{"ret":200,"data":{},"msg":"outside"}`), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "world"), 0o755))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "world", "a.json")))
	_, err = cassette.NewHandler(dir, fake.app())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
}
