package http

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

// flakyListener fails its first accepts with errs, then accepts.
type flakyListener struct {
	net.Listener
	errs []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	a, b := net.Pipe()
	_ = b.Close()
	return a, nil
}

func TestAcceptRetriesWhenOutOfFileDescriptors(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	var slept []time.Duration
	l := &retryListener{Listener: &flakyListener{errs: []error{emfile, emfile, emfile}}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		sleep: func(d time.Duration) { slept = append(slept, d) }}
	c, err := l.Accept()
	if err != nil || c == nil {
		t.Fatalf("accept: %v", err)
	}
	if len(slept) != 3 || slept[0] != 5*time.Millisecond || slept[2] != 20*time.Millisecond {
		t.Fatalf("backoff %v, want 5ms, 10ms, 20ms", slept)
	}

	// Other errors end serving, as before.
	l = &retryListener{Listener: &flakyListener{errs: []error{net.ErrClosed}}, log: l.log}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("closed listener: %v", err)
	}
}

// recordingConn records each write that reaches the network.
type recordingConn struct {
	net.Conn
	writes []string
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func TestHeldConnSendsHeldWritesInOneWrite(t *testing.T) {
	rc := &recordingConn{}
	c := &heldConn{Conn: rc}
	write := func(s string) {
		t.Helper()
		if n, err := c.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	write("a")
	c.hold()
	write("b")
	write("cd")
	if len(rc.writes) != 1 {
		t.Fatalf("held writes reached the network: %q", rc.writes)
	}
	if err := c.release(); err != nil {
		t.Fatal(err)
	}
	if err := c.release(); err != nil { // nothing held: no write
		t.Fatal(err)
	}
	write("e")
	if want := []string{"a", "bcd", "e"}; !slices.Equal(rc.writes, want) {
		t.Fatalf("writes = %q, want %q", rc.writes, want)
	}
}
