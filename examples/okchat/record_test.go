package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// TestRecord: --record writes a cassette of what happened, with no secret in
// it, adds to one that exists, and the cassette replays the same answers.
func TestRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "周末踢球吗？ a&b=c+d")
	dir := filepath.Join(t.TempDir(), "cassette")
	f.run(t, "--record", dir, "send", "--to", f.bob.UUID, "--text", "好的 100%").ok(t)
	history := f.run(t, "--record", dir, "--json", "history", "--with", f.bob.UUID).ok(t)
	_ = f.run(t, "--record", dir, "send", "--to", f.alice.UUID, "--text", "to myself") // refused: recorded too

	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
			b, rerr := os.ReadFile(p)
			require.NoError(t, rerr)
			for _, secret := range []string{f.alice.Token(), f.env["OKAYAPI_APP_SECRET"], f.env["OKAYAPI_APP_KEY"]} {
				if secret != "" {
					assert.NotContains(t, strings.ToUpper(string(b)), strings.ToUpper(secret), "%s holds a secret", p)
				}
			}
		}
		return err
	}))
	assert.Len(t, files, 6, "three exchanges, an answer and a sidecar each: %v", files)

	// Served back by the cassette handler (what fakeserver -replay does),
	// the same history comes out.
	app := cassette.App{AppKey: "16BD4337FB1D355902E0502AFCBFD4DF", Secret: "replay-secret-0123456789"}
	h, err := cassette.NewHandler(dir, app)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := map[string]string{
		"OKAYAPI_HOST": srv.URL, "OKAYAPI_APP_KEY": app.AppKey, "OKAYAPI_APP_SECRET": app.Secret,
		"OKAYAPI_UUID": f.alice.UUID, "OKAYAPI_TOKEN": strings.Repeat("0", 64),
	}
	replayed := runEnv(t, env, "--json", "history", "--with", f.bob.UUID).ok(t)
	assert.JSONEq(t, history.stdout, replayed.stdout)
}

// TestRecordCannotWrite: a --record DIR that cannot be written is found
// before anything is sent (exit 2); a recording that fails after the call
// succeeded exits 4, never 0: the message was delivered, its recording not.
func TestRecordCannotWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	send := func(dir string) result {
		return f.run(t, "--record", dir, "send", "--to", f.bob.UUID, "--text", "hi")
	}

	dir := filepath.Join(t.TempDir(), "read-only")
	require.NoError(t, os.Mkdir(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	if probe, err := os.CreateTemp(dir, "probe"); err == nil { // root writes everywhere, but not on /proc
		probe.Close()
		require.NoError(t, os.Remove(probe.Name()))
		dir = "/proc/self/okchat-record-test"
		if _, err := os.Stat("/proc/self"); err != nil {
			dir = ""
		}
	}
	if dir != "" {
		r := send(dir)
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "--record: cassette: ")
		assert.Empty(t, f.plugin.Messages(), "nothing sent")
	}

	linked := t.TempDir()
	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(linked, "send")))
	r := send(linked)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is a symbolic link")
	assert.Empty(t, f.plugin.Messages(), "nothing sent")

	blocked := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(blocked, "send"), []byte("where send/ would go"), 0o644))
	r = send(blocked)
	assert.Equal(t, exitOutput, r.code, r.stderr)
	assert.Contains(t, r.stderr, "okchat send: the message was delivered (do not send it again), but the output could not be written: --record: cassette: ")
	assert.Len(t, f.plugin.Messages(), 1)
}
