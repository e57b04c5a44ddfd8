package realtime

import "sync"

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
		b.mu.Unlock()
		f()
		b.wg.Done()
	}
}
