package realtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// recordingLog is an OpLog whose AppendOps records each call, holds the
// first commitWriters calls until hold is closed (to let batches pile up)
// and fails any write that holds a "bad" board.
type recordingLog struct {
	shotline.OpLog
	mu    sync.Mutex
	calls [][]shotline.StoredOp
	hold  chan struct{}
}

func (l *recordingLog) AppendOps(_ context.Context, ops []shotline.StoredOp) error {
	l.mu.Lock()
	l.calls = append(l.calls, ops)
	held := len(l.calls) <= commitWriters
	l.mu.Unlock()
	if held {
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
	release := sync.OnceFunc(func() { close(log.hold) })
	defer release() // before the committer is stopped, even on failure

	// Every writer is busy with a held write of its own room.
	var busy []*Room
	for i := range commitWriters {
		r := testRoom(fmt.Sprint("busy", i))
		busy = append(busy, r)
		c.enqueue(commitBatch{room: r, ops: []shotline.StoredOp{{BoardID: r.boardID, Seq: 1}}})
		// This write starts although the ones before it are held.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			log.mu.Lock()
			n := len(log.calls)
			log.mu.Unlock()
			if n == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("write %d did not start while %d were in flight", i+1, i)
			}
		}
	}
	a, b, bad := testRoom("a"), testRoom("b"), testRoom("bad")
	// These arrive while every writer is busy: they go in one write.
	c.enqueue(commitBatch{room: a, ops: []shotline.StoredOp{{BoardID: "a", Seq: 1}, {BoardID: "a", Seq: 2}}})
	c.enqueue(commitBatch{room: b, ops: []shotline.StoredOp{{BoardID: "b", Seq: 7}}})
	release()
	for _, r := range busy {
		if err := flushResult(t, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(flushResult(t, a), flushResult(t, b)); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	if len(log.calls) != commitWriters+1 || len(log.calls[commitWriters]) != 3 {
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

// memLog is an op log in memory whose AppendOps behaves like an ordered
// insertMany: it stores ops until one's seq is taken, then fails.
type memLog struct {
	shotline.OpLog
	ops map[int64]shotline.StoredOp
}

func (l *memLog) AppendOps(_ context.Context, ops []shotline.StoredOp) error {
	for _, o := range ops {
		if _, taken := l.ops[o.Seq]; taken {
			return shotline.Errorf(shotline.ECONFLICT, "Op already stored.")
		}
		l.ops[o.Seq] = o
	}
	return nil
}

func (l *memLog) OpsSince(_ context.Context, _ string, after int64, limit int) ([]shotline.StoredOp, error) {
	var out []shotline.StoredOp
	for s := after + 1; len(out) < limit; s++ {
		o, ok := l.ops[s]
		if !ok {
			break
		}
		out = append(out, o)
	}
	return out, nil
}

func TestCommitterFinishesABatchStoredInPart(t *testing.T) {
	batch := []shotline.StoredOp{{BoardID: "b", Seq: 4, OpID: "x4"}, {BoardID: "b", Seq: 5, OpID: "x5"}, {BoardID: "b", Seq: 6, OpID: "x6"}}
	log := &memLog{ops: map[int64]shotline.StoredOp{}}
	for _, o := range batch[:2] { // an earlier write that timed out landed in part
		log.ops[o.Seq] = o
	}
	r := &Room{hub: &Hub{oplog: log}, boardID: "b"}
	c := newCommitter(log)
	if err := c.writeOne(commitBatch{room: r, ops: batch}); err != nil {
		t.Fatalf("retry of a partly stored batch: %v", err)
	}
	if len(log.ops) != 3 || log.ops[6].OpID != "x6" {
		t.Fatalf("log holds %v, want seqs 4–6", log.ops)
	}

	// Another op at one of the batch's seqs is another writer's: split brain.
	log.ops = map[int64]shotline.StoredOp{4: {BoardID: "b", Seq: 4, OpID: "someone-else"}}
	if err := c.writeOne(commitBatch{room: r, ops: batch}); !errors.Is(err, errSplitBrain) {
		t.Fatalf("conflicting op at seq 4: %v, want errSplitBrain", err)
	}
}

// orderLog records the order of ClearHead and AppendOps calls and fails
// ClearHead for the board "stuck".
type orderLog struct {
	shotline.OpLog
	calls []string
}

func (l *orderLog) ClearHead(_ context.Context, boardID string) error {
	l.calls = append(l.calls, "clear "+boardID)
	if boardID == "stuck" {
		return errors.New("timeout")
	}
	return nil
}

func (l *orderLog) AppendOps(_ context.Context, ops []shotline.StoredOp) error {
	for _, o := range ops {
		l.calls = append(l.calls, "append "+o.BoardID)
	}
	return nil
}

// A room loaded from a head snapshot has the mark cleared before its first
// ops are written; if that fails, its ops are not written, others' are.
func TestCommitterClearsTheHeadMarkBeforeWriting(t *testing.T) {
	log := &orderLog{}
	c := newCommitter(log)
	marked, stuck, plain := testRoom("marked"), testRoom("stuck"), testRoom("plain")
	c.write([]commitBatch{
		{room: marked, ops: []shotline.StoredOp{{BoardID: "marked", Seq: 5}}, clearHead: true},
		{room: stuck, ops: []shotline.StoredOp{{BoardID: "stuck", Seq: 9}}, clearHead: true},
		{room: plain, ops: []shotline.StoredOp{{BoardID: "plain", Seq: 1}}},
	})
	if err := flushResult(t, stuck); err == nil {
		t.Fatal("the room whose mark could not be cleared got no error")
	}
	if err := errors.Join(flushResult(t, marked), flushResult(t, plain)); err != nil {
		t.Fatal(err)
	}
	want := []string{"clear marked", "clear stuck", "append marked", "append plain"}
	if !slices.Equal(log.calls, want) {
		t.Fatalf("calls %v, want %v", log.calls, want)
	}
}

// scriptLog answers AppendOps calls from a script and records them.
type scriptLog struct {
	shotline.OpLog
	calls   [][]shotline.StoredOp
	results []error
}

func (l *scriptLog) AppendOps(_ context.Context, ops []shotline.StoredOp) error {
	l.calls = append(l.calls, ops)
	err := l.results[0]
	l.results = l.results[1:]
	return err
}

type nopBroker struct{}

func (nopBroker) Publish(string, []byte) error { return nil }
func (nopBroker) Subscribe(string, func([]byte)) (func(), error) {
	return func() {}, nil
}

// A combined write that conflicts part way: the rooms before are done, the
// room it conflicted in hears how far its batch got, and the rooms after
// are written together again.
func TestCommitterSortsOutAConflictInACombinedWrite(t *testing.T) {
	shared := &Hub{broker: nopBroker{}}
	room := func(id string) *Room { r := testRoom(id); r.hub = shared; return r }
	a, b, c, d := room("a"), room("b"), room("c"), room("d")
	conflict := &shotline.Error{Code: shotline.ECONFLICT, Err: &shotline.StoredPrefix{Stored: 3, Err: errors.New("duplicate key")}}
	log := &scriptLog{results: []error{conflict, nil}}
	op := func(board string, seq int64) shotline.StoredOp { return shotline.StoredOp{BoardID: board, Seq: seq} }
	newCommitter(log).write([]commitBatch{
		{room: a, ops: []shotline.StoredOp{op("a", 1), op("a", 2)}},
		{room: b, ops: []shotline.StoredOp{op("b", 1), op("b", 2)}},
		{room: c, ops: []shotline.StoredOp{op("c", 1)}},
		{room: d, ops: []shotline.StoredOp{op("d", 1)}},
	})
	if err := flushResult(t, a); err != nil {
		t.Fatalf("room a, stored in full: %v", err)
	}
	if n, ok := shotline.StoredBefore(flushResult(t, b)); !ok || n != 1 {
		t.Fatalf("room b: %d of its ops stored (%v), want 1", n, ok)
	}
	if err := errors.Join(flushResult(t, c), flushResult(t, d)); err != nil {
		t.Fatal(err)
	}
	if len(log.calls) != 2 || len(log.calls[0]) != 6 || len(log.calls[1]) != 2 || log.calls[1][0].BoardID != "c" {
		t.Fatalf("writes %v; want all six ops, then c's and d's together", log.calls)
	}
}
