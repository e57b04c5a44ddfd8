package http

import (
	"sync"
	"time"
)

// limiter counts attempts per key in fixed windows. It is per process: with
// several app instances each enforces its own limit, which still bounds
// guessing to a small multiple.
type limiter struct {
	mu     sync.Mutex
	window time.Duration
	counts map[string]*attempts
	swept  time.Time
}

type attempts struct {
	n     int
	reset time.Time
}

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, counts: map[string]*attempts{}}
}

// allow records an attempt for key and reports whether it is within max, and
// if not, when the window resets.
func (l *limiter) allow(key string, max int, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, a := range l.counts {
			if !now.Before(a.reset) {
				delete(l.counts, k)
			}
		}
		l.swept = now
	}
	a := l.counts[key]
	if a == nil || !now.Before(a.reset) {
		a = &attempts{reset: now.Add(l.window)}
		l.counts[key] = a
	}
	if a.n >= max {
		return false, a.reset.Sub(now)
	}
	a.n++
	return true, 0
}

// reset forgets key, e.g. after a successful sign-in.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.counts, key)
	l.mu.Unlock()
}

// check reports whether key is within max without recording an attempt,
// and if not, when the window resets.
func (l *limiter) check(key string, max int, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.counts[key]; a != nil && now.Before(a.reset) && a.n >= max {
		return false, a.reset.Sub(now)
	}
	return true, 0
}
