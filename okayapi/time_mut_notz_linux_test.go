package okayapi_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/core"
	"github.com/okayapi-go/sdk/okayapi"
)

// noTZChildEnv set makes TestNoZoneDatabaseChild run: the parent starts it
// in a process that sees no time zone database.
const noTZChildEnv = "OKAYAPI_MUT_NO_TZ_CHILD"

// TestWithoutAZoneDatabaseTimesAreReadAtPlus8: on a machine without a time
// zone database (a scratch container), a client without WithLocation still
// reads the service's times at UTC+8, China's time. The child process runs
// in its own user and mount namespaces, with empty file systems over the
// zone database's directories and GOROOT pointing at an empty directory;
// where namespaces are not allowed, the test is skipped.
func TestWithoutAZoneDatabaseTimesAreReadAtPlus8(t *testing.T) {
	t.Parallel()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1):", err)
	}
	if out, err := exec.Command(unshare, "-rm", "true").CombinedOutput(); err != nil {
		t.Skipf("no user and mount namespaces here: %v %s", err, out)
	}
	script := `for d in /usr/share/zoneinfo /usr/share/lib/zoneinfo /usr/lib/locale/TZ /etc/zoneinfo; do
	if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d" || exit 97; fi
done
exec "$0" -test.run='^TestNoZoneDatabaseChild$' -test.v`
	cmd := exec.Command(unshare, "-rm", "sh", "-c", script, os.Args[0])
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZONEINFO=") && !strings.HasPrefix(kv, "GOROOT=") && !strings.HasPrefix(kv, "TZ=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, noTZChildEnv+"=1", "GOROOT="+t.TempDir(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code == 97 {
		t.Skipf("cannot mount in a namespace here: %s", out)
	}
	require.NoError(t, err, "%s", out)
	if strings.Contains(string(out), "--- SKIP: TestNoZoneDatabaseChild") {
		t.Skipf("the child still found a zone database: %s", out)
	}
	require.Contains(t, string(out), "--- PASS: TestNoZoneDatabaseChild", "%s", out)
}

// TestNoZoneDatabaseChild: the half of
// TestWithoutAZoneDatabaseTimesAreReadAtPlus8 in the child process.
func TestNoZoneDatabaseChild(t *testing.T) {
	t.Parallel()
	if os.Getenv(noTZChildEnv) == "" {
		t.Skip("run by TestWithoutAZoneDatabaseTimesAreReadAtPlus8")
	}
	if _, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		t.Skip("a zone database is still in sight")
	}

	c, err := okayapi.New(testBase, testAppKey)
	require.NoError(t, err)
	got, err := core.ParseTime(c, "2019-08-11 17:12:02")
	require.NoError(t, err)
	assert.True(t, time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC).Equal(got), "got %v", got.UTC())
	name, offset := got.Zone()
	assert.Equal(t, "CST", name)
	assert.Equal(t, 8*60*60, offset)
}
