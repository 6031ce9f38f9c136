package okayapi_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left behind: a
// client's connections, a retry timer or a stalled handler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
