package redisstore

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes cmd be killed when the test process dies, also by a
// signal that skips the cleanups.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
