package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

type eventKind int

const (
	evJoin eventKind = iota
	evLeave
	evMessage  // a frame from a client's socket
	evRefused  // a frame the socket's reader refused (size, rate)
	evLookedUp // the op log answered whether a re-sent op is stored
	evOp       // an op from the server itself (Hub.Apply)
	evFlushed
	evIdle
	evShutdown
	evSnapshot
	evRetry
	evBackfilled   // the op log answered a resuming client's missed ops
	evRemote       // a message from the board's room on another instance
	evPresenceTick // time to publish this room's members again
	evCatchUp      // time to read the op log for other instances' ops
	evTextHistory  // the op log answered the ops a late text edit is based before
)

type event struct {
	kind     eventKind
	client   *Client
	lastSeq  *int64
	data     []byte             // evMessage: the frame; evRemote: the message
	opID     string             // evRefused: the op id found in it
	found    *shotline.StoredOp // evLookedUp: the stored op, if err is nil
	lookedUp bool               // evOp: the op log was asked already
	readBack bool               // evOp: the text history was read back for it already
	ops      []board.AppliedOp  // evBackfilled: the ops after lastSeq
	op       OpMessage
	err      error               // evFlushed, evRefused
	reply    chan snapshotResult // evSnapshot
	// An op from the server itself (no client): who it acts for, and where
	// to report the outcome once durable.
	actor   string
	role    shotline.Role
	applied chan applyResult
}

type applyResult struct {
	seq int64
	err error
}

type snapshotResult struct {
	snap board.BoardSnapshot
	seq  int64
	err  error
}

// pendingOp is an op the room applied and has not yet written to the op log.
type pendingOp struct {
	op    board.AppliedOp
	data  []byte    // the op as stored in the log (JSON of AppliedOp)
	ackTo []*Client // who sent it (a re-send adds the new connection)
	reply chan applyResult
	at    time.Time
	// As sent, to apply it again on top of other instances' ops (rebase).
	sent  OpMessage
	actor string
	role  shotline.Role
	// byMember: the actor acts as a workspace member (not a link guest).
	byMember bool
}

type peer struct {
	selected *string
	caret    *Caret
	joined   int64 // join order, for a stable peer list
	// Owned by run.
	errs      int      // messages refused so far
	lookingUp bool     // an op of this client waits for the op log
	waiting   []*event // its next messages, handled in order after that
}

// Room is the authority for one board: it applies ops in one order, writes
// them to the op log in group commits, and acks and broadcasts each op only
// once it is durable. One goroutine (run) owns all of its state; everyone
// else talks to it through submit.
type Room struct {
	hub     *Hub
	boardID string
	inbox   chan *event // pointers, so that an idle room's inbox is small

	// Guarded by hub.mu.
	joining int
	closed  bool

	// The board document's copy of settings and shot summary: the newest
	// sync wins (docGen), one write at a time (docSync).
	docGen  atomic.Int64
	docSync sync.Mutex

	// Guarded by mu: the member set, read by the hub for role changes.
	mu      sync.Mutex
	members map[*Client]*peer
	// Joined clients waiting for the op log to resume them (backfill):
	// they get nothing else until then, and their messages wait.
	resuming map[*Client]*peer

	// Owned by run.
	workspaceID  string
	live         *board.BoardState // every applied op, durable or not
	durable      *board.BoardState // only ops in the op log; what joiners get
	pending      []pendingOp       // applied, waiting for the next write
	inflight     []pendingOp       // being written
	recent       []board.AppliedOp // last durable ops, for resuming clients
	recentData   [][]byte          // their encoded "applied" messages
	opIDs        map[string]int64
	knownFrom    int64 // op ids of ops after this seq are in opIDs
	logFrom      int64 // the op log holds no op at or below this seq (as far as we know)
	snapshotSeq  int64
	page         []shotline.StoredOp // durable ops of the page being filled, from its first
	headMarked   bool                // the stored snapshot may be marked as the head: clear it before writing ops
	joinCount    int64
	idle         *time.Timer
	retryBackoff time.Duration
	stopped      bool          // run returns after the current event
	quit         chan struct{} // closed when run returns

	// Shared rooms (shared.go), with a broker only.
	unsubscribe func()
	remotePeers map[string]remotePeers    // by instance
	remoteOps   map[int64]board.AppliedOp // published by others, ahead of the durable seq
	remoteSeq   int64                     // the highest durable seq another instance announced
	behind      bool                      // another instance stored ops this room has not taken in
	awaiting    bool                      // a write conflicted: writes wait until others' ops are in
	catchUpSoon bool                      // an evCatchUp is scheduled
	conflicts   int                       // write conflicts in a row that others' ops did not explain
}

func newRoom(h *Hub, boardID string) *Room {
	return &Room{hub: h, boardID: boardID, inbox: make(chan *event, 256), quit: make(chan struct{}), members: map[*Client]*peer{}, resuming: map[*Client]*peer{}, opIDs: map[string]int64{}, remotePeers: map[string]remotePeers{}, remoteOps: map[int64]board.AppliedOp{}}
}

// submit hands e to the room; false if the room has unloaded.
func (r *Room) submit(e event) bool {
	r.hub.mu.Lock()
	closed := r.closed
	r.hub.mu.Unlock()
	if closed {
		if e.kind == evJoin {
			r.hub.mu.Lock()
			r.joining--
			r.hub.mu.Unlock()
		}
		return false
	}
	r.inbox <- &e
	return true
}

func (r *Room) leave(c *Client) {
	r.submit(event{kind: evLeave, client: c})
}

// replayAuthz lets replays of logged ops through: they were authorized when
// they were first applied.
type replayAuthz struct{}

func (replayAuthz) Allowed(shotline.Role, shotline.Permission) bool { return true }
func (replayAuthz) Permissions(shotline.Role) []shotline.Permission { return nil }

// Loaded is a board's durable state as LoadState read it.
type Loaded struct {
	State       *board.BoardState
	Board       *shotline.Board
	SnapshotSeq int64 // the seq of the snapshot it started from; 0 for the board document
	Head        bool  // the snapshot was marked as the head, so the op log was not read
}

// LoadState builds a board's durable state from its latest snapshot (or
// the board document) and the ops logged after it, calling each for every
// replayed op. A snapshot marked as the head has no ops after it: the op
// log, which FerretDB can only scan, is not read then.
func LoadState(ctx context.Context, boards shotline.BoardService, oplog shotline.OpLog, boardID string, each func(board.AppliedOp)) (Loaded, error) {
	board, err := boards.FindBoardByID(ctx, boardID)
	if err != nil {
		return Loaded{}, err
	}
	return LoadStateOf(ctx, board, oplog, each)
}

// LoadStateOf is LoadState from a board document read already.
func LoadStateOf(ctx context.Context, b *shotline.Board, oplog shotline.OpLog, each func(board.AppliedOp)) (Loaded, error) {
	boardID := b.ID
	l := Loaded{Board: b}
	snap, err := oplog.FindSnapshot(ctx, boardID)
	switch shotline.ErrorCode(err) {
	case "":
		var bs board.BoardSnapshot
		if err := json.Unmarshal(snap.State, &bs); err != nil {
			return Loaded{}, fmt.Errorf("decode snapshot of %s: %w", boardID, err)
		}
		if l.State, err = board.FromSnapshot(bs, snap.Seq); err != nil {
			return Loaded{}, err
		}
		l.Head = snap.Head
	case shotline.ENOTFOUND:
		if l.State, err = board.FromBoard(b); err != nil {
			return Loaded{}, err
		}
	default:
		return Loaded{}, err
	}
	l.SnapshotSeq = l.State.Seq
	if l.Head {
		return l, nil
	}
	err = ReplayLog(ctx, oplog, boardID, l.State, each)
	return l, err
}

// ReplayLog replays onto st the board's logged ops after st.Seq, calling
// each for every one.
func ReplayLog(ctx context.Context, oplog shotline.OpLog, boardID string, st *board.BoardState, each func(board.AppliedOp)) error {
	for {
		ops, err := oplog.OpsSince(ctx, boardID, st.Seq, 1000)
		if err != nil {
			return err
		}
		for _, so := range ops {
			ao, err := appliedOf(so)
			if err != nil {
				return err
			}
			if err := Replay(st, ao); err != nil {
				return fmt.Errorf("replay op %d of %s: %w", so.Seq, boardID, err)
			}
			if each != nil {
				each(ao)
			}
		}
		if len(ops) < 1000 {
			return nil
		}
	}
}

// load builds the room's state with LoadState.
func (r *Room) load(ctx context.Context) error {
	var first = true
	l, err := LoadState(ctx, r.hub.boards, r.hub.oplog, r.boardID, func(ao board.AppliedOp) {
		if first {
			r.knownFrom, first = ao.Seq-1, false
		}
		r.remember(ao)
	})
	if err != nil {
		return err
	}
	st := l.State
	if first {
		r.knownFrom = st.Seq
	}
	r.workspaceID, r.snapshotSeq, r.headMarked = l.Board.WorkspaceID, l.SnapshotSeq, l.Head
	r.durable = st
	r.live = st.Clone()
	return nil
}

// Replay applies an op the server applied (from the log, or an "applied"
// message), which must land at the next seq. Clients use it too: their
// confirmed state is the server's ops replayed in order.
func Replay(st *board.BoardState, ao board.AppliedOp) error {
	if ao.Seq != st.Seq+1 {
		return fmt.Errorf("op log gap: state at %d, next op %d", st.Seq, ao.Seq)
	}
	_, err := st.Apply(ao.Actor, shotline.RoleOwner, replayAuthz{}, ao.Op, ao.Seq-1)
	return err
}

// remember keeps a durable op for resumes and its op id for duplicates.
func (r *Room) remember(ao board.AppliedOp) {
	r.opIDs[ao.OpID] = ao.Seq
	msg, err := EncodeMessage(AppliedMessage{AppliedOp: ao})
	if err != nil {
		r.hub.log.Error("encode applied op", "board_id", r.boardID, "err", err)
		return
	}
	r.recent = append(r.recent, ao)
	r.recentData = append(r.recentData, msg)
	if over := len(r.recent) - r.hub.cfg.RecentOps; over > 0 {
		for _, old := range r.recent[:over] {
			delete(r.opIDs, old.OpID)
		}
		r.recent = append([]board.AppliedOp(nil), r.recent[over:]...)
		r.recentData = append([][]byte(nil), r.recentData[over:]...)
		r.knownFrom = r.recent[0].Seq - 1
	}
}

func (r *Room) run() {
	defer close(r.quit)
	defer r.leaveShared()
	log := r.hub.log.With("board_id", r.boardID)
	ctx := context.Background()
	err := r.subscribe()
	if err == nil {
		loadCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = r.load(loadCtx)
		cancel()
	}
	if err != nil {
		code := CloseInternalError
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			code = CloseBoardNotFound
		} else {
			log.Error("load room", "err", err)
		}
		r.fail(code)
		return
	}
	if r.hub.broker != nil {
		time.AfterFunc(presenceEvery, func() { r.submit(event{kind: evPresenceTick}) })
	}
	for e := range r.inbox {
		switch e.kind {
		case evJoin:
			r.onJoin(e.client, e.lastSeq)
		case evLeave:
			r.onLeave(e.client)
		case evMessage, evRefused:
			e.client.leftInbox() // its reader may submit another (Client.enterRoom)
			r.fromClient(ctx, e)
		case evLookedUp:
			r.onLookedUp(ctx, e)
		case evOp:
			r.onOp(ctx, *e)
		case evFlushed:
			r.onFlushed(ctx, e.err)
		case evRetry:
			r.flush()
		case evBackfilled:
			r.onBackfilled(ctx, e)
		case evRemote:
			r.onRemote(ctx, e.data)
		case evPresenceTick:
			r.presenceTick()
		case evCatchUp:
			r.onCatchUp(ctx)
		case evTextHistory:
			r.onTextHistory(ctx, e)
		case evSnapshot:
			e.reply <- snapshotResult{snap: r.durable.Snapshot(), seq: r.durable.Seq}
		case evIdle:
			if r.tryUnload(false) {
				return
			}
		case evShutdown:
			r.shutdown(ctx)
			return
		}
		if r.stopped {
			return
		}
	}
}

// fail unloads a room that cannot serve: everyone waiting is closed with code.
func (r *Room) fail(code CloseCode) {
	r.hub.mu.Lock()
	r.closed = true
	delete(r.hub.rooms, r.boardID)
	r.hub.mu.Unlock()
	for {
		select {
		case e := <-r.inbox:
			if e.client != nil {
				e.client.Close(code)
			}
			if e.reply != nil {
				e.reply <- snapshotResult{err: shotline.Errorf(shotline.EINTERNAL, "board unavailable")}
			}
			if e.applied != nil {
				e.applied <- applyResult{err: shotline.Errorf(shotline.EINTERNAL, "board unavailable")}
			}
		default:
			r.mu.Lock()
			r.everyClient(func(c *Client) { c.Close(code) })
			r.mu.Unlock()
			return
		}
	}
}

func (r *Room) onJoin(c *Client, lastSeq *int64) {
	r.hub.mu.Lock()
	r.joining--
	r.hub.mu.Unlock()
	if r.idle != nil {
		r.idle.Stop()
		r.idle = nil
	}
	r.joinCount++
	p := &peer{joined: r.joinCount}
	if lastSeq != nil && r.backfill(c, *lastSeq) {
		r.mu.Lock()
		r.resuming[c] = p
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	r.members[c] = p
	r.mu.Unlock()
	r.resume(c, lastSeq)
	r.broadcastPeers()
}

// appliedOf decodes an op as the op log stores it.
func appliedOf(so shotline.StoredOp) (board.AppliedOp, error) {
	var ao board.AppliedOp
	if err := json.Unmarshal(so.Op, &ao); err != nil {
		return ao, fmt.Errorf("decode op %d of %s: %w", so.Seq, so.BoardID, err)
	}
	return ao, nil
}

// firstHeld is the seq after which the room holds every durable op in
// recent.
func (r *Room) firstHeld() int64 { return r.durable.Seq - int64(len(r.recent)) }

// resume sends a joining client what it missed since lastSeq, if the room
// has it in memory; otherwise (too far behind, new, or ahead of us) the
// whole board.
func (r *Room) resume(c *Client, lastSeq *int64) {
	seq := r.durable.Seq
	if lastSeq != nil && *lastSeq <= seq && *lastSeq >= r.firstHeld() {
		from := len(r.recent) - int(seq-*lastSeq)
		if msg, ok := opsMessageOf(r.recentData[from:]); ok {
			c.Send(msg)
		} else {
			r.hub.send(c, OpsMessage{Ops: r.recent[from:]})
		}
	} else {
		r.hub.send(c, SnapshotMessage{Board: r.durable.Snapshot(), Seq: seq})
	}
}

// backfill starts reading from the op log the ops a resuming client missed
// that the room does not hold (it loaded after they were applied), if
// they are few enough to keep: the client then gets exactly those, and its
// pending text edits can still be transformed, rather than a snapshot. The
// read runs aside; the client joins when it answers (onBackfilled).
func (r *Room) backfill(c *Client, lastSeq int64) bool {
	first := r.firstHeld()
	if lastSeq >= first || lastSeq < r.logFrom || r.durable.Seq-lastSeq > int64(r.hub.cfg.RecentOps) {
		return false
	}
	r.readMissing(&event{kind: evBackfilled, client: c, lastSeq: &lastSeq}, first)
	return true
}

// readMissing reads from the op log, aside, the ops after *e.lastSeq up to
// first (where the room's memory starts) into e.ops (or e.err), then hands e
// to the room.
func (r *Room) readMissing(e *event, first int64) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var stored []shotline.StoredOp
		stored, e.err = r.hub.oplog.OpsSince(ctx, r.boardID, *e.lastSeq, int(first-*e.lastSeq))
		for _, so := range stored {
			var ao board.AppliedOp
			if ao, e.err = appliedOf(so); e.err != nil {
				break
			}
			e.ops = append(e.ops, ao)
		}
		select {
		case r.inbox <- e:
		case <-r.quit:
		}
	}()
}

// onBackfilled adds the ops the op log returned before the ones the room
// holds, then lets the resuming client in.
func (r *Room) onBackfilled(ctx context.Context, e *event) {
	from, ops := *e.lastSeq, e.ops
	first := r.firstHeld()
	switch {
	case e.err != nil:
		r.hub.log.Warn("read missed ops", "board_id", r.boardID, "err", e.err)
	case int64(len(ops)) == first-from && len(ops) > 0 && ops[len(ops)-1].Seq == first:
		r.prependRecent(from, ops)
	case len(ops) == 0 || ops[len(ops)-1].Seq < first:
		r.logFrom = max(r.logFrom, first) // the log does not reach back there
	}
	r.mu.Lock()
	p := r.resuming[e.client]
	delete(r.resuming, e.client)
	if p != nil {
		r.members[e.client] = p
	}
	r.mu.Unlock()
	if p == nil {
		return // it left meanwhile
	}
	r.resume(e.client, e.lastSeq)
	r.broadcastPeers()
	r.drainWaiting(ctx, p)
}

// prependRecent puts durable ops from after seq from, read from the op
// log, before the ones the room holds, and extends the text history with
// them.
func (r *Room) prependRecent(from int64, ops []board.AppliedOp) {
	msgs := make([][]byte, len(ops))
	for i, ao := range ops {
		msg, err := EncodeMessage(AppliedMessage{AppliedOp: ao})
		if err != nil {
			r.hub.log.Error("encode applied op", "board_id", r.boardID, "err", err)
			return
		}
		msgs[i] = msg
	}
	for _, ao := range ops {
		r.opIDs[ao.OpID] = ao.Seq
	}
	r.recent = append(ops[:len(ops):len(ops)], r.recent...)
	r.recentData = append(msgs, r.recentData...)
	r.knownFrom = min(r.knownFrom, from)
	r.durable.Backfill(from, ops)
	r.live.Backfill(from, ops)
}

// appliedPrefix starts every encoded "applied" message; what follows is
// the AppliedOp's fields.
var appliedPrefix = []byte(`{"type":"applied",`)

// opsMessageOf builds the "ops" message for a resume from the ops' encoded
// "applied" messages, without encoding them again (5,000 ops take
// milliseconds to encode, and the room serves nobody meanwhile). It equals
// EncodeMessage(OpsMessage{...}); false if a message has another shape.
func opsMessageOf(applied [][]byte) ([]byte, bool) {
	n := len(`{"type":"ops","ops":[]}`)
	for _, m := range applied {
		if !bytes.HasPrefix(m, appliedPrefix) {
			return nil, false
		}
		n += len(m) - len(appliedPrefix) + 2
	}
	out := make([]byte, 0, n)
	out = append(out, `{"type":"ops","ops":[`...)
	for i, m := range applied {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '{')
		out = append(out, m[len(appliedPrefix):]...)
	}
	return append(out, "]}"...), true
}

func (r *Room) onLeave(c *Client) {
	r.mu.Lock()
	_, ok := r.members[c]
	delete(r.members, c)
	delete(r.resuming, c) // its backfill finds it gone
	r.mu.Unlock()
	if ok {
		r.broadcastPeers()
	}
	if r.memberCount() == 0 && r.idle == nil {
		r.idle = time.AfterFunc(r.hub.cfg.IdleUnload, func() { r.submit(event{kind: evIdle}) })
	}
}

// fromClient handles a message from a member's socket, or queues it behind
// one of the client's ops that waits for the op log.
func (r *Room) fromClient(ctx context.Context, e *event) {
	p := r.peerOf(e.client)
	switch {
	case p == nil:
		if q := r.resuming[e.client]; q != nil { // read under run, written only by it
			q.waiting = append(q.waiting, e)
		}
		return // or it left while the message was queued
	case p.lookingUp:
		p.waiting = append(p.waiting, e)
	case e.kind == evRefused:
		r.refuse(e.client, e.opID, e.err)
	default:
		r.onMessage(ctx, e)
	}
}

// lookUp asks the op log whether a re-sent op older than the op ids the
// room keeps is already stored, without holding up the room: the client's
// later messages wait (their order matters), everyone else's do not.
func (r *Room) lookUp(c *Client, p *peer, m OpMessage) {
	p.lookingUp = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		so, err := r.hub.oplog.FindOpByOpID(ctx, r.boardID, m.OpID)
		select {
		case r.inbox <- &event{kind: evLookedUp, client: c, op: m, found: so, err: err}:
		case <-r.quit:
		}
	}()
}

func (r *Room) onLookedUp(ctx context.Context, e *event) {
	c, m := e.client, e.op
	p := r.peerOf(c)
	if p == nil {
		return // it left; it re-sends the op when it comes back
	}
	p.lookingUp = false
	switch {
	case e.err == nil:
		r.hub.send(c, AckMessage{OpID: m.OpID, Seq: e.found.Seq})
	case shotline.ErrorCode(e.err) != shotline.ENOTFOUND:
		r.hub.send(c, ErrorFor(m.OpID, e.err))
	default:
		// Not stored: apply it, unless it was applied meanwhile (another
		// connection of the same client re-sent it), which onOp checks.
		r.onOp(ctx, event{kind: evOp, client: c, op: m, lookedUp: true})
	}
	r.drainWaiting(ctx, p)
}

// textBase reports whether m is a text edit based before the room's text
// history that reading the op log can reach: the ops from its base up to
// where the room's memory starts, at most RecentOps of them.
func (r *Room) textBase(m OpMessage) (int64, bool) {
	te, ok := m.Op.(board.TextEdit)
	if !ok {
		return 0, false
	}
	base := m.BaseSeq
	if te.BaseVersion != nil {
		base = *te.BaseVersion
	}
	first := r.firstHeld()
	return base, base >= 0 && base < first && base >= r.logFrom && r.live.TextFloor() == first &&
		first-base <= int64(r.hub.cfg.RecentOps)
}

// readTextHistory reads from the op log the ops after from that the room
// does not hold, without holding up the room: the client's later messages
// wait (their order matters), everyone else's do not. The edit is then
// transformed past them (onTextHistory).
func (r *Room) readTextHistory(c *Client, p *peer, m OpMessage, from int64) {
	p.lookingUp = true
	r.readMissing(&event{kind: evTextHistory, client: c, op: m, lastSeq: &from}, r.firstHeld())
}

// onTextHistory puts the ops the op log returned before those the room
// holds, then applies the text edit that waited for them: transformed past
// them, or refused as before if they could not be read.
func (r *Room) onTextHistory(ctx context.Context, e *event) {
	p := r.peerOf(e.client)
	if p == nil {
		return // it left; it re-sends the edit when it comes back
	}
	p.lookingUp = false
	from, ops := *e.lastSeq, e.ops
	first := r.firstHeld()
	switch {
	case e.err != nil:
		r.hub.log.Warn("read text history", "board_id", r.boardID, "err", e.err)
	case int64(len(ops)) == first-from && len(ops) > 0 && ops[len(ops)-1].Seq == first:
		r.prependRecent(from, ops)
	case len(ops) == 0 || ops[len(ops)-1].Seq < first:
		r.logFrom = max(r.logFrom, first) // the log does not reach back there
	}
	r.onOp(ctx, event{kind: evOp, client: e.client, op: e.op, lookedUp: true, readBack: true})
	r.drainWaiting(ctx, p)
}

// drainWaiting handles the client's messages that waited for the op log,
// in order, until one has to wait again.
func (r *Room) drainWaiting(ctx context.Context, p *peer) {
	for len(p.waiting) > 0 && !p.lookingUp {
		next := p.waiting[0]
		p.waiting = p.waiting[1:]
		r.fromClient(ctx, next)
	}
}

// onMessage handles a frame from a member's socket: decoded and answered
// here rather than on the socket's reader (see Hub.Serve).
func (r *Room) onMessage(ctx context.Context, e *event) {
	c := e.client // a member: fromClient checked
	msg, err := DecodeClientMessage(e.data)
	if err != nil {
		r.refuse(c, opIDOf(e.data), err)
		return
	}
	switch m := msg.(type) {
	case OpMessage:
		r.onOp(ctx, event{kind: evOp, client: c, op: m})
	case PresenceMessage:
		r.onPresence(c, m.SelectedShotID, m.Caret)
	case PingMessage:
		r.hub.send(c, PongMessage{})
	case JoinMessage:
		r.refuse(c, "", shotline.Errorf(shotline.EINVALID, "Already joined."))
	}
}

// refuse answers a member's message with an error; a client refused
// MaxErrors times is closed.
func (r *Room) refuse(c *Client, opID string, err error) {
	p := r.peerOf(c)
	if p == nil {
		return
	}
	p.errs++
	r.hub.send(c, ErrorFor(opID, err))
	if p.errs >= r.hub.cfg.MaxErrors {
		c.Close(ClosePolicyViolation)
	}
}

func (r *Room) onOp(ctx context.Context, e event) {
	c, m := e.client, e.op
	actor, role := e.actor, e.role
	if c != nil {
		p := r.peerOf(c)
		if p == nil {
			return // it left while the op was queued
		}
		actor, role = c.UserID, c.Role()
		if seq, ok := r.opIDs[m.OpID]; ok {
			if r.ackDuplicate(c, m.OpID, seq) {
				return
			}
			delete(r.opIDs, m.OpID) // a stale entry: apply it as new
		}
		if m.BaseSeq < r.knownFrom && !e.lookedUp {
			// Older than the op ids we keep: ask the log, so a re-sent op
			// whose ack was lost long ago is not applied twice.
			r.lookUp(c, p, m)
			return
		}
		if from, ok := r.textBase(m); ok && !e.readBack {
			// A text edit based before the room's text history (it loaded
			// after the edit was made): read the ops since its base.
			r.readTextHistory(c, p, m, from)
			return
		}
	}
	p := pendingOp{reply: e.applied, at: time.Now(), sent: m, actor: actor, role: role,
		byMember: !strings.HasPrefix(actor, shotline.GuestActorPrefix)}
	if c != nil {
		p.ackTo, p.byMember = []*Client{c}, c.actsAsMember()
	}
	if vr, ok := m.Op.(board.VersionRestore); ok {
		filled, err := r.restoreContent(ctx, vr)
		if err != nil {
			r.refusePending(p, err)
			return
		}
		p.sent.Op = filled
	}
	// The server's clock dates a comment and a review, whatever the
	// client said.
	switch op := m.Op.(type) {
	case board.CommentAdd:
		op.At = p.at.UTC().Format(time.RFC3339)
		p.sent.Op = op
	case board.ShotReviewOp:
		op.At = p.at.UTC().Format(time.RFC3339)
		p.sent.Op = op
	}
	if err := r.applyLive(&p); err != nil {
		r.refusePending(p, err)
		return
	}
	r.pending = append(r.pending, p)
	r.flush()
}

// applyLive applies p, as sent, to the live state as p.actor with p.role:
// p gets its seq and the form the op log stores.
func (r *Room) applyLive(p *pendingOp) error {
	applied, err := r.live.Apply(p.actor, p.role, r.hub.authz, p.sent.Op, p.sent.BaseSeq)
	if err != nil {
		return err
	}
	p.op = board.AppliedOp{Seq: r.live.Seq, OpID: p.sent.OpID, Actor: p.actor, Op: applied}
	if p.data, err = json.Marshal(p.op); err != nil {
		r.hub.log.Error("encode op", "board_id", r.boardID, "err", err)
		return err
	}
	r.opIDs[p.sent.OpID] = p.op.Seq
	return nil
}

// ackDuplicate answers a re-sent op: acked now if durable, or when its write
// completes. False if the room holds no op with that id at seq after all.
func (r *Room) ackDuplicate(c *Client, opID string, seq int64) bool {
	if seq <= r.durable.Seq {
		r.hub.send(c, AckMessage{OpID: opID, Seq: seq})
		return true
	}
	for _, list := range [][]pendingOp{r.inflight, r.pending} {
		for i := range list {
			if list[i].sent.OpID == opID {
				list[i].ackTo = append(list[i].ackTo, c)
				return true
			}
		}
	}
	return false
}

func (r *Room) restoreContent(ctx context.Context, vr board.VersionRestore) (board.VersionRestore, error) {
	if r.hub.versions == nil {
		return vr, shotline.Errorf(shotline.ENOTFOUND, "Version not found.")
	}
	v, err := r.hub.versions.FindVersion(ctx, r.boardID, vr.VersionID)
	if err != nil {
		return vr, err
	}
	var snap board.BoardSnapshot
	if err := json.Unmarshal(v.State, &snap); err != nil {
		return vr, fmt.Errorf("decode version %s: %w", v.ID, err)
	}
	vr.Content = &board.RestoreContent{BoardSettings: snap.BoardSettings, Shots: snap.Shots}
	return vr, nil
}

// flush starts writing the pending ops, unless a write is in flight: ops
// that arrive meanwhile wait and go together in the next write (group
// commit).
func (r *Room) flush() {
	if r.inflight != nil || len(r.pending) == 0 || r.awaiting {
		return
	}
	r.inflight, r.pending = r.pending, nil
	stored := make([]shotline.StoredOp, len(r.inflight))
	for i, p := range r.inflight {
		stored[i] = shotline.StoredOp{BoardID: r.boardID, Seq: p.op.Seq, OpID: p.op.OpID, ActorID: p.op.Actor, Op: p.data, CreatedAt: p.at.UTC()}
	}
	r.hub.commits.enqueue(commitBatch{room: r, ops: stored, clearHead: r.headMarked})
}

// flushed reports the outcome of the room's write to its goroutine (unless
// the room has stopped).
func (r *Room) flushed(err error) {
	select {
	case r.inbox <- &event{kind: evFlushed, err: err}:
	case <-r.quit:
	}
}

// verifyStored tells a write that really conflicted from a retry of one
// that was stored, in whole or in part, although its answer was lost (a
// write that timed out may still land later, and an ordered insert that
// failed midway stored a prefix): what the log holds at the batch's seqs
// must be a prefix of the batch, and the rest is written.
func (r *Room) verifyStored(ctx context.Context, stored []shotline.StoredOp) error {
	for {
		got, err := r.hub.oplog.OpsSince(ctx, r.boardID, stored[0].Seq-1, len(stored))
		if err != nil {
			return err
		}
		for i := range got {
			if got[i].Seq != stored[i].Seq || got[i].OpID != stored[i].OpID {
				return errSplitBrain
			}
		}
		if len(got) == len(stored) {
			return nil
		}
		if len(got) == 0 {
			// The conflict was at these seqs, yet none is there.
			return errSplitBrain
		}
		stored = stored[len(got):]
		err = r.hub.oplog.AppendOps(ctx, stored)
		if shotline.ErrorCode(err) != shotline.ECONFLICT {
			return err // stored, or failed (the room retries)
		}
		// More of it landed meanwhile: look again.
	}
}

var errSplitBrain = errors.New("another writer stored ops at this board's sequence numbers")

func (r *Room) onFlushed(ctx context.Context, err error) {
	if r.hub.broker != nil && (errors.Is(err, errSplitBrain) || shotline.ErrorCode(err) == shotline.ECONFLICT) {
		// The board's room on another instance stored these seqs (or one
		// of these op ids) first: take its ops in and write ours after
		// them; until then, hold the writes (they would conflict too).
		// Those written before the conflict are durable.
		if n, _ := shotline.StoredBefore(err); n > 0 && n <= len(r.inflight) {
			r.durableOps(r.inflight[:n])
			r.inflight = r.inflight[n:]
		}
		r.pending = append(r.inflight, r.pending...)
		r.inflight = nil
		if r.catchUp(ctx, false) {
			r.conflicts = 0
			return
		}
		r.awaiting = true
		r.scheduleCatchUp()
		return
	}
	if errors.Is(err, errSplitBrain) {
		// Someone else wrote this board's log (two rooms for one board,
		// and none to tell this one about its ops): this room's state is
		// wrong. Drop it; clients reload from the log.
		r.hub.log.Error("op log conflict; unloading room", "board_id", r.boardID)
		r.fail(CloseInternalError)
		r.stopped = true
		return
	}
	if err != nil {
		// Nothing is acked; retry the same ops (their seqs are fixed).
		r.retryBackoff = min(max(2*r.retryBackoff, 50*time.Millisecond), 5*time.Second)
		r.hub.log.Warn("write ops; retrying", "board_id", r.boardID, "ops", len(r.inflight), "err", err, "backoff", r.retryBackoff)
		batch := r.inflight
		r.inflight = nil
		r.pending = append(batch, r.pending...)
		time.AfterFunc(r.retryBackoff, func() { r.submit(event{kind: evRetry}) })
		return
	}
	r.retryBackoff, r.conflicts = 0, 0
	r.durableOps(r.inflight)
	r.inflight = nil
	if r.idle == nil && r.memberCount() == 0 {
		r.idle = time.AfterFunc(r.hub.cfg.IdleUnload, func() { r.submit(event{kind: evIdle}) })
	}
	if r.durable.Seq-r.snapshotSeq >= r.hub.cfg.SnapshotEvery {
		r.saveSnapshot()
	}
	if r.behind && r.catchUp(ctx, false) {
		return // it wrote what was pending
	}
	r.flush()
}

// durableOps takes in this room's ops that the op log now holds: the
// durable state, resumes and other instances get them, and so does every
// member, its sender included (so every client's confirmed state is the
// server's ops in order); the sender then gets the ack for its op id.
func (r *Room) durableOps(ops []pendingOp) {
	r.headMarked = false // the write cleared the mark first
	settingsChanged := false
	for _, p := range ops {
		if changesBoardList(p.op.Op) {
			settingsChanged = true
		}
		if err := Replay(r.durable, p.op); err != nil {
			r.hub.log.Error("replay durable op", "board_id", r.boardID, "seq", p.op.Seq, "err", err)
		}
		r.remember(p.op)
		r.fillPage(shotline.StoredOp{BoardID: r.boardID, Seq: p.op.Seq, OpID: p.op.OpID, ActorID: p.op.Actor, Op: p.data, CreatedAt: p.at.UTC()})
		r.publish(&p.op, nil)
		r.sendToMembers(r.recentData[len(r.recentData)-1])
		r.acknowledge(p, p.op.Seq)
		r.commentAdded(p)
	}
	if settingsChanged {
		r.syncBoardDocument()
	}
}

// fillPage adds a durable op to the page being filled and, once the page
// is full, stores it in the background (OpLog.SaveOpPage, in the hub's
// backlog): reading those ops back then costs one lookup. A page the room saw only part of (it
// loaded mid-page) is not saved; its ops are read one by one.
func (r *Room) fillPage(o shotline.StoredOp) {
	switch {
	case (o.Seq-1)%shotline.OpPageSize == 0:
		r.page = append(r.page[:0], o)
	case len(r.page) > 0 && r.page[len(r.page)-1].Seq+1 == o.Seq:
		r.page = append(r.page, o)
	default:
		r.page = r.page[:0]
		return
	}
	if len(r.page) < shotline.OpPageSize {
		return
	}
	page := r.page
	r.page = nil
	r.hub.later.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.hub.oplog.SaveOpPage(ctx, page); err != nil {
			r.hub.log.Warn("save op page", "board_id", r.boardID, "err", err)
		}
	})
}

// sendToMembers queues data for every member.
func (r *Room) sendToMembers(data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.members {
		c.Send(data)
	}
}

// acknowledge tells whoever sent p that it is durable at seq.
func (r *Room) acknowledge(p pendingOp, seq int64) {
	if p.reply != nil {
		p.reply <- applyResult{seq: seq}
	}
	for _, c := range p.ackTo {
		if r.isMember(c) {
			r.hub.send(c, AckMessage{OpID: p.sent.OpID, Seq: seq})
		}
	}
}

// refusePending tells whoever sent p that it could not be applied.
func (r *Room) refusePending(p pendingOp, err error) {
	if p.reply != nil {
		p.reply <- applyResult{err: err}
	}
	for _, c := range p.ackTo {
		if r.isMember(c) {
			r.hub.send(c, ErrorFor(p.sent.OpID, err))
		}
	}
}

// saveSnapshot writes the durable state in the background (the hub's
// backlog).
func (r *Room) saveSnapshot() {
	if snap, ok := r.snapshot(false); ok {
		r.hub.later.do(func() { r.storeSnapshot(snap) })
	}
}

// storeSnapshot writes snap and waits for it; false if that failed.
func (r *Room) storeSnapshot(snap shotline.BoardSnapshot) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.hub.oplog.SaveSnapshot(ctx, snap); err != nil {
		r.hub.log.Warn("save snapshot", "board_id", r.boardID, "err", err)
		return false
	}
	return true
}

// snapshot encodes the durable state for the op log's snapshot.
func (r *Room) snapshot(head bool) (shotline.BoardSnapshot, bool) {
	data, err := json.Marshal(r.durable.Snapshot())
	if err != nil {
		r.hub.log.Error("encode snapshot", "board_id", r.boardID, "err", err)
		return shotline.BoardSnapshot{}, false
	}
	r.snapshotSeq = r.durable.Seq
	return shotline.BoardSnapshot{BoardID: r.boardID, Seq: r.durable.Seq, State: data, Head: head, CreatedAt: time.Now().UTC()}, true
}

func (r *Room) onPresence(c *Client, selected *string, caret *Caret) {
	r.mu.Lock()
	p, ok := r.members[c]
	if ok {
		if selected != nil {
			if _, exists := r.live.Shots[*selected]; !exists {
				selected = nil
			}
		}
		p.selected = selected
		// Like a selection, a caret in no field of a shot on the board is none.
		if caret != nil {
			if _, exists := r.live.Shots[caret.ShotID]; !exists || (caret.Field != board.TextPrompt && caret.Field != board.TextNotes) ||
				caret.Offset < 0 || caret.Offset > 2*board.MaxTextLength { // UTF-16 units: at most two a character
				caret = nil
			}
		}
		p.caret = caret
	}
	r.mu.Unlock()
	if ok {
		r.broadcastPeers()
	}
}

func (r *Room) broadcastPeers() {
	local := r.localPeers()
	r.publish(nil, local)
	r.sendPeers(local)
}

// localPeers lists this room's members in join order.
func (r *Room) localPeers() []Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	type entry struct {
		peer   Peer
		joined int64
	}
	list := make([]entry, 0, len(r.members))
	for c, p := range r.members {
		list = append(list, entry{Peer{UserID: c.UserID, Name: c.Name, SelectedShotID: p.selected, Caret: p.caret}, p.joined})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].joined < list[j].joined })
	peers := make([]Peer, len(list))
	for i, e := range list {
		peers[i] = e.peer
	}
	assignColors(peers)
	return peers
}

// sendPeers sends the members everyone on the board: local, then those on
// other instances (by instance, for a stable order).
func (r *Room) sendPeers(local []Peer) {
	msg := PeersMessage{Peers: local}
	if len(r.remotePeers) > 0 {
		from := make([]string, 0, len(r.remotePeers))
		for f := range r.remotePeers {
			from = append(from, f)
		}
		sort.Strings(from)
		msg.Peers = slices.Clone(local)
		for _, f := range from {
			msg.Peers = append(msg.Peers, r.remotePeers[f].peers...)
		}
		// Colours are told apart across instances too.
		assignColors(msg.Peers)
	}
	data, err := EncodeMessage(msg)
	if err != nil {
		return
	}
	r.sendToMembers(data)
}

// docSyncDelay is how long the board document's copy may lag the board.
const docSyncDelay = 250 * time.Millisecond

// changesBoardList reports whether an op changes what a project's board
// list shows: the settings, the number of shots or which come first.
func changesBoardList(op board.Op) bool {
	switch op.(type) {
	case board.BoardSet, board.ShotInsert, board.ShotMove, board.ShotDuplicate, board.ShotDelete, board.VersionRestore:
		return true
	}
	return false
}

// syncBoardDocument copies the board's settings, shot count and first
// shots into the board document, which project lists read.
func (r *Room) syncBoardDocument() {
	set := r.durable.Settings
	shots := make([]board.Shot, 0, len(r.durable.Shots))
	for _, sh := range r.durable.Shots {
		shots = append(shots, sh)
	}
	board.SortShots(shots)
	summary := shotline.ShotSummary{Count: len(shots), FrameShotIDs: []string{}}
	for _, sh := range shots[:min(len(shots), shotline.MaxFrameShots)] {
		summary.FrameShotIDs = append(summary.FrameShotIDs, sh.ID)
	}
	gen := r.docGen.Add(1)
	r.hub.background.Add(1)
	go func() {
		defer r.hub.background.Done()
		// A burst of edits writes the document once, after it: FerretDB
		// serializes writes, and the op log's must not queue behind these.
		// A shutting-down hub writes it at once (Shutdown waits for it).
		select {
		case <-time.After(docSyncDelay):
		case <-r.hub.closing:
		}
		r.docSync.Lock()
		defer r.docSync.Unlock()
		if r.docGen.Load() != gen {
			return // a newer copy follows
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		upd := shotline.BoardUpdate{Title: &set.Title, Description: &set.Description, AspectRatio: &set.AspectRatio,
			DefaultShotDuration: &set.DefaultShotDuration, Shots: &summary}
		if _, err := r.hub.boards.UpdateBoard(ctx, r.boardID, upd); err != nil && shotline.ErrorCode(err) != shotline.ENOTFOUND {
			r.hub.log.Warn("sync board document", "board_id", r.boardID, "err", err)
		}
	}()
}

// everyClient calls fn for each client in the room, resuming ones
// included; the caller holds mu.
func (r *Room) everyClient(fn func(*Client)) {
	for _, m := range []map[*Client]*peer{r.members, r.resuming} {
		for c := range m {
			fn(c)
		}
	}
}

// memberCount counts the clients in the room, resuming ones included.
func (r *Room) memberCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members) + len(r.resuming)
}

func (r *Room) isMember(c *Client) bool { return r.peerOf(c) != nil }

// peerOf returns c's entry in the room, nil if c is not (or no longer) in it.
func (r *Room) peerOf(c *Client) *peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.members[c]
}

// tryUnload removes an idle room from the hub if nobody is in or joining
// and everything is written (or force). Reports whether it did.
func (r *Room) tryUnload(force bool) bool {
	empty := r.memberCount() == 0
	written := r.inflight == nil && len(r.pending) == 0
	if !force && (!empty || !written) {
		r.keepLoaded(empty)
		return false
	}
	// With everything written, the snapshot is marked as the head, so the
	// next load need not read the op log. It is written while the room
	// still takes joins: a room loaded for this board after this one
	// leaves the hub must find the mark in place. If a join or op comes in
	// meanwhile, the room stays and clears the mark before its next write.
	switch {
	case written && r.hub.broker == nil && (!r.headMarked || r.durable.Seq > r.snapshotSeq):
		// (With other instances, one of them may write past it meanwhile.)
		snap, ok := r.snapshot(true)
		if ok && r.storeSnapshot(snap) {
			r.headMarked = true
		} else if !force {
			r.headMarked = true // the write may land yet: clear it before writing ops
			r.keepLoaded(empty)
			return false
		}
	case r.durable.Seq > r.snapshotSeq:
		if snap, ok := r.snapshot(false); ok {
			r.storeSnapshot(snap)
		}
	}
	r.hub.mu.Lock()
	if r.joining > 0 && !force {
		r.hub.mu.Unlock()
		r.idle = nil
		return false
	}
	r.closed = true
	if r.hub.rooms[r.boardID] == r {
		delete(r.hub.rooms, r.boardID)
	}
	r.hub.mu.Unlock()
	r.drainAfterFail()
	return true
}

// keepLoaded keeps the room after an unload attempt, trying again later if
// it is still empty.
func (r *Room) keepLoaded(empty bool) {
	r.idle = nil
	if empty {
		r.idle = time.AfterFunc(r.hub.cfg.IdleUnload, func() { r.submit(event{kind: evIdle}) })
	}
}

// errUnloaded answers what reached a room after it unloaded, unread: the
// caller tries again with the board's next room.
var errUnloaded = shotline.Errorf(shotline.EINTERNAL, "The board was unloaded; try again.")

// drainAfterFail answers whatever was queued after the room closed.
func (r *Room) drainAfterFail() {
	for {
		select {
		case e := <-r.inbox:
			if e.kind == evJoin {
				e.client.Close(CloseShuttingDown)
			}
			if e.reply != nil {
				e.reply <- snapshotResult{err: errUnloaded}
			}
			if e.applied != nil {
				e.applied <- applyResult{err: errUnloaded}
			}
		default:
			return
		}
	}
}

// shutdown writes what is pending (waiting for writes in flight), saves a
// snapshot and closes every client with CloseShuttingDown.
func (r *Room) shutdown(ctx context.Context) {
	deadline := time.Now().Add(10 * time.Second)
	for (r.inflight != nil || len(r.pending) > 0) && time.Now().Before(deadline) {
		e := <-r.inbox
		switch e.kind {
		case evFlushed:
			r.onFlushed(ctx, e.err)
		case evRetry:
			r.flush()
		case evJoin:
			e.client.Close(CloseShuttingDown)
		}
	}
	r.mu.Lock()
	r.everyClient(func(c *Client) { c.Close(CloseShuttingDown) })
	r.members, r.resuming = map[*Client]*peer{}, map[*Client]*peer{}
	r.mu.Unlock()
	r.tryUnload(true)
}
