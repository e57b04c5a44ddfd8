package main

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// writeStats adds up, per command and collection, how many writes went
// through the relay and how long they held it, and logs the sums at every
// interval: where the store's one-at-a-time write time goes
// (docs/benchmarks.md).
type writeStats struct {
	mu    sync.Mutex
	since time.Time
	sums  map[string]*writeSum
}

type writeSum struct {
	n          int
	total, max time.Duration
}

func newWriteStats() *writeStats {
	return &writeStats{since: time.Now(), sums: map[string]*writeSum{}}
}

// add records a write of c that took the lock at start and releases it now.
func (w *writeStats) add(c command, start time.Time) {
	d := time.Since(start)
	key := c.name + " " + c.collection
	w.mu.Lock()
	s := w.sums[key]
	if s == nil {
		s = &writeSum{}
		w.sums[key] = s
	}
	s.n++
	s.total += d
	s.max = max(s.max, d)
	w.mu.Unlock()
}

// logEvery logs and resets the sums every interval until ctx is done.
func (w *writeStats) logEvery(ctx context.Context, log *slog.Logger, interval time.Duration) {
	every(ctx, interval, func() { w.log(log) })
}

// log logs the sums since the last time and starts new ones.
func (w *writeStats) log(log *slog.Logger) {
	w.mu.Lock()
	sums, since := w.sums, w.since
	w.sums, w.since = map[string]*writeSum{}, time.Now()
	w.mu.Unlock()
	keys := make([]string, 0, len(sums))
	var busy time.Duration
	for k, s := range sums {
		keys = append(keys, k)
		busy += s.total
	}
	sort.Slice(keys, func(i, j int) bool { return sums[keys[i]].total > sums[keys[j]].total })
	elapsed := time.Since(since)
	log.Info("writes", "held", busy.Round(time.Millisecond), "of", elapsed.Round(time.Millisecond))
	for _, k := range keys {
		s := sums[k]
		log.Info("writes of", "command", k, "n", s.n, "held", s.total.Round(time.Millisecond),
			"mean", (s.total / time.Duration(s.n)).Round(time.Microsecond), "max", s.max.Round(time.Microsecond))
	}
}

// every runs f every interval until ctx is done.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
