package redisstore

import (
	"fmt"
	"os"
)

// runChild runs the child process of a multi-process test and returns its
// exit status.
func runChild(role string) int {
	switch role {
	case "limiter":
		return limiterChild()
	case "outbox":
		return outboxChild()
	case "watcher":
		return watcherChild()
	}
	fmt.Fprintln(os.Stderr, "unknown child role", role)
	return 2
}
