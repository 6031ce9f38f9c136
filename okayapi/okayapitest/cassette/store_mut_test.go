package cassette_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// TestMutWithFilesKeepsTheSidecar: a file picked with WithFiles answers only
// the call its sidecar names, with the status it recorded; it is not a
// body-only answer to anything.
func TestMutWithFilesKeepsTheSidecar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tb := capture(t)
	client := cassette.New(tb, helloCassette(t), cassette.IgnoreEnv(), cassette.WithFiles("world/b.json", "world/c.html")).
		Client(okayapi.WithRetries(0, 0, 0))
	assert.Contains(t, hello(ctx, client, url.Values{"name": {"bob"}}), "no recording", "b.json is for dogstar only")
	assert.JSONEq(t, `{"content":"second"}`, hello(ctx, client, url.Values{"name": {"dogstar"}}))
	_, err := client.Do(ctx, &okayapi.Request{Service: svcHello, Params: url.Values{"name": {"busy"}}}, nil)
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 503, te.StatusCode)
	assert.Len(t, tb.Errors(), 1)
}

// TestMutWithFilesRefusesLinks: a file picked with WithFiles is not read
// through a symbolic link, whether the file or its directory is one.
func TestMutWithFilesRefusesLinks(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	writeFile(t, outside, "world/a.json", `{"ret":200,"data":{"content":"outside"},"msg":""}`)

	linkedDir := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(outside, "world"), filepath.Join(linkedDir, "world")))
	linkedFile := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(linkedFile, "world"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(outside, "world", "a.json"), filepath.Join(linkedFile, "world", "a.json")))

	for _, dir := range []string{linkedDir, linkedFile} {
		for _, name := range []string{"world/a.json", "/world/a.json"} {
			tb := capture(t)
			assert.False(t, fatal(func() { cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithFiles(name)) }), name)
			require.Len(t, tb.Errors(), 1, name)
			assert.Contains(t, tb.Errors()[0], "is a symbolic link", name)
		}
	}
}
