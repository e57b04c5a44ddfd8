// Package liveclient speaks Shotline's realtime protocol from Go: the load
// tool and the end-to-end tests use it as a client would, over a real
// WebSocket.
package liveclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/realtime"
)

// Conn is one socket to a board's live endpoint. Send and the Send* helpers
// are safe for concurrent use; Next must be called by one goroutine.
type Conn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

// Dial opens baseURL's live socket for boardID (baseURL is http://host:port)
// with the given session cookie value. It sends baseURL as its Origin, as a
// page served from there does: the server refuses a cookie-authenticated
// socket without one.
func Dial(ctx context.Context, baseURL, sessionCookie, boardID string) (*Conn, error) {
	return DialWith(ctx, baseURL, sessionCookie, boardID, Options{})
}

// Options tune a connection beyond Dial's defaults.
type Options struct {
	// ReceiveBuffer, if positive, sets the socket's kernel receive buffer
	// (bytes): a client that stops reading then holds up the server's
	// writes after a few KiB instead of megabytes (the load tool's stalled
	// reader).
	ReceiveBuffer int
}

// DialWith is Dial with options.
func DialWith(ctx context.Context, baseURL, sessionCookie, boardID string, o Options) (*Conn, error) {
	h := http.Header{}
	if sessionCookie != "" {
		h.Set("Cookie", "shotline_session="+sessionCookie)
	}
	h.Set("Origin", baseURL)
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/api/boards/" + boardID + "/live"
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 2048, WriteBufferSize: 2048}
	if o.ReceiveBuffer > 0 {
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(o.ReceiveBuffer)
			}
			return c, err
		}
	}
	ws, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (status %d)", url, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return &Conn{ws: ws}, nil
}

// Send writes one message as JSON.
func (c *Conn) Send(m any) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

// SendRaw writes data as one text frame, as it is (a client that sends
// anything).
func (c *Conn) SendRaw(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

// Join sends the join message.
func (c *Conn) Join(boardID string, lastSeq *int64) error {
	return c.sendMessage(realtime.JoinMessage{Protocol: realtime.ProtocolVersion, BoardID: boardID, LastSeq: lastSeq})
}

// SendOp sends one op.
func (c *Conn) SendOp(opID string, baseSeq int64, op board.Op) error {
	return c.sendMessage(realtime.OpMessage{OpID: opID, BaseSeq: baseSeq, Op: op})
}

// sendMessage writes one protocol message, with its type tag.
func (c *Conn) sendMessage(m realtime.Message) error {
	data, err := realtime.EncodeMessage(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

// Next reads and decodes the next message. A close from the server returns
// a *websocket.CloseError carrying the code.
func (c *Conn) Next(timeout time.Duration) (realtime.ServerMessage, error) {
	if timeout > 0 {
		_ = c.ws.SetReadDeadline(time.Now().Add(timeout))
	}
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return realtime.DecodeServerMessage(data)
}

// NextRaw reads the next message without decoding it.
func (c *Conn) NextRaw(timeout time.Duration) ([]byte, error) {
	if timeout > 0 {
		_ = c.ws.SetReadDeadline(time.Now().Add(timeout))
	}
	_, data, err := c.ws.ReadMessage()
	return data, err
}

// Close closes the socket without a close handshake (a dropped network).
func (c *Conn) Close() error { return c.ws.Close() }

// CloseCode returns the WebSocket close code in err, or 0.
func CloseCode(err error) int {
	if ce, ok := err.(*websocket.CloseError); ok {
		return ce.Code
	}
	return 0
}

// Replica is a client's confirmed copy of a board: the server's snapshot
// and its applied ops, replayed in order.
type Replica struct {
	State *board.BoardState
}

// Handle applies a snapshot, missed ops or an applied op to the replica and
// reports whether the message was one of those.
func (r *Replica) Handle(m realtime.ServerMessage) (bool, error) {
	switch m := m.(type) {
	case realtime.SnapshotMessage:
		st, err := board.FromSnapshot(m.Board, m.Seq)
		if err != nil {
			return true, err
		}
		r.State = st
	case realtime.OpsMessage:
		for _, ao := range m.Ops {
			if err := realtime.Replay(r.State, ao); err != nil {
				return true, err
			}
		}
	case realtime.AppliedMessage:
		if r.State == nil {
			return true, fmt.Errorf("applied op %d before a snapshot", m.Seq)
		}
		if m.Seq <= r.State.Seq {
			return true, nil // already had it (sent again after a resume)
		}
		return true, realtime.Replay(r.State, m.AppliedOp)
	default:
		return false, nil
	}
	return true, nil
}

// Seq is the replica's last applied sequence number.
func (r *Replica) Seq() int64 {
	if r.State == nil {
		return 0
	}
	return r.State.Seq
}
