package cassette

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve asks h for Hello.World with name and returns the answer's body.
func serve(h http.Handler, name string) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?s=App.Hello.World&app_key=k&name="+url.QueryEscape(name), nil))
	return w.Body.String()
}

// TestMutServedByOrderNotByName: recordings of one call are served by the
// order in their sidecars, not by their file names.
func TestMutServedByOrderNotByName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, order := range map[string]string{"a": "3", "b": "2", "c": "1"} {
		writeTestFile(t, dir, "world/"+name+".json", `{"ret":200,"data":{"content":"`+name+`"},"msg":""}`)
		writeTestFile(t, dir, "world/"+name+".req.json", `{"service":"App.Hello.World","params":{"name":"dogstar"},"order":`+order+`}`)
	}
	h, err := NewHandler(dir, App{})
	require.NoError(t, err)
	var got []string
	for range 3 {
		got = append(got, serve(h, "dogstar"))
	}
	assert.Equal(t, []string{
		`{"ret":200,"data":{"content":"c"},"msg":""}`,
		`{"ret":200,"data":{"content":"b"},"msg":""}`,
		`{"ret":200,"data":{"content":"a"},"msg":""}`,
	}, got)
}

// TestMutStatusBounds: a sidecar's status is any three-digit HTTP status,
// 100 to 999; 99 and 1000 make a broken cassette.
func TestMutStatusBounds(t *testing.T) {
	t.Parallel()
	for status, ok := range map[string]bool{"99": false, "100": true, "999": true, "1000": false} {
		dir := t.TempDir()
		writeTestFile(t, dir, "world/a.json", `{}`)
		writeTestFile(t, dir, "world/a.req.json", `{"service":"App.Hello.World","status":`+status+`}`)
		_, err := NewHandler(dir, App{})
		if ok {
			assert.NoError(t, err, status)
		} else {
			assert.ErrorContains(t, err, "status "+status+" is not an HTTP status", status)
		}
	}
}

// TestMutHiddenDirectories: a hidden directory in a cassette (.git, an
// editor's, a trash) holds no recordings, while a cassette whose own
// directory is hidden is read.
func TestMutHiddenDirectories(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), ".cassette")
	writeTestFile(t, dir, "world/a.json", `{"ret":200,"data":{"content":"kept"},"msg":""}`)
	writeTestFile(t, dir, ".trash/world/0009_old.json", `{"ret":200,"data":{"content":"thrown away"},"msg":""}`)
	writeTestFile(t, dir, "world/.old/x.req.json", `{"service":"App.Hello.World"}`) // no body: fine, not read
	h, err := NewHandler(dir, App{})
	require.NoError(t, err)
	assert.Contains(t, serve(h, "x"), "kept")
	assert.Contains(t, serve(h, "x"), "kept", "the only recording, again")

	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	assert.FileExists(t, filepath.Join(dir, "world", "0001_success.json"), "the hidden 0009 does not count")
}

// TestMutOrderAfterBodyOnlyFile: a new recording is numbered after every
// recording's file name, a body-only one's too.
func TestMutOrderAfterBodyOnlyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTestFile(t, dir, "world/0007_success.json", `{"ret":200,"data":{},"msg":""}`)
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	assert.Equal(t, []string{"world/0007_success.json", "world/0008_success.json", "world/0008_success.req.json"}, recordedFiles(t, dir))
}

// TestMutNameTakenMeanwhile: a name that another recorder claimed (its
// claim left behind) or wrote after this one read the cassette is not
// reused: the recording takes the next free one.
func TestMutNameTakenMeanwhile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{"content":"mine"},"msg":""}`))
	require.NoError(t, err)
	writeTestFile(t, dir, "world/.0001_success.claim", "")
	writeTestFile(t, dir, "world/0002_success.html", "<html>theirs</html>")
	writeTestFile(t, dir, "world/0002_success.req.json", `{"service":"App.Hello.World","order":2}`)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	assert.Equal(t, []string{
		"world/.0001_success.claim",
		"world/0002_success.html", "world/0002_success.req.json",
		"world/0003_success.json", "world/0003_success.req.json",
	}, recordedFiles(t, dir))
	assert.Equal(t, 3, readSide(t, dir, "world/0003_success.req.json").Order)
	b, err := os.ReadFile(filepath.Join(dir, "world", "0002_success.html"))
	require.NoError(t, err)
	assert.Equal(t, "<html>theirs</html>", string(b), "theirs untouched")
}

// TestMutRecordedFilesAreReadable: recordings are written readable by all
// (0644), as a file checked into a repository is, not as private
// temporary files.
func TestMutRecordedFilesAreReadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	for _, rel := range recordedFiles(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), rel)
	}
}

// TestMutLongErrCodeIsCutInTheName: an err_code of any length makes a
// file name the file system takes: its first 40 letters and digits.
func TestMutLongErrCodeIsCutInTheName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code := strings.Repeat("x", 300)
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{"err_code":"`+code+`"},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	name := "world/0001_err" + strings.Repeat("x", 40)
	assert.Equal(t, []string{name + ".json", name + ".req.json"}, recordedFiles(t, dir))
}

// TestMutActionDirectoryName: a recording's directory is its service's
// action in lower case, with every letter, digit and _ kept, the ends of
// each range included, and everything else dropped.
func TestMutActionDirectoryName(t *testing.T) {
	t.Parallel()
	for service, want := range map[string]string{
		"App.Quiz.AZaz09_":      "azaz09_",
		"App.Quiz.Zz9-@[`{/:~^": "zz9",
		"App.Quiz.Bb0":          "bb0",
	} {
		dir := t.TempDir()
		rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
		require.NoError(t, err)
		_, err = post(t, rec, url.Values{"s": {service}, "app_key": {"0123456789ABCDEF0123456789ABCDEF"}})
		require.NoError(t, err)
		require.NoError(t, rec.Err())
		assert.Equal(t, []string{want + "/0001_success.json", want + "/0001_success.req.json"}, recordedFiles(t, dir), service)
	}
}
