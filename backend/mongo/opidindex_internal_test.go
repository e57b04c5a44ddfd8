package mongo

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

func storedOps(board string, from, to int64) []shotline.StoredOp {
	var out []shotline.StoredOp
	for s := from; s <= to; s++ {
		out = append(out, shotline.StoredOp{BoardID: board, Seq: s, OpID: fmt.Sprintf("op-%d", s)})
	}
	return out
}

// gatedWrites is an index write that blocks until its gate opens and
// records what it wrote, failing the first fail writes.
type gatedWrites struct {
	mu      sync.Mutex
	gate    chan struct{}
	fail    int
	written []int64
}

func (g *gatedWrites) write(ctx context.Context, ops []shotline.StoredOp) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail > 0 {
		g.fail--
		return errors.New("store away")
	}
	for _, o := range ops {
		g.written = append(g.written, o.Seq)
	}
	return nil
}

// TestOpIDIndexerWritesInOrderOffThePath: ops handed over are findable
// at once from memory, written in the order they were stored (retried
// when a write fails), and flush waits for exactly what came before it.
func TestOpIDIndexerWritesInOrderOffThePath(t *testing.T) {
	g := &gatedWrites{gate: make(chan struct{}), fail: 1}
	x := newOpIDIndexer(g.write, func(error) {})
	x.add(storedOps("b1", 1, 3))
	x.add(storedOps("b2", 1, 2))
	if o, ok := x.lookUp("b1", "op-2"); !ok || o.Seq != 2 {
		t.Fatalf("an op waiting for the index is not found in memory: %+v %v", o, ok)
	}
	if _, ok := x.lookUp("b3", "op-2"); ok {
		t.Fatal("an op of another board was found")
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := x.flush(short); err == nil {
		t.Fatal("flush returned before the index was written")
	}
	close(g.gate) // the first write fails, the retry goes through
	if err := x.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	got := slices.Clone(g.written)
	g.mu.Unlock()
	if want := []int64{1, 2, 3, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("written seqs %v, want %v (in the order stored, each once)", got, want)
	}
	if _, ok := x.lookUp("b1", "op-2"); ok {
		t.Error("a written op id is still held in memory")
	}
	if err := x.flush(context.Background()); err != nil {
		t.Fatal("flush with nothing waiting:", err)
	}
}

// TestSnapshotWaitsForTheOpIDsBeforeIt: no op id is left unwritten behind
// a snapshot (a room that loads the board checks only the ops after it).
func TestSnapshotWaitsForTheOpIDsBeforeIt(t *testing.T) {
	l := NewOpLog(nil)
	g := &gatedWrites{gate: make(chan struct{})}
	l.index = newOpIDIndexer(g.write, func(error) {})
	l.index.add(storedOps("b1", 1, 5))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := l.SaveSnapshot(ctx, shotline.BoardSnapshot{BoardID: "b1", Seq: 5})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a snapshot was saved (or failed otherwise: %v) while op ids before it were unwritten", err)
	}
}
