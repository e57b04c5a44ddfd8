package testenv

import "syscall"

// sysProcAttr puts a server in its own process group (so a terminal's Ctrl-C
// reaches only the test binary, which then stops the servers) and has the
// kernel kill it if the supervisor's thread, hence the test binary, dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
