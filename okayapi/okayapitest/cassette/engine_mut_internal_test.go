package cassette

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
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

// sizedAnswer is a JSON envelope of exactly n bytes: its data padded with
// spaces.
func sizedAnswer(n int) []byte {
	head, tail := []byte(`{"ret":200,"data":{"err_code":0,"pad":"`), []byte(`"},"msg":"end"}`)
	b := make([]byte, 0, n)
	b = append(b, head...)
	b = append(b, bytes.Repeat([]byte{' '}, n-len(head)-len(tail))...)
	return append(b, tail...)
}

// answerWith is a transport that answers every request with a JSON body
// read from body().
func answerWith(body func() io.Reader) http.RoundTripper {
	return answerFull(http.StatusOK, http.Header{"Content-Type": {"application/json;charset=utf-8"}}, body)
}

// answerFull is a transport that answers every request with status, header
// and a body read from body().
func answerFull(status int, header http.Header, body func() io.Reader) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{
			StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  header.Clone(),
			Body:    io.NopCloser(body()),
			Request: req,
		}, nil
	})
}

// answerText answers every request with the JSON text body.
func answerText(body string) http.RoundTripper {
	return answerWith(func() io.Reader { return strings.NewReader(body) })
}

// recordedFiles lists the files under dir, by slash-separated path.
func recordedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	require.NoError(t, err)
	return out
}

// postHello sends one Hello.World call through rt and returns the answer's
// body as the caller reads it, and the read error.
func postHello(t *testing.T, rt http.RoundTripper) ([]byte, error) {
	t.Helper()
	return post(t, rt, url.Values{"app_key": {"0123456789ABCDEF0123456789ABCDEF"}, "name": {"dogstar"}})
}

// post sends one Hello.World call with form through rt and returns the
// answer's body as the caller reads it, and the read error.
func post(t *testing.T, rt http.RoundTripper, form url.Values) ([]byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://api.example.test/?s=App.Hello.World", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// testMaxAnswer is the recorded limit these tests set (64 MiB in use): the
// boundary is the same code, without pushing 64 MiB through -race.
const testMaxAnswer = 4 << 10

// TestMutAnswerAtTheLimitIsRecorded: an answer of exactly the recorded
// limit is recorded whole, and the caller gets it whole.
func TestMutAnswerAtTheLimitIsRecorded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := sizedAnswer(testMaxAnswer)
	rec, err := NewRecorder(dir, answerWith(func() io.Reader { return bytes.NewReader(want) }))
	require.NoError(t, err)
	rec.e.maxAnswer = testMaxAnswer
	got, err := postHello(t, rec)
	require.NoError(t, err)
	assert.Equal(t, len(want), len(got))
	assert.True(t, bytes.Equal(want, got), "the caller gets the answer as it came")
	require.NoError(t, rec.Err())
	assert.Equal(t, []string{"world/0001_success.json", "world/0001_success.req.json"}, recordedFiles(t, dir))
	b, err := os.ReadFile(filepath.Join(dir, "world", "0001_success.json"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, b), "recorded whole: %d bytes of %d", len(b), len(want))
}

// TestMutAnswerOverTheLimitIsPassedOnWhole: an answer one byte longer than
// the limit is not recorded, and the caller still reads every byte of it.
func TestMutAnswerOverTheLimitIsPassedOnWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := sizedAnswer(testMaxAnswer + 1)
	rec, err := NewRecorder(dir, answerWith(func() io.Reader { return bytes.NewReader(want) }))
	require.NoError(t, err)
	rec.e.maxAnswer = testMaxAnswer
	got, err := postHello(t, rec)
	require.NoError(t, err)
	assert.Equal(t, len(want), len(got))
	assert.True(t, bytes.Equal(want, got), "nothing lost or changed")
	require.NoError(t, rec.Err(), "not recording a huge answer is not a failure")
	assert.Empty(t, recordedFiles(t, dir))
}

// TestMutUnreadableAnswerIsPassedOn: an answer whose reading fails halfway
// is not recorded; the caller reads what came, then the same error.
func TestMutUnreadableAnswerIsPassedOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := errors.New("connection reset halfway")
	rec, err := NewRecorder(dir, answerWith(func() io.Reader {
		return io.MultiReader(strings.NewReader(`{"ret":200,"data":{"tok`), errReader{broken})
	}))
	require.NoError(t, err)
	got, err := postHello(t, rec)
	require.ErrorIs(t, err, broken)
	assert.Equal(t, `{"ret":200,"data":{"tok`, string(got))
	require.NoError(t, rec.Err())
	assert.Empty(t, recordedFiles(t, dir))
}

// readSide reads a recorded sidecar.
func readSide(t *testing.T, dir, rel string) *sidecar {
	t.Helper()
	s, err := readSidecar(dir, rel)
	require.NoError(t, err)
	return s
}

// TestMutShortSignIsHidden: a signature of the shortest length that is
// hidden (8 bytes, from a custom signer), echoed by the answer, is not
// written down.
func TestMutShortSignIsHidden(t *testing.T) {
	t.Parallel()
	const sig = "S1GN8CHR"
	require.Len(t, sig, minSecret)
	dir := t.TempDir()
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{"err_code":0,"echo":"`+sig+`"},"msg":""}`))
	require.NoError(t, err)
	_, err = post(t, rec, url.Values{"app_key": {"0123456789ABCDEF0123456789ABCDEF"}, "name": {"dogstar"}, "sign": {sig}})
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	b, err := os.ReadFile(filepath.Join(dir, "world", "0001_success.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(b), sig)
	assert.Contains(t, string(b), `"echo":"REDACTED-SIGN"`)
}

// TestMutRetryAfterAndLocationAreRecorded: a gateway's Retry-After and
// Location are written down and served again on replay.
func TestMutRetryAfterAndLocationAreRecorded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	header := http.Header{"Content-Type": {"text/html"}, "Retry-After": {"7"}, "Location": {"https://elsewhere.example/x"}, "X-Other": {"not kept"}}
	rec, err := NewRecorder(dir, answerFull(http.StatusServiceUnavailable, header, func() io.Reader { return strings.NewReader("<html>busy</html>") }))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	side := readSide(t, dir, "world/0001_http503.req.json")
	assert.Equal(t, map[string]string{"Retry-After": "7", "Location": "https://elsewhere.example/x"}, side.Header)

	h, err := NewHandler(dir, App{})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?s=App.Hello.World&app_key=k&name=dogstar", nil))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "7", w.Header().Get("Retry-After"))
	assert.Equal(t, "https://elsewhere.example/x", w.Header().Get("Location"))
	assert.Empty(t, w.Header().Get("X-Other"))

	// An answer with neither has no header in its sidecar.
	dir = t.TempDir()
	rec, err = NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	assert.Nil(t, readSide(t, dir, "world/0001_success.req.json").Header)
}

// TestMutPlaceholderNumbersAcrossSessions: a secret parameter gets the
// numbered placeholder an earlier session gave the same value, and a new
// value the next free number, whatever order the calls come in.
func TestMutPlaceholderNumbersAcrossSessions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := App{AppKey: "0123456789ABCDEF0123456789ABCDEF", Secret: "the-app-secret-0123456789"}
	call := func(rec *Recorder, password string) {
		t.Helper()
		_, err := post(t, rec, url.Values{"app_key": {app.AppKey}, "password": {password}, "push_token": {password + "-push"}})
		require.NoError(t, err)
		require.NoError(t, rec.Err())
	}
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`), WithApp(app))
	require.NoError(t, err)
	call(rec, "password-A-0123")
	rec, err = NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`), WithApp(app))
	require.NoError(t, err)
	call(rec, "password-B-0123")
	call(rec, "password-A-0123")

	for rel, want := range map[string]string{
		"world/0001_success.req.json": "1",
		"world/0002_success.req.json": "2",
		"world/0003_success.req.json": "1",
	} {
		side := readSide(t, dir, rel)
		assert.Equal(t, "REDACTED-PASSWORD-"+want, side.Params["password"], rel)
		assert.Equal(t, "REDACTED-TOKEN-"+want, side.Params["push_token"], rel)
	}

	// A hand-edited sidecar whose value is no numbered placeholder is not
	// reused, even with the value's keyed hash.
	dir = t.TempDir()
	m := newMatcher()
	m.setKey(app)
	writeTestFile(t, dir, "world/x.json", `{"ret":200,"data":{},"msg":""}`)
	writeTestFile(t, dir, "world/x.req.json", `{"service":"App.Hello.World","params":{"password":"REDACTED-PASSWORD","push_token":"REDACTED-PASSWORD-0"},"keyed":{"password":"`+
		m.keyed(phPassword, "password-A-0123")+`","push_token":"`+m.keyed(placeholderFor("push_token"), "password-A-0123-push")+`"},"order":1}`)
	rec, err = NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`), WithApp(app))
	require.NoError(t, err)
	call(rec, "password-A-0123")
	side := readSide(t, dir, "world/0002_success.req.json")
	assert.Equal(t, "REDACTED-PASSWORD-1", side.Params["password"])
	assert.Equal(t, "REDACTED-TOKEN-1", side.Params["push_token"])
}

// writeTestFile writes a file under dir, creating its directory.
func writeTestFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// TestMutOutcomeInTheFileName: a framework refusal's ret and a plugin's
// err_code name the recording with every letter and digit they hold, the
// ends of each range included, and nothing else.
func TestMutOutcomeInTheFileName(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"ret":"azAZ09-y.Y_8","data":{},"msg":""}`:                 "world/0001_retazAZ09yY8.json",
		`{"ret":200,"data":{"err_code":"a-z/A Z:0~9{}"},"msg":""}`:  "world/0001_errazAZ09.json",
		`{"ret":200,"data":{"err_code":"` + "`@[`" + `"},"msg":""}`: "world/0001_success.json",
	} {
		dir := t.TempDir()
		rec, err := NewRecorder(dir, answerText(body))
		require.NoError(t, err)
		_, err = postHello(t, rec)
		require.NoError(t, err)
		require.NoError(t, rec.Err())
		assert.Contains(t, recordedFiles(t, dir), want, body)
	}
}
