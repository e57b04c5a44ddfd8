package realtime

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The backlog runs what it is given one at a time, in order, from many
// goroutines at once, and its wait group says when all of it is done.
func TestBacklogRunsOneAtATimeInOrder(t *testing.T) {
	var wg sync.WaitGroup
	b := &backlog{wg: &wg}
	var running, most atomic.Int32
	var mu sync.Mutex
	var order []int
	gate := make(chan struct{})
	// The first write blocks until every other is queued, so that they
	// all wait together, as a hundred pages filled at once do.
	b.do(func() { <-gate })
	var senders sync.WaitGroup
	for i := range 100 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			b.do(func() {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				running.Add(-1)
			})
		}()
	}
	senders.Wait()
	close(gate)
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d writes ran at once, want 1", most.Load())
	}
	if len(order) != 100 {
		t.Fatalf("%d of 100 writes ran", len(order))
	}
	// Queued from 100 goroutines, their order is the queue's: each ran
	// once.
	sorted := slices.Clone(order)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("write %d did not run exactly once (%v)", i, sorted)
		}
	}
	// And in the order queued, when queued from one goroutine.
	order = nil
	for i := range 10 {
		b.do(func() { mu.Lock(); order = append(order, i); mu.Unlock() })
	}
	wg.Wait()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("ran in the order %v", order)
	}
}

// After each write the backlog rests for rest times that write's own
// time, so that a burst of pages or snapshots is spread out; once hurry is
// closed (the hub shutting down) it no longer rests.
func TestBacklogRestsBetweenWritesUntilHurried(t *testing.T) {
	var wg sync.WaitGroup
	hurry := make(chan struct{})
	b := &backlog{wg: &wg, rest: 3, hurry: hurry}
	const write = 20 * time.Millisecond
	var starts, ends [3]time.Time
	for i := range 3 {
		b.do(func() { starts[i] = time.Now(); time.Sleep(write); ends[i] = time.Now() })
	}
	wg.Wait()
	for i := 1; i < 3; i++ {
		if gap := starts[i].Sub(ends[i-1]); gap < 3*write {
			t.Errorf("write %d started %v after the one before ended, want at least %v", i, gap, 3*write)
		}
	}

	// A rest of 1,000 times 20 ms would be 20 s a write.
	b = &backlog{wg: &wg, rest: 1000, hurry: hurry}
	close(hurry)
	start := time.Now()
	for range 3 {
		b.do(func() { time.Sleep(write) })
	}
	wg.Wait()
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("three 20 ms writes took %v once hurried, want no rests", took)
	}
}
