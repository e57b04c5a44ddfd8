package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// proc is a server process started by the supervisor.
type proc struct {
	name   string
	pid    int
	log    *os.File
	exited bool
	status syscall.WaitStatus
}

// supervisor starts and stops the server processes from one goroutine locked
// to its OS thread. Linux sends a child's parent-death signal when the thread
// that forked it exits, not the process; a dedicated thread that lives as
// long as the test binary makes "kill the servers when the tests die" hold
// even for a panic or a timeout. The same goroutine kills them on SIGINT or
// SIGTERM. It is the only goroutine the harness keeps: tests that check for
// leaks can ignore its top function, (*supervisor).loop.
type supervisor struct {
	reqs  chan func()
	done  chan struct{}
	sigs  chan os.Signal
	procs map[*proc]bool // running; touched only by loop
	// onSignal runs (in loop) after the servers were killed on SIGINT/SIGTERM.
	onSignal func()
}

func newSupervisor(onSignal func()) *supervisor {
	s := &supervisor{reqs: make(chan func()), done: make(chan struct{}), sigs: make(chan os.Signal, 1),
		procs: map[*proc]bool{}, onSignal: onSignal}
	ready := make(chan struct{})
	go s.loop(ready)
	<-ready
	return s
}

func (s *supervisor) loop(ready chan<- struct{}) {
	runtime.LockOSThread() // never unlocked: this thread is the servers' parent
	signal.Notify(s.sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(s.sigs)
	close(ready)
	for {
		select {
		case f := <-s.reqs:
			f()
		case sig := <-s.sigs:
			s.interrupted(sig)
		case <-s.done:
			return
		}
	}
}

// interrupted kills the servers and exits, on SIGINT or SIGTERM.
func (s *supervisor) interrupted(sig os.Signal) {
	fmt.Fprintf(os.Stderr, "testenv: %v: stopping the test servers\n", sig)
	for p := range s.procs {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		s.reap(p, true)
	}
	if s.onSignal != nil {
		s.onSignal()
	}
	os.Exit(1)
}

// do runs f on the supervisor's goroutine and waits for it.
func (s *supervisor) do(f func()) {
	finished := make(chan struct{})
	s.reqs <- func() { f(); close(finished) }
	<-finished
}

// close stops every server still running and ends the supervisor.
func (s *supervisor) close() {
	s.do(func() {
		for p := range s.procs {
			s.terminate(p)
		}
	})
	close(s.done)
}

// start starts bin with args and extra environment, in its own process
// group, its output appended to logPath.
func (s *supervisor) start(name, logPath, bin string, args, env []string) (*proc, error) {
	var p *proc
	var err error
	s.do(func() {
		var log *os.File
		log, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return
		}
		fmt.Fprintf(log, "\n--- %s: starting %s %q\n", time.Now().UTC().Format(time.RFC3339), bin, args)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = sysProcAttr()
		if err = cmd.Start(); err != nil {
			log.Close()
			err = fmt.Errorf("start %s: %w", name, err)
			return
		}
		// The process is reaped with wait4 below, not cmd.Wait, so that no
		// goroutine waits on it in the background.
		p = &proc{name: name, pid: cmd.Process.Pid, log: log}
		_ = cmd.Process.Release()
		s.procs[p] = true
	})
	return p, err
}

// running reports whether p is still running (reaping it if it exited).
func (s *supervisor) running(p *proc) bool {
	var ok bool
	s.do(func() { ok = !s.reap(p, false) })
	return ok
}

// stop sends SIGTERM to p's process group and waits for it to exit (SIGKILL
// after 15 s). It reports how the process ended.
func (s *supervisor) stop(p *proc) error {
	var err error
	s.do(func() { err = s.terminate(p) })
	return err
}

func (s *supervisor) terminate(p *proc) error {
	if s.reap(p, false) {
		return fmt.Errorf("%s had already exited (%s)", p.name, describe(p.status))
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for !s.reap(p, false) {
		select {
		case sig := <-s.sigs: // do not make Ctrl-C wait for a slow stop
			s.interrupted(sig)
		default:
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
			s.reap(p, true)
			return fmt.Errorf("%s did not stop within 15s of SIGTERM; killed", p.name)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// reap collects p's exit status if it has exited (waiting for it if block)
// and reports whether it has.
func (s *supervisor) reap(p *proc, block bool) bool {
	if p.exited {
		return true
	}
	opts := syscall.WNOHANG
	if block {
		opts = 0
	}
	for {
		pid, err := syscall.Wait4(p.pid, &p.status, opts, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid == p.pid {
			// ECHILD: someone else reaped it; either way it is gone.
			p.exited = true
			p.log.Close()
			delete(s.procs, p)
			return true
		}
		return false
	}
}

func describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return "killed by " + ws.Signal().String()
	default:
		return fmt.Sprintf("wait status %#x", uint32(ws))
	}
}
