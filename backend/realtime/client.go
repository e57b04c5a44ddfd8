package realtime

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Transport is one WebSocket connection, seen by the hub. It keeps the hub
// independent of the socket library (tests use a fake). Read is called only
// by the goroutine running Hub.Serve; Write and Close only by the client's
// writer goroutine, so the socket never sees concurrent writes.
type Transport interface {
	// Read returns the next message; an error ends the connection.
	Read() ([]byte, error)
	// Write sends one message.
	Write(data []byte) error
	// Close sends a close frame with code and its reason, then closes.
	Close(code CloseCode) error
	// Abort closes the connection at once, without a close frame; it may be
	// called from any goroutine and unblocks a Write stuck on a peer that
	// stopped reading.
	Abort()
}

// Client is one joined socket: who it is, what role they hold, and its
// bounded queue of messages to send. The hub and rooms never write to the
// socket; they Send, and the writer goroutine drains the queue.
type Client struct {
	ID          string
	UserID      string
	Name        string
	SessionID   string
	WorkspaceID string

	role      atomic.Value // shotline.Role
	queue     chan []byte
	done      chan struct{}
	closeOnce sync.Once
	closeCode CloseCode
}

// NewClient returns a client with a send queue of queueSize messages.
func NewClient(id, userID, name, sessionID, workspaceID string, role shotline.Role, queueSize int) *Client {
	c := &Client{ID: id, UserID: userID, Name: name, SessionID: sessionID, WorkspaceID: workspaceID,
		queue: make(chan []byte, queueSize), done: make(chan struct{})}
	c.role.Store(role)
	return c
}

// Role returns the client's current role; it changes while connected when
// an admin changes it.
func (c *Client) Role() shotline.Role { return c.role.Load().(shotline.Role) }

// SetRole changes the client's role; the next op is checked against it.
func (c *Client) SetRole(r shotline.Role) { c.role.Store(r) }

// Send queues msg without blocking. A client whose queue is full is too slow
// to keep up: it is closed with CloseSlowConsumer and resyncs when it
// reconnects, and nobody else waits for it. Reports whether msg was queued.
func (c *Client) Send(msg []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.queue <- msg:
		return true
	default:
		c.Close(CloseSlowConsumer)
		return false
	}
}

// Close ends the client with code; the first code wins. It never blocks.
func (c *Client) Close(code CloseCode) {
	c.closeOnce.Do(func() {
		c.closeCode = code
		close(c.done)
	})
}

// Done is closed when the client is closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// CloseCode returns the code the client was closed with (0 while open).
func (c *Client) CloseCode() CloseCode {
	select {
	case <-c.done:
		return c.closeCode
	default:
		return 0
	}
}

// writeLoop is the client's one writer: it sends queued messages until the
// client is closed, then sends the close frame. Messages still queued when
// the client closes are dropped: the client resyncs on reconnect.
func (c *Client) writeLoop(t Transport) {
	for {
		select {
		case msg := <-c.queue:
			if err := t.Write(msg); err != nil {
				c.Close(CloseInternalError)
				_ = t.Close(CloseInternalError)
				return
			}
		case <-c.done:
			_ = t.Close(c.closeCode)
			return
		}
	}
}

// tokenBucket limits a client's ops per second, with bursts.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate, burst float64) *tokenBucket {
	return &tokenBucket{rate: rate, burst: burst, tokens: burst}
}

func (b *tokenBucket) allow(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
