package realtime_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// batchConn records the batches its client writes; the first blocks until
// release is closed, so that messages pile up behind it.
type batchConn struct {
	release chan struct{}
	mu      sync.Mutex
	batches [][]string
	wrote   chan struct{}
}

func (b *batchConn) Read() ([]byte, error)          { select {} }
func (b *batchConn) Close(realtime.CloseCode) error { return nil }
func (b *batchConn) Abort()                         {}
func (b *batchConn) Write(msgs [][]byte) error {
	b.mu.Lock()
	first := len(b.batches) == 0
	var batch []string
	for _, m := range msgs {
		batch = append(batch, string(m))
	}
	b.batches = append(b.batches, batch)
	b.mu.Unlock()
	b.wrote <- struct{}{}
	if first {
		<-b.release
	}
	return nil
}

func TestClientWritesWaitingMessagesTogether(t *testing.T) {
	c := realtime.NewClient("c", "u", "U", "s", "w", shotline.RoleEditor, 100)
	conn := &batchConn{release: make(chan struct{}), wrote: make(chan struct{}, 10)}
	c.Attach(conn)
	c.Send([]byte("m0"))
	<-conn.wrote // the writer is stuck on m0
	for i := 1; i <= 3; i++ {
		c.Send(fmt.Appendf(nil, "m%d", i))
	}
	close(conn.release)
	<-conn.wrote
	conn.mu.Lock()
	defer conn.mu.Unlock()
	if want := [][]string{{"m0"}, {"m1", "m2", "m3"}}; !slices.EqualFunc(conn.batches, want, slices.Equal) {
		t.Fatalf("batches = %q, want %q", conn.batches, want)
	}
}
