package http

import (
	"net"
	"sync"
)

// heldConn is an accepted connection whose writes can be held and then sent
// together. A socket's writer holds them while it writes the frames of
// every message it has queued, then sends them all in one write: on a busy
// board a peer often has several ops (and a sender its op and its ack)
// waiting, and each write to the network costs a system call on both ends.
type heldConn struct {
	net.Conn
	mu   sync.Mutex
	held bool
	buf  []byte
}

// heldBufs recycles the buffers of held writes; they live only from hold to
// release, so an idle socket holds none.
var heldBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledHeldBuf keeps a rare huge batch's buffer out of the pool.
const maxPooledHeldBuf = 64 << 10

func (c *heldConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// hold makes writes wait in a buffer until release.
func (c *heldConn) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.held {
		c.held = true
		c.buf = (*heldBufs.Get().(*[]byte))[:0]
	}
}

// release sends what was written since hold in one write, and lets writes
// through again. Writes from other goroutines (a pong, say) wait meanwhile,
// so nothing overtakes the held bytes.
func (c *heldConn) release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.held {
		return nil
	}
	buf := c.buf
	c.held, c.buf = false, nil
	var err error
	if len(buf) > 0 {
		_, err = c.Conn.Write(buf)
	}
	if cap(buf) <= maxPooledHeldBuf {
		buf = buf[:0]
		heldBufs.Put(&buf)
	}
	return err
}

// heldListener hands out heldConns.
type heldListener struct{ net.Listener }

func (l heldListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &heldConn{Conn: c}, nil
}
