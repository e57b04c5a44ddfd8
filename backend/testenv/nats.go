package testenv

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

var nats struct {
	once sync.Once
	url  string
	err  error
}

// NATS returns the client URL of a NATS server, for tests of app instances
// that share rooms. It is the real nats-server, embedded in the test binary
// (it is a Go library too), started on a free loopback port the first time
// a test asks.
func NATS(tb testing.TB) string {
	tb.Helper()
	nats.once.Do(func() {
		var s *server.Server
		if s, nats.err = startNATS(""); nats.err == nil {
			nats.url = s.ClientURL()
		}
	})
	if nats.err != nil {
		tb.Fatal(nats.err)
	}
	return nats.url
}

// NATSWithToken starts a NATS server of its own that requires token from
// every client, and returns its client URL. It stops when the test ends.
func NATSWithToken(tb testing.TB, token string) string {
	tb.Helper()
	s, err := startNATS(token)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s.ClientURL()
}

// startNATS starts an embedded nats-server on a free loopback port, asking
// every client for token unless it is empty, and waits until it takes
// connections.
func startNATS(token string) (*server.Server, error) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true, Authorization: token})
	if err != nil {
		return nil, err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("testenv: nats-server did not start")
	}
	return s, nil
}
