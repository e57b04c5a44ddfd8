package realtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

// Config tunes the hub. Zero values get the defaults noted.
type Config struct {
	QueueSize     int           // messages queued per client before it counts as slow; 512
	IdleUnload    time.Duration // a room without clients unloads after this; 30s
	SnapshotEvery int64         // save a snapshot every this many ops; 500
	RecentOps     int           // applied ops kept in memory for resuming clients; 10000
	OpRate        float64       // messages (ops, presence, pings) per second per client; 50
	OpBurst       float64       // burst of messages per client; 200
	ByteRate      float64       // bytes of messages per second per client; 128 KiB
	ByteBurst     float64       // burst of bytes per client; 512 KiB
	MaxErrors     int           // refused messages before a client is closed; 200
	JoinTimeout   time.Duration // time to send the join message; 10s
	BacklogRest   int           // pause after each op page or snapshot write, as a multiple of its time; 3 (negative: none)
}

func (c *Config) defaults() {
	if c.QueueSize <= 0 {
		c.QueueSize = 512
	}
	if c.IdleUnload <= 0 {
		c.IdleUnload = 30 * time.Second
	}
	if c.SnapshotEvery <= 0 {
		c.SnapshotEvery = 500
	}
	if c.RecentOps <= 0 {
		c.RecentOps = 10000
	}
	if c.OpRate <= 0 {
		c.OpRate = 50
	}
	if c.BacklogRest == 0 {
		c.BacklogRest = 3
	}
	if c.OpBurst <= 0 {
		c.OpBurst = 200
	}
	if c.ByteRate <= 0 {
		c.ByteRate = 128 << 10
	}
	if c.ByteBurst <= 0 {
		c.ByteBurst = 512 << 10
	}
	if c.MaxErrors <= 0 {
		c.MaxErrors = 200
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = 10 * time.Second
	}
}

// Hub owns the rooms of this process: one per board with clients, loaded on
// first join and unloaded when idle.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	boards   shotline.BoardService
	oplog    shotline.OpLog
	versions shotline.VersionStore
	authz    shotline.Authorizer

	broker   Broker // nil: this instance holds the only room of a board (shared.go)
	instance string // this hub's id among those sharing rooms

	commits    *committer
	stopCommit chan struct{}
	stopOnce   sync.Once

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
	wg     sync.WaitGroup // room goroutines

	// background: a room's writes that outlive the event that made them
	// (the board document's copy of its settings); closing is closed when
	// Shutdown starts, so that they stop waiting.
	background sync.WaitGroup
	closing    chan struct{}
	// later writes the rooms' op pages and periodic snapshots, one at a
	// time (counted in background).
	later *backlog

	notices notices // comments stored here, for their notifications
}

// NewHub returns a hub storing ops in oplog and reading boards from boards.
func NewHub(boards shotline.BoardService, oplog shotline.OpLog, versions shotline.VersionStore, authz shotline.Authorizer, cfg Config, log *slog.Logger) *Hub {
	cfg.defaults()
	h := &Hub{cfg: cfg, log: log, boards: boards, oplog: oplog, versions: versions, authz: authz, rooms: map[string]*Room{},
		commits: newCommitter(oplog), stopCommit: make(chan struct{}), closing: make(chan struct{})}
	h.later = &backlog{wg: &h.background, rest: cfg.BacklogRest, hurry: h.closing}
	go h.commits.run(h.stopCommit)
	return h
}

// Serve runs one connection until it ends: it attaches the client to t,
// waits for the join, then reads messages and hands them to the board's
// room. The caller (the WebSocket handler) has already checked that the
// client may read boardID. Serve returns when the connection is over; the
// hub keeps no reference to t afterwards.
func (h *Hub) Serve(c *Client, t Transport, boardID string) {
	c.attach(t)
	defer func() {
		c.Close(CloseShuttingDown) // no-op if already closed
		<-c.Finished()
	}()

	room, err := h.awaitJoin(c, t, boardID)
	if err != nil {
		return
	}
	defer room.leave(c)

	// The reader only reads, rate-limits and checks sizes: decoding and
	// answering happen in the room, so this goroutine, which lives as long
	// as the socket, keeps the smallest stack the runtime gives (it is most
	// of what an idle socket costs). Frames over the rate or the size never
	// reach the room; it only hears that one was refused.
	// Bytes are limited as well as messages: the room decodes what passes,
	// and a client sending large messages at the message rate would have
	// it spend its time decoding them.
	bucket := newTokenBucket(h.cfg.OpRate, h.cfg.OpBurst)
	byteBucket := newTokenBucket(h.cfg.ByteRate, h.cfg.ByteBurst)
	for {
		data, err := t.Read()
		if err != nil {
			h.readFailed(c, err)
			return
		}
		e := event{kind: evMessage, client: c, data: data}
		now := time.Now()
		switch {
		case len(data) > MaxClientMessageBytes:
			e = event{kind: evRefused, client: c, opID: scanOpID(data), err: errTooLarge}
		case !bucket.allow(now) || !byteBucket.allowN(now, float64(len(data))):
			e = event{kind: evRefused, client: c, opID: scanOpID(data), err: errRateLimited}
		}
		if !c.enterRoom() || !room.submit(e) {
			return
		}
		select {
		case <-c.Done():
			return
		default:
		}
	}
}

// awaitJoin reads the first message, which must be a join for boardID, and
// joins the room.
func (h *Hub) awaitJoin(c *Client, t Transport, boardID string) (*Room, error) {
	type result struct {
		msg       ClientMessage
		decodeErr error
		err       error
	}
	first := make(chan result, 1)
	go func() { // decoding here keeps the socket's reader shallow (see Serve)
		data, err := t.Read()
		r := result{err: err}
		if err == nil {
			r.msg, r.decodeErr = DecodeClientMessage(data)
		}
		first <- r
	}()
	var r result
	select {
	case r = <-first:
	case <-time.After(h.cfg.JoinTimeout):
		c.Close(CloseProtocolError)
		<-first // the writer closed the socket, so Read returns
		return nil, errors.New("no join")
	}
	if r.err != nil {
		h.readFailed(c, r.err)
		return nil, r.err
	}
	join, ok := r.msg.(JoinMessage)
	switch {
	case r.decodeErr != nil || !ok:
		h.send(c, ErrorMessage{Code: shotline.EINVALID, Message: "The first message must be a join."})
		c.Close(CloseProtocolError)
		return nil, errors.New("no join")
	case join.Protocol != ProtocolVersion:
		h.send(c, ErrorMessage{Code: shotline.EINVALID, Message: fmt.Sprintf("This server speaks protocol %d; reload the page.", ProtocolVersion)})
		c.Close(CloseBadProtocolVersion)
		return nil, errors.New("bad version")
	case join.BoardID != boardID:
		h.send(c, ErrorMessage{Code: shotline.EINVALID, Message: "The join names another board than the URL."})
		c.Close(CloseProtocolError)
		return nil, errors.New("wrong board")
	}
	room, err := h.join(c, boardID, join.LastSeq)
	if err != nil {
		c.Close(CloseShuttingDown)
		return nil, err
	}
	return room, nil
}

// readFailed closes c after its transport's Read failed: a frame outside
// the protocol is the client's bug, answered with CloseProtocolError
// (terminal, so a buggy client does not loop through reconnects); anything
// else means the peer left, and the close is a no-op if c is already
// closed.
func (h *Hub) readFailed(c *Client, err error) {
	if errors.Is(err, ErrMalformedFrame) {
		c.Close(CloseProtocolError)
		return
	}
	c.Close(CloseInternalError)
}

// join routes c to the board's room, creating and loading it if needed.
func (h *Hub) join(c *Client, boardID string, lastSeq *int64) (*Room, error) {
	for {
		r, err := h.room(boardID)
		if err != nil {
			return nil, err
		}
		h.mu.Lock()
		r.joining++
		h.mu.Unlock()
		if r.submit(event{kind: evJoin, client: c, lastSeq: lastSeq}) {
			return r, nil
		}
		// The room unloaded between lookup and submit; a new one will load.
	}
}

// room returns the board's room, creating and loading it if needed; the
// caller must submit to it (and retry with a new room if that fails).
func (h *Hub) room(boardID string) (*Room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, shotline.Errorf(shotline.EINTERNAL, "The server is shutting down.")
	}
	r := h.rooms[boardID]
	if r == nil {
		r = newRoom(h, boardID)
		h.rooms[boardID] = r
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			r.run()
		}()
	}
	return r, nil
}

// Apply applies op to a board on behalf of userID, who holds role, as if
// sent over a socket, and returns once it is durable (with its seq) or
// refused. Everyone on the board sees it. The REST API uses it so that its
// changes go through the same order as everyone's edits.
func (h *Hub) Apply(ctx context.Context, boardID, userID string, role shotline.Role, op board.Op) (int64, error) {
	reply := make(chan applyResult, 1)
	opID := newOpID()
	for {
		r, err := h.room(boardID)
		if err != nil {
			return 0, err
		}
		if !r.submit(event{kind: evOp, actor: userID, role: role, applied: reply, op: OpMessage{OpID: opID, Op: op}}) {
			continue // the room unloaded before the op reached it
		}
		select {
		case res := <-reply:
			if res.err == errUnloaded {
				continue // it unloaded with the op unread
			}
			return res.seq, res.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// send encodes m and queues it for c.
func (h *Hub) send(c *Client, m ServerMessage) {
	data, err := EncodeMessage(m)
	if err != nil {
		h.log.Error("encode message", "err", err)
		return
	}
	c.Send(data)
}

// forEachClient calls fn for every client of every room, under the rooms'
// locks; fn must not block.
func (h *Hub) forEachClient(fn func(r *Room, c *Client)) {
	h.mu.Lock()
	rooms := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		r.everyClient(func(c *Client) { fn(r, c) })
		r.mu.Unlock()
	}
}

// MemberChanged applies a role change to open sockets at once: a member
// removed from the workspace, or whose role may no longer read boards, is
// disconnected with CloseForbidden; otherwise their next op is checked
// against the new role. role "" means removed.
func (h *Hub) MemberChanged(workspaceID, userID string, role shotline.Role) {
	h.changeAccess(accessChange{Kind: "member", WorkspaceID: workspaceID, UserID: userID, Role: role})
}

// WorkspaceDeleted disconnects everyone on the workspace's boards.
func (h *Hub) WorkspaceDeleted(workspaceID string) {
	h.changeAccess(accessChange{Kind: "workspace", WorkspaceID: workspaceID})
}

// BoardDeleted disconnects everyone on the board.
func (h *Hub) BoardDeleted(boardID string) {
	h.changeAccess(accessChange{Kind: "board", BoardID: boardID})
}

// SessionsEnded disconnects sockets opened with sessions that ended: one
// session (sessionID), or all of a user's but exceptSessionID (userID set).
func (h *Hub) SessionsEnded(userID, sessionID, exceptSessionID string) {
	h.changeAccess(accessChange{Kind: "sessions", UserID: userID, SessionID: sessionID, ExceptSessionID: exceptSessionID})
}

// accessChange is a change of who may be on boards. Every instance applies
// it to its own sockets (shared.go publishes it to the others).
type accessChange struct {
	From            string        `json:"from"`
	Kind            string        `json:"kind"` // member, workspace, board, sessions, link
	WorkspaceID     string        `json:"workspaceId,omitempty"`
	UserID          string        `json:"userId,omitempty"`
	Role            shotline.Role `json:"role,omitempty"`
	BoardID         string        `json:"boardId,omitempty"`
	SessionID       string        `json:"sessionId,omitempty"`
	ExceptSessionID string        `json:"exceptSessionId,omitempty"`
	LinkID          string        `json:"linkId,omitempty"`
	ExpiresAt       *time.Time    `json:"expiresAt,omitempty"`
}

// changeAccess applies a here and on the other instances.
func (h *Hub) changeAccess(a accessChange) {
	h.applyAccess(a)
	h.shareAccess(a)
}

// applyAccess applies a to this instance's sockets.
func (h *Hub) applyAccess(a accessChange) {
	h.forEachClient(func(r *Room, c *Client) {
		switch a.Kind {
		case "member":
			if c.WorkspaceID != a.WorkspaceID || c.UserID != a.UserID {
				return
			}
			c.grantMu.Lock()
			c.memberRole = a.Role
			role := shotline.Higher(a.Role, c.linkRole)
			c.grantMu.Unlock()
			if role == "" || !h.authz.Allowed(role, shotline.PermBoardRead) {
				c.Close(CloseForbidden)
				return
			}
			c.SetRole(role)
		case "link":
			if c.LinkID == a.LinkID {
				h.applyLinkRole(c, a.Role)
				if a.Role != "" {
					h.ExpireLink(c, a.ExpiresAt)
				}
			}
		case "workspace":
			if c.WorkspaceID == a.WorkspaceID {
				c.Close(CloseBoardNotFound)
			}
		case "board":
			if r.boardID == a.BoardID {
				c.Close(CloseBoardNotFound)
			}
		case "sessions":
			if (a.SessionID != "" && c.SessionID == a.SessionID) || (a.UserID != "" && c.UserID == a.UserID && c.SessionID != a.ExceptSessionID) {
				c.Close(CloseSessionEnded)
			}
		}
	})
}

// Shutdown stops taking joins, writes every room's pending ops, saves
// snapshots and disconnects clients with CloseShuttingDown (they reconnect
// to another instance or after the restart).
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		close(h.closing)
	}
	h.closed = true
	rooms := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.submit(event{kind: evShutdown})
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait() // the rooms' last writes go through the committer
		h.stopOnce.Do(func() { close(h.stopCommit) })
		<-h.commits.stopped
		h.background.Wait() // and the board documents' last copies, the pages and snapshots queued
		h.notices.wait()    // and the notifications of their last comments
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime shutdown: %w", ctx.Err())
	}
}

// BoardSnapshot returns the board as its durable state has it: from the
// room if one is loaded here, else loaded from the database.
func (h *Hub) BoardSnapshot(ctx context.Context, boardID string) (board.BoardSnapshot, int64, error) {
	if snap, seq, ok := h.roomSnapshot(ctx, boardID); ok {
		return snap, seq, ctx.Err()
	}
	b, err := h.boards.FindBoardByID(ctx, boardID)
	if err != nil {
		return board.BoardSnapshot{}, 0, err
	}
	return h.storedSnapshot(ctx, b)
}

// BoardSnapshotOf is BoardSnapshot for a board document the caller has
// read already, which a board that is not loaded starts from (one round
// trip less).
func (h *Hub) BoardSnapshotOf(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, int64, error) {
	if snap, seq, ok := h.roomSnapshot(ctx, b.ID); ok {
		return snap, seq, ctx.Err()
	}
	return h.storedSnapshot(ctx, b)
}

// roomSnapshot asks the board's room, if it is loaded, for its state.
func (h *Hub) roomSnapshot(ctx context.Context, boardID string) (board.BoardSnapshot, int64, bool) {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r == nil {
		return board.BoardSnapshot{}, 0, false
	}
	reply := make(chan snapshotResult, 1)
	if !r.submit(event{kind: evSnapshot, reply: reply}) {
		return board.BoardSnapshot{}, 0, false
	}
	select {
	case res := <-reply:
		return res.snap, res.seq, res.err == nil
	case <-ctx.Done():
		return board.BoardSnapshot{}, 0, true
	}
}

// storedSnapshot builds a board's durable state from the store.
func (h *Hub) storedSnapshot(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, int64, error) {
	return StoredSnapshot(ctx, b, h.oplog)
}

// StoredSnapshot builds a board's durable state from the store, without a
// hub (a worker process reads boards this way).
func StoredSnapshot(ctx context.Context, b *shotline.Board, oplog shotline.OpLog) (board.BoardSnapshot, int64, error) {
	l, err := LoadStateOf(ctx, b, oplog, nil)
	if err == nil && l.Head {
		// Another instance's room may have stored ops after a head mark
		// it did not see: one lookup tells.
		err = ReplayLog(ctx, oplog, b.ID, l.State, nil)
	}
	if err != nil {
		return board.BoardSnapshot{}, 0, err
	}
	return l.State.Snapshot(), l.State.Seq, nil
}

// BoardCreated stores a new board's state as its snapshot, marked as the
// head (its op log is empty), so that loading the board need not read the
// op log, which on FerretDB means scanning every board's ops.
func (h *Hub) BoardCreated(ctx context.Context, b *shotline.Board) error {
	st, err := board.FromBoard(b)
	if err != nil {
		return err
	}
	return saveHead(ctx, h.oplog, st)
}

// SaveImportedState stores snap as the whole state of a new board with no
// ops (an imported board: shots, comments and review statuses at once),
// after checking every field as the ops that would have made it are
// checked. Returns EINVALID naming the first field that breaks a rule.
func SaveImportedState(ctx context.Context, oplog shotline.OpLog, snap board.BoardSnapshot) error {
	if err := board.ValidateImported(&snap); err != nil {
		return err
	}
	st, err := board.FromSnapshot(snap, 0)
	if err != nil {
		return err
	}
	return saveHead(ctx, oplog, st)
}

// saveHead stores st as its board's head snapshot.
func saveHead(ctx context.Context, oplog shotline.OpLog, st *board.BoardState) error {
	data, err := json.Marshal(st.Snapshot())
	if err != nil {
		return err
	}
	return oplog.SaveSnapshot(ctx, shotline.BoardSnapshot{BoardID: st.ID, Seq: st.Seq, State: data, Head: true, CreatedAt: time.Now().UTC()})
}

// QueueSize is how many messages each client may have queued (Config).
func (h *Hub) QueueSize() int { return h.cfg.QueueSize }

// Rooms returns how many rooms are loaded.
func (h *Hub) Rooms() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.rooms)
}

// newOpID returns a random op id for ops the server makes.
func newOpID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// The errors the reader answers with, made once (see Serve).
var (
	errTooLarge    = shotline.Errorf(shotline.ETOOLARGE, "message is larger than %d bytes", MaxClientMessageBytes)
	errRateLimited = shotline.Errorf(shotline.ERATELIMIT, "Too many messages per second; slow down.")
)

// scanOpID finds the op id of a frame that is not decoded (too large, or
// over the rate) so that the error can name the op. It is a byte search,
// not a parse: enough to attribute an error, and cheap on a large frame.
func scanOpID(data []byte) string {
	i := bytes.Index(data, []byte(`"opId"`))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(data[i+len(`"opId"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) < 2 || rest[0] != '"' {
		return ""
	}
	j := bytes.IndexByte(rest[1:], '"')
	if j < 0 || !ValidOpID(string(rest[1:1+j])) {
		return ""
	}
	return string(rest[1 : 1+j])
}

// opIDOf digs the op id out of a message that failed to decode, so the
// client can match the error to its op; "" if there is none.
func opIDOf(data []byte) string {
	var probe struct {
		OpID string `json:"opId"`
	}
	if json.Unmarshal(data, &probe) == nil && ValidOpID(probe.OpID) {
		return probe.OpID
	}
	return ""
}
