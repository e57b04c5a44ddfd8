package render

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd when the worker process dies
// (even by SIGKILL), so a crashed worker leaves no ffmpeg behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
