package cassette

import (
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fsizeChildEnv, set to a cassette directory, makes
// TestMutWriteFailureChild record into it under a 4 KiB file size limit.
const fsizeChildEnv = "OKAYAPI_CASSETTE_MUT_FSIZE_DIR"

// TestMutFailedWriteLeavesNoPartialRecording: when writing an answer fails
// partway (a full disk; here the file size limit), the failure is reported
// and no part of the answer is left in the cassette. It records in a child
// process, the limit being the whole process's.
func TestMutFailedWriteLeavesNoPartialRecording(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runChild(t, "TestMutWriteFailureChild", fsizeChildEnv, dir)
	assert.Empty(t, recordedFiles(t, dir))
}

// TestMutWriteFailureChild: the recording half of
// TestMutFailedWriteLeavesNoPartialRecording, in the child process.
func TestMutWriteFailureChild(t *testing.T) {
	t.Parallel()
	dir := os.Getenv(fsizeChildEnv)
	if dir == "" {
		t.Skip("run by TestMutFailedWriteLeavesNoPartialRecording")
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails instead
	limitFileSize(t, 4096)
	answer := `{"ret":200,"data":{"err_code":0,"pad":"` + strings.Repeat("x", 10000) + `"},"msg":""}`
	rec, err := NewRecorder(dir, answerText(answer))
	require.NoError(t, err)
	got, err := postHello(t, rec)
	require.NoError(t, err)
	assert.Equal(t, answer, string(got), "the call is not failed")
	require.Error(t, rec.Err())
	assert.Contains(t, rec.Err().Error(), "cassette: writing "+filepath.Join(dir, "world", "0001_success.json"))
	assert.Empty(t, recordedFiles(t, dir))
}

// sidecarChildEnv, set to a cassette directory, makes
// TestMutSidecarFailureChild record into it under a 4 KiB file size limit.
const sidecarChildEnv = "OKAYAPI_CASSETTE_MUT_SIDECAR_DIR"

// TestMutSidecarWriteFailure: when the body is written but its sidecar
// cannot be (a full disk; here the file size limit and a request of 8 KB),
// the failure is reported and the body is taken back: no recording without
// its sidecar, no claim, no temporary file.
func TestMutSidecarWriteFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runChild(t, "TestMutSidecarFailureChild", sidecarChildEnv, dir)
	assert.Empty(t, recordedFiles(t, dir))
}

// TestMutSidecarFailureChild: the recording half of
// TestMutSidecarWriteFailure, in the child process.
func TestMutSidecarFailureChild(t *testing.T) {
	t.Parallel()
	dir := os.Getenv(sidecarChildEnv)
	if dir == "" {
		t.Skip("run by TestMutSidecarWriteFailure")
	}
	signal.Ignore(syscall.SIGXFSZ)
	limitFileSize(t, 4096)
	answer := `{"ret":200,"data":{"err_code":0},"msg":""}`
	rec, err := NewRecorder(dir, answerText(answer))
	require.NoError(t, err)
	got, err := post(t, rec, url.Values{"app_key": {"0123456789ABCDEF0123456789ABCDEF"}, "note": {strings.Repeat("n", 8000)}})
	require.NoError(t, err)
	assert.Equal(t, answer, string(got), "the call is not failed")
	require.Error(t, rec.Err())
	assert.Contains(t, rec.Err().Error(), "cassette: writing ")
	assert.Empty(t, recordedFiles(t, dir))
}

// limitFileSize limits the size of files this process writes to n bytes
// until t ends (a coverage profile written at exit is not cut short).
func limitFileSize(t *testing.T, n uint64) {
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim))
	old := lim
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) })
	lim.Cur = n
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim))
}

// runChild runs the test named test in a child process of this test binary,
// with env set to dir, and requires that it passed.
func runChild(t *testing.T, test, env, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env+"="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: "+test, "%s", out)
}
