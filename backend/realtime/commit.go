package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// committer writes every room's pending ops to the op log, many rooms per
// write. Each room has at most one batch in flight (so a board's ops are
// stored in order); the committer gathers the batches that arrive while a
// write is running and stores them together in the next one. With
// thousands of boards each sending a few ops per second, this turns
// thousands of small writes per second into a few hundred larger ones —
// the database's per-request cost, not its per-op cost, is what limits a
// hub otherwise.
type committer struct {
	oplog shotline.OpLog

	mu      sync.Mutex
	queue   []commitBatch
	wake    chan struct{} // capacity 1: there is something in queue
	stopped chan struct{}
}

type commitBatch struct {
	room      *Room
	ops       []shotline.StoredOp
	clearHead bool // take the head mark off the board's snapshot first
}

func newCommitter(oplog shotline.OpLog) *committer {
	return &committer{oplog: oplog, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
}

// enqueue hands a room's batch to the committer; the room gets an
// evFlushed event once it is stored (or failed). It never blocks.
func (c *committer) enqueue(b commitBatch) {
	c.mu.Lock()
	c.queue = append(c.queue, b)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// commitWriters is how many writes the committer keeps in flight. A second
// write is sent while the first one's answer travels back and its rooms
// take it in, so the database does not sit idle between writes. Writes in
// flight at once hold different rooms (a room has at most one batch in
// flight), so a board's ops are still stored in order.
const commitWriters = 2

// run writes queued batches until stop is closed, the queue is empty and
// the writes in flight are done.
func (c *committer) run(stop <-chan struct{}) {
	var writing sync.WaitGroup
	defer func() {
		writing.Wait()
		close(c.stopped)
	}()
	free := make(chan struct{}, commitWriters)
	for range commitWriters {
		free <- struct{}{}
	}
	for {
		select {
		case <-c.wake:
		case <-stop:
			c.mu.Lock()
			empty := len(c.queue) == 0
			c.mu.Unlock()
			if empty {
				return
			}
		}
		<-free
		c.mu.Lock()
		batches := c.queue
		c.queue = nil
		c.mu.Unlock()
		if len(batches) == 0 {
			free <- struct{}{}
			continue
		}
		writing.Add(1)
		go func() {
			defer writing.Done()
			c.write(batches)
			free <- struct{}{}
		}()
	}
}

// write stores batches in one request. If that conflicts, the batches
// stored in full are done, the one that conflicted is written (or, shared
// with other instances, reported) on its own, and the rest go together
// again; a failure that does not say how far it got has each room's batch
// written on its own, so that one board's conflict or bad op fails only
// that board.
func (c *committer) write(batches []commitBatch) {
	batches = c.clearHeads(batches)
	for len(batches) > 1 {
		n := 0
		for _, b := range batches {
			n += len(b.ops)
		}
		all := make([]shotline.StoredOp, 0, n)
		for _, b := range batches {
			all = append(all, b.ops...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.oplog.AppendOps(ctx, all)
		cancel()
		if err == nil {
			for _, b := range batches {
				b.room.flushed(nil)
			}
			return
		}
		stored, ok := shotline.StoredBefore(err)
		if !ok {
			break // some of it may be stored: the writes below verify
		}
		i := 0
		for ; i < len(batches) && stored >= len(batches[i].ops); i++ {
			stored -= len(batches[i].ops)
			batches[i].room.flushed(nil)
		}
		if i == len(batches) {
			return
		}
		if b := batches[i]; b.room.hub.broker != nil {
			b.room.flushed(&shotline.Error{Code: shotline.ECONFLICT, Message: "Op already stored.", Err: &shotline.StoredPrefix{Stored: stored, Err: err}})
		} else {
			b.room.flushed(c.writeOne(b))
		}
		batches = batches[i+1:]
	}
	for _, b := range batches {
		b.room.flushed(c.writeOne(b))
	}
}

// clearHeads takes the head mark off the snapshots of the boards whose
// batches ask for it (the first write of a room loaded from a head
// snapshot) and returns the batches that may be written: a batch whose
// board's mark could not be cleared fails.
func (c *committer) clearHeads(batches []commitBatch) []commitBatch {
	ok := batches[:0:0]
	for _, b := range batches {
		if b.clearHead {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := c.oplog.ClearHead(ctx, b.room.boardID)
			cancel()
			if err != nil {
				b.room.flushed(err)
				continue
			}
		}
		ok = append(ok, b)
	}
	return ok
}

// writeOne stores one room's batch, with its own deadline (the combined
// write may have used up its own).
func (c *committer) writeOne(b commitBatch) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.oplog.AppendOps(ctx, b.ops)
	if shotline.ErrorCode(err) == shotline.ECONFLICT && b.room.hub.broker == nil {
		// (A room shared with other instances sorts a conflict out from
		// their published ops, without reading the log: see shared.go.)
		err = b.room.verifyStored(ctx, b.ops)
	}
	return err
}
