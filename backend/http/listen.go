package http

import (
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"
)

// Serve serves on ln until Shutdown. Accept errors that pass, such as
// running out of file descriptors when sockets pile up past the process
// limit, are retried with backoff (as net/http does) instead of stopping
// the server, which is what fasthttp does with them. Accepted connections
// are heldConns, so that a socket can send several messages in one write.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(heldListener{&retryListener{Listener: ln, log: s.log}})
}

// Listen serves on the TCP address addr until Shutdown (see Serve).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

type retryListener struct {
	net.Listener
	log        *slog.Logger
	lastLogged time.Time
	sleep      func(time.Duration) // time.Sleep; tests replace it
}

// retryable are the accept errors that go away by themselves.
var retryable = []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED}

func (l *retryListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			return c, nil
		}
		if !isRetryable(err) {
			return nil, err
		}
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		if time.Since(l.lastLogged) > 10*time.Second {
			l.log.Warn("accept failed; retrying", "err", err, "retry_in", delay)
			l.lastLogged = time.Now()
		}
		if l.sleep != nil {
			l.sleep(delay)
		} else {
			time.Sleep(delay)
		}
	}
}

func isRetryable(err error) bool {
	for _, e := range retryable {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
