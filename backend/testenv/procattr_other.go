//go:build unix && !linux

package testenv

import "syscall"

// sysProcAttr puts a server in its own process group. Without Linux's
// parent-death signal, a test binary killed with SIGKILL leaves its servers
// running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
