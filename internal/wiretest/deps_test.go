package wiretest_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/okayapi-go/sdk"

// TestUserPackagesNeedNoTestLibraries: the packages a user imports (the
// fakes and the cassette included) reach no assertion library through
// their non-test files, so that testify and yaml never land in a user's
// go.mod.
func TestUserPackagesNeedNoTestLibraries(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	seen := map[string]bool{}
	external := map[string][]string{} // import path → who imports it
	var walk func(path string)
	walk = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		dir := filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(path, module), "/"))
		pkg, err := build.ImportDir(dir, 0)
		require.NoError(t, err, path)
		for _, imp := range pkg.Imports {
			switch {
			case imp == module || strings.HasPrefix(imp, module+"/"):
				walk(imp)
			case strings.Contains(strings.Split(imp, "/")[0], "."):
				external[imp] = append(external[imp], path)
			}
		}
	}
	for _, p := range []string{"sign", "okayapi", "okayapi/phpjson", "okayapi/okayapitest", "okayapi/okayapitest/cassette", "chatmsg", "chatmsg/chatmsgtest"} {
		walk(module + "/" + p)
	}
	require.NotEmpty(t, external, "the walk found the SDK's dependencies")
	for imp, by := range external {
		assert.False(t, strings.HasPrefix(imp, "github.com/stretchr/testify") || strings.HasPrefix(imp, "go.yaml.in/") || strings.HasPrefix(imp, "gopkg.in/yaml"),
			"%s is imported by %v", imp, by)
	}
}
