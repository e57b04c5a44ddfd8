package realtime

import (
	"sync"
	"time"
)

// backlog runs the rooms' optional writes (full op pages, periodic
// snapshots) one at a time, in the order they come. Neither is needed for
// an op to be durable, so neither should make commits wait: on the local
// store writes pass one at a time, and boards that fill a page or reach a
// snapshot together (a hundred boards edited at the same pace do, every few
// seconds) used to send a hundred writes at once, every commit queued
// behind them (docs/benchmarks.md). One at a time, a commit waits for one
// of them at most.
type backlog struct {
	wg *sync.WaitGroup // counts what is queued or running (Shutdown waits)
	// rest is how long the backlog pauses after each write, as a multiple
	// of that write's own time (0: no pause), while fewer than
	// backlogRestBelow writes wait: it spreads a burst of pages or
	// snapshots over time instead of filling the store and the CPU with
	// them at once. hurry, closed at shutdown, ends every pause.
	rest  int
	hurry <-chan struct{}

	mu      sync.Mutex
	queue   []func()
	running bool
}

// do queues f; a goroutine runs the queue while it is not empty.
func (b *backlog) do(f func()) {
	b.wg.Add(1)
	b.mu.Lock()
	b.queue = append(b.queue, f)
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.drain()
	}
}

func (b *backlog) drain() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		f := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		waiting := len(b.queue)
		b.mu.Unlock()
		start := time.Now()
		f()
		b.wg.Done()
		if b.rest > 0 && waiting < backlogRestBelow {
			pause := time.NewTimer(time.Since(start) * time.Duration(b.rest))
			select {
			case <-pause.C:
			case <-b.hurry:
				pause.Stop()
			}
		}
	}
}

// backlogRestBelow is how many writes may wait before the backlog stops
// pausing between them, so that it never falls behind for long.
const backlogRestBelow = 1000
