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
		s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
		if err != nil {
			nats.err = err
			return
		}
		go s.Start()
		if !s.ReadyForConnections(10 * time.Second) {
			nats.err = errors.New("testenv: nats-server did not start")
			return
		}
		nats.url = s.ClientURL()
	})
	if nats.err != nil {
		tb.Fatal(nats.err)
	}
	return nats.url
}
