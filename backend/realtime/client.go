package realtime

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Transport is one WebSocket connection, seen by the hub. It keeps the hub
// independent of the socket library (tests use a fake). Read is called only
// by the goroutine running Hub.Serve; Write and Close only by the client's
// writer, so the socket never sees concurrent writes.
type Transport interface {
	// Read returns the next message; an error ends the connection.
	// ErrMalformedFrame (possibly wrapped) says the peer sent a frame the
	// protocol does not allow, such as a binary one: the connection is
	// closed with CloseProtocolError, which tells the client not to
	// reconnect. Any other error counts as the peer going away.
	Read() ([]byte, error)
	// Write sends the messages in order (in one write to the network
	// where it can).
	Write(msgs [][]byte) error
	// Close sends a close frame with code and its reason, then closes; a
	// Read blocked on the connection returns soon after.
	Close(code CloseCode) error
	// Abort cuts the connection at once, without a close frame; it may be
	// called from any goroutine and unblocks a Write stuck on a peer that
	// stopped reading.
	Abort()
}

// ErrMalformedFrame is what Transport.Read returns for a frame that is not
// part of the protocol (a binary frame: every message is a JSON text frame).
var ErrMalformedFrame = errors.New("realtime: a frame that is not part of the protocol")

// abortAfter is how long a closed client's writer may take to send what it
// is writing and the close frame before the connection is cut.
const abortAfter = time.Second

// Client is one joined socket: who it is, what role they hold, and its
// bounded queue of messages to send. The hub and rooms never write to the
// socket; they Send, and the client's writer drains the queue.
//
// The writer is a goroutine that runs only while there is something to
// send, so an idle connection costs no goroutine and no queue memory beyond
// its reader; at most one writer runs at a time.
type Client struct {
	ID          string
	UserID      string
	Name        string
	SessionID   string
	WorkspaceID string

	role atomic.Value // shotline.Role
	// LinkID is the share link the socket was opened through ("" for a
	// member without one); memberRole and linkRole are the parts of its
	// role, so that a change to either can be applied (link.go).
	LinkID     string
	grantMu    sync.Mutex
	memberRole shotline.Role
	linkRole   shotline.Role
	linkTimer  *time.Timer // ends the link's part at its expiry
	maxQueue   int
	inRoom     chan struct{} // one token per message of this client in its room's inbox
	done       chan struct{}
	finished   chan struct{} // closed once the close frame is sent

	mu        sync.Mutex
	transport Transport // nil until Serve attaches it
	queue     [][]byte
	writing   bool // a writer goroutine is running (or has finished for good)
	closed    bool
	closeCode CloseCode
	abort     *time.Timer
}

// NewClient returns a client that may have queueSize messages waiting to be
// sent before it counts as slow.
func NewClient(id, userID, name, sessionID, workspaceID string, role shotline.Role, queueSize int) *Client {
	c := &Client{ID: id, UserID: userID, Name: name, SessionID: sessionID, WorkspaceID: workspaceID,
		maxQueue: queueSize, inRoom: make(chan struct{}, maxInRoom), done: make(chan struct{}), finished: make(chan struct{})}
	c.role.Store(role)
	return c
}

// Role returns the client's current role; it changes while connected when
// an admin changes it.
func (c *Client) Role() shotline.Role { return c.role.Load().(shotline.Role) }

// SetRole changes the client's role; the next op is checked against it.
func (c *Client) SetRole(r shotline.Role) { c.role.Store(r) }

// maxInRoom bounds how many of one client's messages wait in its room's
// inbox at once. The room takes every client's messages in one order, so
// without it a client that floods the socket fills the inbox, and everyone
// else's ops wait behind all of its messages; with it they wait behind a
// few at most. The client's reader simply reads its next frame later (TCP
// pushes back on the flooder alone).
const maxInRoom = 4

// enterRoom waits until fewer than maxInRoom of c's messages are in its
// room's inbox and counts one more; false if c was closed meanwhile.
func (c *Client) enterRoom() bool {
	select {
	case c.inRoom <- struct{}{}:
		return true
	case <-c.done:
		return false
	}
}

// leftInbox tells c that the room took one of its messages out of the
// inbox (called by the room's goroutine).
func (c *Client) leftInbox() {
	select {
	case <-c.inRoom:
	default:
	}
}

// attach gives the client its connection; queued messages start flowing.
func (c *Client) attach(t Transport) {
	c.mu.Lock()
	c.transport = t
	c.unlockAndStartWriter()
}

// Send queues msg without blocking. A client whose queue is full is too slow
// to keep up: it is closed with CloseSlowConsumer and resyncs when it
// reconnects, and nobody else waits for it. Reports whether msg was queued.
func (c *Client) Send(msg []byte) bool {
	c.mu.Lock()
	defer c.unlockAndStartWriter()
	switch {
	case c.closed:
		return false
	case len(c.queue) >= c.maxQueue:
		c.closeLocked(CloseSlowConsumer)
		return false
	}
	c.queue = append(c.queue, msg)
	return true
}

// Close ends the client with code; the first code wins. It never blocks:
// the writer sends the close frame, and a writer stuck on a peer that
// stopped reading is cut after abortAfter.
func (c *Client) Close(code CloseCode) {
	c.mu.Lock()
	c.closeLocked(code)
	c.unlockAndStartWriter()
}

func (c *Client) closeLocked(code CloseCode) {
	if c.closed {
		return
	}
	c.closed, c.closeCode = true, code
	close(c.done)
	c.queue = nil // dropped: the client resyncs on reconnect
	if c.writing && c.transport != nil {
		t := c.transport
		c.abort = time.AfterFunc(abortAfter, func() {
			select {
			case <-c.finished:
			default:
				t.Abort()
			}
		})
	}
}

// unlockAndStartWriter releases c.mu and starts the writer if there is
// something to send (or a close frame) and none is running.
func (c *Client) unlockAndStartWriter() {
	start := c.startWriterLocked()
	c.mu.Unlock()
	if start {
		go c.write()
	}
}

func (c *Client) startWriterLocked() bool {
	if c.writing || c.transport == nil || (len(c.queue) == 0 && !c.closed) {
		return false
	}
	c.writing = true
	return true
}

// write is the client's writer: it sends queued messages, all that are
// waiting in one Write (up to maxWriteBatch), until the queue is
// empty (then returns; the next Send starts a new one) or the client is
// closed (then sends the close frame and never runs again).
func (c *Client) write() {
	c.mu.Lock()
	t := c.transport
	for {
		if c.closed {
			c.mu.Unlock()
			_ = t.Close(c.closeCode)
			c.mu.Lock()
			if c.abort != nil {
				c.abort.Stop()
			}
			close(c.finished)
			c.mu.Unlock()
			return // writing stays true: no writer starts again
		}
		if len(c.queue) == 0 {
			c.writing = false
			c.queue = nil // an idle client holds no queue memory
			c.mu.Unlock()
			return
		}
		n := min(len(c.queue), maxWriteBatch)
		batch := c.queue[:n:n] // Send appends after it, never into it
		c.queue = c.queue[n:]
		c.mu.Unlock()
		if err := t.Write(batch); err != nil {
			c.Close(CloseInternalError)
		}
		clear(batch)
		c.mu.Lock()
	}
}

// maxWriteBatch bounds the messages a writer sends in one Write.
const maxWriteBatch = 64

// Done is closed when the client is closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Finished is closed once a closed client's close frame has been sent (or
// failed): after it, the client never touches its connection again.
func (c *Client) Finished() <-chan struct{} { return c.finished }

// CloseCode returns the code the client was closed with (0 while open).
func (c *Client) CloseCode() CloseCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// tokenBucket limits a client's messages (or bytes) per second, with bursts.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate, burst float64) *tokenBucket {
	return &tokenBucket{rate: rate, burst: burst, tokens: burst}
}

func (b *tokenBucket) allow(now time.Time) bool { return b.allowN(now, 1) }

// allowN takes n tokens if the bucket holds them.
func (b *tokenBucket) allowN(now time.Time, n float64) bool {
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}
