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
