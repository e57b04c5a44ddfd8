package mongo

import (
	"context"
	"sync"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// opIDIndexer writes the op-id index (board_op_ids) off the ack's path.
// AppendOps hands it what it stored; one goroutine writes everything
// waiting in one insert, so a group commit costs one write (its ops), not
// two, and the index costs one write per flush, however many rooms
// committed meanwhile. On the local store that halves what every commit
// waits for behind the serializing relay (docs/benchmarks.md).
//
// Until an op id is written, FindOpByOpID answers it from memory, so this
// process never misses one. Another process (after a crash, or another
// instance) may: the indexer writes in the order ops were stored, so what
// a crash leaves unindexed is the newest ops of each board, which a room
// that loads the board finds (its last replayed op is unindexed) and
// indexes again; and SaveSnapshot first waits for the ops before it to be
// indexed, so no unindexed op hides behind a snapshot.
type opIDIndexer struct {
	write func(ctx context.Context, ops []shotline.StoredOp) error
	log   func(err error)

	mu      sync.Mutex
	changed *sync.Cond
	waiting []shotline.StoredOp
	byKey   map[string]shotline.StoredOp // opIDKey → op, waiting or being written
	queued  uint64                       // ops handed over so far
	written uint64                       // of those, written (or given up on)
	running bool
}

func newOpIDIndexer(write func(context.Context, []shotline.StoredOp) error, log func(error)) *opIDIndexer {
	x := &opIDIndexer{write: write, log: log, byKey: map[string]shotline.StoredOp{}}
	x.changed = sync.NewCond(&x.mu)
	return x
}

// add queues stored ops for the index.
func (x *opIDIndexer) add(ops []shotline.StoredOp) {
	if len(ops) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, o := range ops {
		x.byKey[opIDKey(o.BoardID, o.OpID)] = o
	}
	x.waiting = append(x.waiting, ops...)
	x.queued += uint64(len(ops))
	if !x.running {
		x.running = true
		go x.run()
	}
}

// lookUp returns an op stored by this process whose id is not written yet.
func (x *opIDIndexer) lookUp(boardID, opID string) (shotline.StoredOp, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	o, ok := x.byKey[opIDKey(boardID, opID)]
	return o, ok
}

// run writes what waits until nothing does. A failed write is retried
// with backoff (the store may be away for a while); it gives up on a
// batch only after a minute, leaving it to a room's load to index again.
func (x *opIDIndexer) run() {
	backoff := 50 * time.Millisecond
	var failingSince time.Time
	for {
		x.mu.Lock()
		batch := x.waiting
		if len(batch) == 0 {
			x.running = false
			x.changed.Broadcast()
			x.mu.Unlock()
			return
		}
		x.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := x.write(ctx, batch)
		cancel()
		if err != nil {
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) < time.Minute {
				x.log(err)
				time.Sleep(backoff)
				backoff = min(2*backoff, 5*time.Second)
				continue
			}
			x.log(err) // given up on: rooms index what they replay
		}
		failingSince, backoff = time.Time{}, 50*time.Millisecond
		x.mu.Lock()
		x.waiting = x.waiting[len(batch):]
		if len(x.waiting) == 0 {
			x.waiting = nil // let the backing array go
		}
		for _, o := range batch {
			key := opIDKey(o.BoardID, o.OpID)
			if cur, ok := x.byKey[key]; ok && cur.Seq == o.Seq {
				delete(x.byKey, key)
			}
		}
		x.written += uint64(len(batch))
		x.changed.Broadcast()
		x.mu.Unlock()
	}
}

// flush returns once every op queued before the call is written, or ctx
// is done.
func (x *opIDIndexer) flush(ctx context.Context) error {
	x.mu.Lock()
	target := x.queued
	if x.written >= target {
		x.mu.Unlock()
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		x.mu.Lock()
		x.changed.Broadcast()
		x.mu.Unlock()
	})
	defer stop()
	for x.written < target && ctx.Err() == nil {
		x.changed.Wait()
	}
	x.mu.Unlock()
	return ctx.Err()
}
