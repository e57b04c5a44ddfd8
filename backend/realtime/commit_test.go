package realtime

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// recordingLog is an OpLog whose AppendOps records each call, can be held
// (to let batches pile up) and fails any write that holds a "bad" board.
type recordingLog struct {
	shotline.OpLog
	mu    sync.Mutex
	calls [][]shotline.StoredOp
	hold  chan struct{}
}

func (l *recordingLog) AppendOps(_ context.Context, ops []shotline.StoredOp) error {
	l.mu.Lock()
	first := len(l.calls) == 0
	l.calls = append(l.calls, ops)
	l.mu.Unlock()
	if first {
		<-l.hold
	}
	for _, o := range ops {
		if o.BoardID == "bad" {
			return errors.New("disk full")
		}
	}
	return nil
}

func testRoom(boardID string) *Room {
	return &Room{boardID: boardID, inbox: make(chan *event, 4), quit: make(chan struct{})}
}

func flushResult(t *testing.T, r *Room) error {
	t.Helper()
	select {
	case e := <-r.inbox:
		if e.kind != evFlushed {
			t.Fatalf("room %s got event %d, want evFlushed", r.boardID, e.kind)
		}
		return e.err
	case <-time.After(10 * time.Second):
		t.Fatalf("room %s: no flush result", r.boardID)
		return nil
	}
}

func TestCommitterWritesManyRoomsPerRequest(t *testing.T) {
	log := &recordingLog{hold: make(chan struct{})}
	c := newCommitter(log)
	stop := make(chan struct{})
	go c.run(stop)
	defer func() { close(stop); <-c.stopped }()

	first, a, b, bad := testRoom("first"), testRoom("a"), testRoom("b"), testRoom("bad")
	c.enqueue(first, []shotline.StoredOp{{BoardID: "first", Seq: 1}})
	for { // wait until the first write is in flight (and held)
		log.mu.Lock()
		n := len(log.calls)
		log.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// These arrive while a write is in flight: they go in one write.
	c.enqueue(a, []shotline.StoredOp{{BoardID: "a", Seq: 1}, {BoardID: "a", Seq: 2}})
	c.enqueue(b, []shotline.StoredOp{{BoardID: "b", Seq: 7}})
	close(log.hold)
	if err := flushResult(t, first); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(flushResult(t, a), flushResult(t, b)); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	if len(log.calls) != 2 || len(log.calls[1]) != 3 {
		t.Fatalf("writes: %v; want the two waiting batches (3 ops) in one write", log.calls)
	}
	log.mu.Unlock()

	// A combined write that fails is retried room by room: only the room
	// whose ops fail hears about it.
	c.mu.Lock() // enqueue both before the committer wakes
	c.queue = append(c.queue, commitBatch{room: a, ops: []shotline.StoredOp{{BoardID: "a", Seq: 3}}},
		commitBatch{room: bad, ops: []shotline.StoredOp{{BoardID: "bad", Seq: 1}}})
	c.mu.Unlock()
	c.wake <- struct{}{}
	if err := flushResult(t, a); err != nil {
		t.Fatalf("good room: %v", err)
	}
	if err := flushResult(t, bad); err == nil {
		t.Fatal("bad room: no error")
	}
}
