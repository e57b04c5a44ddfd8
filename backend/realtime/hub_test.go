package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fakeConn is a Transport whose two ends are channels, so hub tests see
// exactly what a socket would carry.
type fakeConn struct {
	in        chan []byte
	out       chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	code      realtime.CloseCode
	gate      chan struct{} // when set, Write blocks until it is closed: a client that stopped reading
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan []byte, 64), out: make(chan []byte, 100000), closed: make(chan struct{})}
}

func (f *fakeConn) Read() ([]byte, error) {
	select {
	case d := <-f.in:
		return d, nil
	case <-f.closed:
		return nil, io.EOF
	}
}

func (f *fakeConn) Write(msgs [][]byte) error {
	for _, d := range msgs {
		if f.gate != nil {
			select {
			case <-f.gate:
			case <-f.closed:
				return io.EOF
			}
		}
		select {
		case f.out <- d:
		case <-f.closed:
			return io.EOF
		}
	}
	return nil
}

func (f *fakeConn) Close(code realtime.CloseCode) error {
	f.closeOnce.Do(func() {
		f.code = code
		close(f.closed)
	})
	return nil
}

func (f *fakeConn) Abort() { f.closeOnce.Do(func() { close(f.closed) }) }

// hangUp is the browser going away.
func (f *fakeConn) hangUp() { f.Close(1000) }

type env struct {
	hub    *realtime.Hub
	db     *mongo.DB
	audit  *mongo.QueryAudit // every command the hub's database sends
	dbName string
	boards *mongo.BoardService
	board  *shotline.Board
	log    *mongo.OpLog
}

func newEnv(t testing.TB, cfg realtime.Config) *env {
	t.Helper()
	return newEnvWithLog(t, cfg, nil)
}

// newEnvWithLog is newEnv with the hub's op log wrapped by wrap.
func newEnvWithLog(t testing.TB, cfg realtime.Config, wrap func(shotline.OpLog) shotline.OpLog) *env {
	t.Helper()
	ctx := context.Background()
	audit := mongo.NewQueryAudit()
	dbName := testenv.Database(t)
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, dbName, audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	audit.Reset()
	// Loads, resumes, commits and snapshots stay bounded on the local
	// store (docs/storage.md).
	t.Cleanup(func() {
		for _, q := range audit.Unbounded() {
			t.Errorf("a query reads its whole collection on the local store: %s", q)
		}
	})
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	boards := mongo.NewBoardService(db)
	b := &shotline.Board{WorkspaceID: "w1", ProjectID: "p1", Title: "Board", AspectRatio: "16:9", DefaultShotDuration: 3}
	if err := boards.CreateBoard(ctx, b); err != nil {
		t.Fatal(err)
	}
	oplog := mongo.NewOpLog(db)
	var hubLog shotline.OpLog = oplog
	if wrap != nil {
		hubLog = wrap(oplog)
	}
	hub := realtime.NewHub(boards, hubLog, mongo.NewVersionStore(db), en, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	return &env{hub: hub, db: db, audit: audit, dbName: dbName, boards: boards, board: b, log: oplog}
}

// peer is one connected test client.
type peer struct {
	t      *testing.T
	conn   *fakeConn
	client *realtime.Client
	served chan struct{}
}

func (e *env) connect(t *testing.T, user string, role shotline.Role, lastSeq *int64) *peer {
	t.Helper()
	c := realtime.NewClient(uuid.NewString(), user, "Name "+user, "sess-"+user, "w1", role, 64)
	p := &peer{t: t, conn: newFakeConn(), client: c, served: make(chan struct{})}
	go func() {
		defer close(p.served)
		e.hub.Serve(c, p.conn, e.board.ID)
	}()
	join := map[string]any{"type": "join", "protocol": 1, "boardId": e.board.ID}
	if lastSeq != nil {
		join["lastSeq"] = *lastSeq
	}
	p.sendJSON(join)
	t.Cleanup(p.conn.hangUp)
	return p
}

func (p *peer) sendJSON(v any) {
	p.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		p.t.Fatal(err)
	}
	p.conn.in <- data
}

func (p *peer) sendRaw(s string) { p.conn.in <- []byte(s) }

// next returns the next message of type typ, skipping presence updates;
// it fails the test after a generous deadline.
func (p *peer) next(typ string) map[string]any {
	p.t.Helper()
	var got map[string]any
	p.read("a "+typ+" message", func(m map[string]any, d []byte) bool {
		if m["type"] == "presence" && typ != "presence" {
			return false
		}
		if m["type"] != typ {
			p.t.Fatalf("got %s, want %s: %s", m["type"], typ, d)
		}
		got = m
		return true
	})
	return got
}

// read decodes the messages p receives and hands each to until, until it
// returns true; it fails the test if the socket closes or after a generous
// deadline, saying it was waiting for what.
func (p *peer) read(what string, until func(m map[string]any, raw []byte) bool) {
	p.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case d := <-p.conn.out:
			var m map[string]any
			if err := json.Unmarshal(d, &m); err != nil {
				p.t.Fatalf("server sent non-JSON %q", d)
			}
			if until(m, d) {
				return
			}
		case <-p.conn.closed:
			p.t.Fatalf("closed with %d while waiting for %s", p.conn.code, what)
		case <-deadline:
			p.t.Fatalf("no %s", what)
		}
	}
}

// op sends one op and returns its id.
func (p *peer) op(baseSeq int64, op map[string]any) string {
	p.t.Helper()
	id := uuid.NewString()
	p.sendJSON(map[string]any{"type": "op", "opId": id, "baseSeq": baseSeq, "op": op})
	return id
}

// edit sends one op and waits for it to be applied and acknowledged.
func (p *peer) edit(baseSeq int64, op map[string]any) string {
	p.t.Helper()
	id := p.op(baseSeq, op)
	p.next("applied")
	p.next("ack")
	return id
}

func insertShot(id, pos string) map[string]any {
	return map[string]any{"kind": "shot.insert", "shotId": id, "position": pos, "shot": map[string]any{"title": "Shot " + id}}
}

func TestOpIsAckedAfterDurableAndBroadcast(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	if got := a.next("snapshot"); got["seq"].(float64) != 0 {
		t.Fatalf("snapshot seq %v", got["seq"])
	}
	b.next("snapshot")
	id := a.op(0, insertShot("s1", "a0"))
	applied := a.next("applied")
	if applied["opId"] != id || applied["seq"].(float64) != 1 || applied["actor"] != "alice" {
		t.Fatalf("applied = %v", applied)
	}
	if ack := a.next("ack"); ack["opId"] != id || ack["seq"].(float64) != 1 {
		t.Fatalf("ack = %v", ack)
	}
	if got := b.next("applied"); got["opId"] != id {
		t.Fatalf("peer got %v", got)
	}
	// The ack came after the op was in the log.
	ops, err := e.log.OpsSince(context.Background(), e.board.ID, 0, 10)
	if err != nil || len(ops) != 1 || ops[0].OpID != id {
		t.Fatalf("op log = %v, %v", ops, err)
	}
}

func TestResentOpIsAckedNotReapplied(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	id := uuid.NewString()
	msg := map[string]any{"type": "op", "opId": id, "baseSeq": 0, "op": insertShot("s1", "a0")}
	a.sendJSON(msg)
	a.next("applied")
	a.next("ack")
	a.conn.hangUp()
	<-a.served

	// Reconnect at seq 1 and re-send the same op, as a client does when it
	// did not see the ack.
	one := int64(1)
	a2 := e.connect(t, "alice", shotline.RoleEditor, &one)
	if ops := a2.next("ops"); len(ops["ops"].([]any)) != 0 {
		t.Fatalf("missed ops = %v", ops)
	}
	a2.sendJSON(msg)
	if ack := a2.next("ack"); ack["seq"].(float64) != 1 {
		t.Fatalf("re-sent op acked at %v, want 1", ack["seq"])
	}
	if seq, _ := e.log.LastSeq(context.Background(), e.board.ID); seq != 1 {
		t.Fatalf("op applied twice: last seq %d", seq)
	}
}

func TestResumeGetsExactlyTheMissedOps(t *testing.T) {
	e := newEnv(t, realtime.Config{RecentOps: 5})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	for i := 1; i <= 8; i++ {
		a.edit(int64(i-1), insertShot("s"+strconv.Itoa(i), "a"+strconv.Itoa(i)))
	}
	// 3 behind: the last three ops, in order.
	five := int64(5)
	b := e.connect(t, "bob", shotline.RoleViewer, &five)
	ops := b.next("ops")["ops"].([]any)
	if len(ops) != 3 || ops[0].(map[string]any)["seq"].(float64) != 6 || ops[2].(map[string]any)["seq"].(float64) != 8 {
		t.Fatalf("missed ops = %v", ops)
	}
	// Further behind than the room keeps: a snapshot.
	one := int64(1)
	c := e.connect(t, "carol", shotline.RoleViewer, &one)
	snap := c.next("snapshot")
	if snap["seq"].(float64) != 8 || len(snap["board"].(map[string]any)["shots"].([]any)) != 8 {
		t.Fatalf("snapshot = %v", snap)
	}
	// Ahead of the server (it lost state): a snapshot too.
	ahead := int64(99)
	d := e.connect(t, "dan", shotline.RoleViewer, &ahead)
	if snap := d.next("snapshot"); snap["seq"].(float64) != 8 {
		t.Fatalf("snapshot for a client ahead = %v", snap)
	}
}

// gatedLog holds FindOpByOpID until gate is closed.
type gatedLog struct {
	shotline.OpLog
	asked chan struct{}
	gate  chan struct{}
}

func (l *gatedLog) FindOpByOpID(ctx context.Context, boardID, opID string) (*shotline.StoredOp, error) {
	l.asked <- struct{}{}
	<-l.gate
	return l.OpLog.FindOpByOpID(ctx, boardID, opID)
}

// A re-sent op older than the op ids the room keeps is looked up in the op
// log without holding up the room: others' ops go on meanwhile, the
// sender's next messages wait their turn, and the op is not applied twice.
func TestOldResentOpIsLookedUpWithoutStallingTheRoom(t *testing.T) {
	gl := &gatedLog{asked: make(chan struct{}, 1), gate: make(chan struct{})}
	e := newEnvWithLog(t, realtime.Config{RecentOps: 3}, func(l shotline.OpLog) shotline.OpLog { gl.OpLog = l; return gl })
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	first := uuid.NewString()
	a.sendJSON(map[string]any{"type": "op", "opId": first, "baseSeq": 0, "op": insertShot("s1", "a1")})
	a.next("applied")
	a.next("ack")
	for i := 2; i <= 6; i++ {
		a.edit(int64(i-1), insertShot("s"+strconv.Itoa(i), "a"+strconv.Itoa(i)))
	}

	// Alice re-sends her first op (its ack was "lost"), then a new one.
	a.sendJSON(map[string]any{"type": "op", "opId": first, "baseSeq": 0, "op": insertShot("s1", "a1")})
	select {
	case <-gl.asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the room did not ask the op log")
	}
	next := a.op(6, insertShot("s7", "a7"))

	// Bob's op is applied while the lookup is held.
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	bobs := b.op(6, insertShot("b1", "a8"))
	if got := b.next("applied"); got["opId"] != bobs || got["seq"].(float64) != 7 {
		t.Fatalf("bob's op while alice's lookup waits: %v", got)
	}
	b.next("ack")
	if got := a.next("applied"); got["opId"] != bobs {
		t.Fatalf("alice saw %v before her lookup finished; want bob's op", got)
	}

	close(gl.gate)
	if got := a.next("ack"); got["opId"] != first || got["seq"].(float64) != 1 {
		t.Fatalf("re-sent op: %v, want its ack with seq 1", got)
	}
	if got := a.next("applied"); got["opId"] != next || got["seq"].(float64) != 8 {
		t.Fatalf("alice's next op: %v", got)
	}
	a.next("ack")
	if seq, _ := e.log.LastSeq(context.Background(), e.board.ID); seq != 8 {
		t.Fatalf("last seq %d, want 8: the re-sent op was applied twice", seq)
	}
}

func TestViewerAndCommenterAreRefused(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	ed := e.connect(t, "ed", shotline.RoleEditor, nil)
	ed.next("snapshot")
	ed.edit(0, insertShot("s1", "a0"))

	v := e.connect(t, "vic", shotline.RoleViewer, nil)
	v.next("snapshot")
	id := v.op(1, map[string]any{"kind": "shot.set", "shotId": "s1", "field": "title", "value": "Mine"})
	if got := v.next("error"); got["opId"] != id || got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("viewer edit: %v", got)
	}
	id = v.op(1, map[string]any{"kind": "comment.add", "commentId": "c1", "shotId": "s1", "body": "hi"})
	if got := v.next("error"); got["opId"] != id || got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("viewer comment: %v", got)
	}

	cm := e.connect(t, "cam", shotline.RoleCommenter, nil)
	cm.next("snapshot")
	id = cm.op(1, map[string]any{"kind": "shot.delete", "shotId": "s1"})
	if got := cm.next("error"); got["opId"] != id || got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("commenter delete: %v", got)
	}
	id = cm.op(1, map[string]any{"kind": "comment.add", "commentId": "c1", "shotId": "s1", "body": "Nice"})
	if got := cm.next("applied"); got["opId"] != id {
		t.Fatalf("commenter comment: %v", got)
	}
	if seq, _ := e.log.LastSeq(context.Background(), e.board.ID); seq != 2 {
		t.Fatalf("last seq %d, want 2: a refused op was stored", seq)
	}
}

// Every message counts against a socket's rate, pings and presence too;
// an op over it is refused with ERATELIMIT, names the op and changes
// nothing, and others on the board go on.
func TestRateLimitCountsEveryMessage(t *testing.T) {
	e := newEnv(t, realtime.Config{OpRate: 0.001, OpBurst: 3}) // no refill during the test
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.sendRaw(`{"type":"ping"}`)
	a.next("pong")
	a.sendJSON(map[string]any{"type": "presence", "selectedShotId": nil})
	a.next("presence")
	a.edit(0, insertShot("s1", "a0"))
	id := a.op(1, insertShot("s2", "a1"))
	if got := a.next("error"); got["code"] != shotline.ERATELIMIT || got["opId"] != id {
		t.Fatalf("fourth message: %v, want ERATELIMIT for %s", got, id)
	}
	a.sendRaw(`{"type":"ping"}`)
	if got := a.next("error"); got["code"] != shotline.ERATELIMIT {
		t.Fatalf("fifth message (a ping): %v, want ERATELIMIT", got)
	}
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	b.edit(1, insertShot("s3", "a2"))
	if seq, _ := e.log.LastSeq(context.Background(), e.board.ID); seq != 2 {
		t.Fatalf("last seq %d, want 2: the refused op was stored", seq)
	}
}

// TestRateLimitCountsBytes: the room decodes every message that passes the
// reader, so bytes are limited too; a message over the byte budget is
// refused with ERATELIMIT naming its op, undecoded, and smaller ones still
// pass.
func TestRateLimitCountsBytes(t *testing.T) {
	e := newEnv(t, realtime.Config{ByteRate: 0.001, ByteBurst: 4000}) // no refill during the test
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	id := uuid.NewString()
	a.sendRaw(`{"type":"op","opId":"` + id + `","baseSeq":0,"op":{"kind":"board.set","field":"description","value":"` + strings.Repeat("x", 4000) + `"}}`)
	if got := a.next("error"); got["code"] != shotline.ERATELIMIT || got["opId"] != id {
		t.Fatalf("a message over the byte budget: %v, want ERATELIMIT for %s", got, id)
	}
	a.edit(0, insertShot("s1", "a0"))
	if seq, _ := e.log.LastSeq(context.Background(), e.board.ID); seq != 1 {
		t.Fatalf("last seq %d, want 1: only the small op is stored", seq)
	}
}

func TestBadFramesGetErrorsAndTheSocketLives(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	a.next("snapshot")
	b.next("snapshot")
	tests := []struct {
		name  string
		frame string
		code  string
	}{
		{"not JSON", `{"type": "op",`, shotline.EINVALID},
		{"unknown message type", `{"type": "teleport"}`, shotline.EINVALID},
		{"unknown op kind", `{"type":"op","opId":"` + uuid.NewString() + `","baseSeq":0,"op":{"kind":"shot.explode","shotId":"s1"}}`, shotline.EINVALID},
		{"wrong field type", `{"type":"op","opId":"` + uuid.NewString() + `","baseSeq":"zero","op":{"kind":"shot.delete","shotId":"s1"}}`, shotline.EINVALID},
		{"unknown field", `{"type":"op","opId":"` + uuid.NewString() + `","baseSeq":0,"op":{"kind":"shot.delete","shotId":"s1","extra":1}}`, shotline.EINVALID},
		{"bad op id", `{"type":"op","opId":"1","baseSeq":0,"op":{"kind":"shot.delete","shotId":"s1"}}`, shotline.EINVALID},
		{"oversized", `{"type":"presence","selectedShotId":"` + strings.Repeat("x", realtime.MaxClientMessageBytes) + `"}`, shotline.ETOOLARGE},
		{"shot of another board", `{"type":"op","opId":"` + uuid.NewString() + `","baseSeq":0,"op":{"kind":"shot.set","shotId":"other-board-shot","field":"title","value":"x"}}`, shotline.ENOTFOUND},
		{"second join", `{"type":"join","protocol":1,"boardId":"` + e.board.ID + `"}`, shotline.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.t = t
			a.sendRaw(tt.frame)
			if got := a.next("error"); got["code"] != tt.code || got["message"] == "" {
				t.Fatalf("error = %v, want code %s", got, tt.code)
			}
		})
	}
	a.t = t
	// The socket still works, and so does the room.
	a.sendRaw(`{"type":"ping"}`)
	a.next("pong")
	id := a.op(0, insertShot("s1", "a0"))
	if got := b.next("applied"); got["opId"] != id {
		t.Fatalf("room after bad frames: %v", got)
	}
}

func TestFirstMessageMustBeJoin(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	for _, tt := range []struct {
		name  string
		frame string
		code  realtime.CloseCode
	}{
		{"op first", `{"type":"ping"}`, realtime.CloseProtocolError},
		{"old protocol", `{"type":"join","protocol":0,"boardId":"` + e.board.ID + `"}`, realtime.CloseBadProtocolVersion},
		{"other board", `{"type":"join","protocol":1,"boardId":"someone-elses"}`, realtime.CloseProtocolError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := realtime.NewClient(uuid.NewString(), "u", "U", "s", "w1", shotline.RoleOwner, 8)
			conn := newFakeConn()
			done := make(chan struct{})
			go func() { defer close(done); e.hub.Serve(c, conn, e.board.ID) }()
			conn.in <- []byte(tt.frame)
			<-done
			if conn.code != tt.code {
				t.Fatalf("closed with %d, want %d", conn.code, tt.code)
			}
			if tt.code.Reconnect() {
				t.Errorf("%d should be terminal", tt.code)
			}
		})
	}
}

// TestSlowClientIsDroppedOthersContinue: one socket stops reading; its
// queue fills and it is closed with 4001 while the others keep getting
// every op.
func TestSlowClientIsDroppedOthersContinue(t *testing.T) {
	e := newEnv(t, realtime.Config{OpRate: 1000, OpBurst: 1000})
	writer := e.connect(t, "w", shotline.RoleEditor, nil)
	fast := e.connect(t, "f", shotline.RoleViewer, nil)
	writer.next("snapshot")
	fast.next("snapshot")

	slow := &peer{t: t, conn: newFakeConn(), served: make(chan struct{})}
	slow.conn.gate = make(chan struct{}) // never opened: it stops reading
	slow.client = realtime.NewClient(uuid.NewString(), "s", "S", "ss", "w1", shotline.RoleViewer, 8)
	go func() { defer close(slow.served); e.hub.Serve(slow.client, slow.conn, e.board.ID) }()
	slow.sendJSON(map[string]any{"type": "join", "protocol": 1, "boardId": e.board.ID})

	const n = 40
	keys, err := board.GenerateNKeysBetween("", "", n)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		writer.op(int64(i), insertShot("s"+strconv.Itoa(i), keys[i]))
	}
	for i := 0; i < n; i++ {
		if got := fast.next("applied"); got["seq"].(float64) != float64(i+1) {
			t.Fatalf("fast peer got seq %v, want %d", got["seq"], i+1)
		}
	}
	select {
	case <-slow.served:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow client was not dropped")
	}
	// Its close frame cannot get through a peer that does not read: the
	// connection is cut, and the client's recorded code says why.
	if code := slow.client.CloseCode(); code != realtime.CloseSlowConsumer || !code.Reconnect() {
		t.Fatalf("slow client closed with %d, want %d (reconnect)", code, realtime.CloseSlowConsumer)
	}
}

func TestRoleChangesReachOpenSockets(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))

	e.hub.MemberChanged("w1", "alice", shotline.RoleViewer)
	id := a.op(1, map[string]any{"kind": "shot.delete", "shotId": "s1"})
	if got := a.next("error"); got["opId"] != id || got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("after demotion: %v", got)
	}
	e.hub.MemberChanged("w1", "alice", "")
	<-a.served
	if a.conn.code != realtime.CloseForbidden || a.conn.code.Reconnect() {
		t.Fatalf("removed member closed with %d, want %d (terminal)", a.conn.code, realtime.CloseForbidden)
	}
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	e.hub.SessionsEnded("", "sess-bob", "")
	<-b.served
	if b.conn.code != realtime.CloseSessionEnded {
		t.Fatalf("signed-out socket closed with %d", b.conn.code)
	}
}

func TestPresence(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	b := e.connect(t, "bob", shotline.RoleViewer, nil)
	b.next("snapshot")
	peers := func(p *peer) []any {
		for {
			m := p.next("presence")
			if list := m["peers"].([]any); len(list) == 2 {
				return list
			}
		}
	}
	if got := peers(a); got[0].(map[string]any)["userId"] != "alice" || got[1].(map[string]any)["userId"] != "bob" {
		t.Fatalf("peers = %v", got)
	}
	b.sendJSON(map[string]any{"type": "presence", "selectedShotId": "s1"})
	for {
		m := a.next("presence")
		list := m["peers"].([]any)
		if len(list) == 2 && list[1].(map[string]any)["selectedShotId"] == "s1" {
			break
		}
	}
	b.conn.hangUp()
	for {
		if list := a.next("presence")["peers"].([]any); len(list) == 1 {
			break
		}
	}
}

func TestServerOpsAndRoomUnload(t *testing.T) {
	e := newEnv(t, realtime.Config{IdleUnload: 10 * time.Millisecond})
	raw, _ := json.Marshal("Renamed")
	seq, err := e.hub.Apply(context.Background(), e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw})
	if err != nil || seq != 1 {
		t.Fatalf("Apply = %d, %v", seq, err)
	}
	if _, err := e.hub.Apply(context.Background(), e.board.ID, "vic", shotline.RoleViewer, board.BoardSet{Field: board.BoardTitle, Value: raw}); shotline.ErrorCode(err) != shotline.EFORBIDDEN {
		t.Fatalf("viewer Apply: %v", err)
	}
	snap, seq, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil || seq != 1 || snap.Title != "Renamed" {
		t.Fatalf("snapshot = %v at %d, %v", snap.Title, seq, err)
	}
	// The room unloads when idle; a new one loads the same state from the log.
	e.waitUnloaded(t)
	deadline := time.Now().Add(10 * time.Second)
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	if got := a.next("snapshot"); got["seq"].(float64) != 1 || got["board"].(map[string]any)["title"] != "Renamed" {
		t.Fatalf("after reload: %v", got)
	}
	// The board document follows for project lists.
	for {
		b, err := e.boards.FindBoardByID(context.Background(), e.board.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Title == "Renamed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("board document not updated")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitUnloaded waits until the hub has no room loaded.
func (e *env) waitUnloaded(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.hub.Rooms() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle room did not unload")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// headLog counts op log reads and can hold a head snapshot's write.
type headLog struct {
	shotline.OpLog
	reads     atomic.Int32
	hold      atomic.Bool   // a head snapshot's write waits for gate
	headSaved chan struct{} // and says it started
	gate      chan struct{}
	holdReads atomic.Bool   // an op log read waits for gate
	readAsked chan struct{} // and says it started
}

func (l *headLog) OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]shotline.StoredOp, error) {
	l.reads.Add(1)
	if l.holdReads.Load() {
		l.readAsked <- struct{}{}
		<-l.gate
	}
	return l.OpLog.OpsSince(ctx, boardID, after, limit)
}

func (l *headLog) SaveSnapshot(ctx context.Context, s shotline.BoardSnapshot) error {
	if s.Head && l.hold.Load() {
		l.headSaved <- struct{}{}
		<-l.gate
	}
	return l.OpLog.SaveSnapshot(ctx, s)
}

func (e *env) snapshotHead(t *testing.T) (int64, bool) {
	t.Helper()
	s, err := e.log.FindSnapshot(context.Background(), e.board.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s.Seq, s.Head
}

// A room that unloads with everything written marks its snapshot as the
// head; the next load then skips the op log (a scan on FerretDB) and
// clears the mark before writing, so a crash after that write still
// replays the op from the log.
func TestHeadSnapshotSkipsTheOpLogUntilTheNextWrite(t *testing.T) {
	hl := &headLog{headSaved: make(chan struct{}, 1), gate: make(chan struct{})} // room of 1: the shutdown saves one more
	e := newEnvWithLog(t, realtime.Config{IdleUnload: 10 * time.Millisecond}, func(l shotline.OpLog) shotline.OpLog { hl.OpLog = l; return hl })
	raw, _ := json.Marshal("Renamed")
	if _, err := e.hub.Apply(context.Background(), e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
		t.Fatal(err)
	}
	e.waitUnloaded(t)
	if seq, head := e.snapshotHead(t); seq != 1 || !head {
		t.Fatalf("after unload: snapshot at %d, head %v; want 1, true", seq, head)
	}

	hl.reads.Store(0)
	a := e.joinFromHead(t, hl, 1, "Renamed")
	a.edit(1, insertShot("s1", "a0"))
	if _, head := e.snapshotHead(t); head {
		t.Fatal("an op was written while the snapshot is still marked as the head")
	}
	// What a restart after a crash would load: the snapshot and the op.
	l, err := realtime.LoadState(context.Background(), e.boards, e.log, e.board.ID, nil)
	if err != nil || l.Head || l.State.Seq != 2 || !hasShot(l.State, "s1") {
		t.Fatalf("fresh load: %+v, %v; want seq 2 with shot s1", l, err)
	}

	// Someone joins while the unloading room writes the mark: the room
	// stays, and clears the mark before its next write.
	hl.hold.Store(true)
	a.conn.hangUp()
	<-a.served
	select {
	case <-hl.headSaved:
	case <-time.After(10 * time.Second):
		t.Fatal("the idle room did not write a head snapshot")
	}
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	for e.hub.Joining(e.board.ID) == 0 { // bob's join is on its way to the room
		time.Sleep(time.Millisecond)
	}
	close(hl.gate)
	if got := b.next("snapshot"); got["seq"].(float64) != 2 {
		t.Fatalf("bob joined at %v, want 2", got["seq"])
	}
	if e.hub.Rooms() != 1 {
		t.Fatal("the room unloaded with bob joining")
	}
	if seq, head := e.snapshotHead(t); seq != 2 || !head {
		t.Fatalf("snapshot at %d, head %v; want 2, true", seq, head)
	}
	b.edit(2, insertShot("s2", "a1"))
	if _, head := e.snapshotHead(t); head {
		t.Fatal("the room that stayed wrote an op under the head mark")
	}
}

// joinFromHead connects alice and checks that her snapshot is the board at
// seq with the given title, and that no one has read the op log since
// hl.reads was last zero.
func (e *env) joinFromHead(t *testing.T, hl *headLog, seq float64, title string) *peer {
	t.Helper()
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	if got := a.next("snapshot"); got["seq"].(float64) != seq || got["board"].(map[string]any)["title"] != title {
		t.Fatalf("load from the head snapshot: %v; want seq %v, title %q", got, seq, title)
	}
	if n := hl.reads.Load(); n != 0 {
		t.Fatalf("loading from the head snapshot read the op log %d times", n)
	}
	return a
}

func hasShot(st *board.BoardState, id string) bool {
	_, ok := st.Shots[id]
	return ok
}

// A new board's snapshot is stored as the head, so its first load does not
// read the op log either.
func TestNewBoardLoadsWithoutTheOpLog(t *testing.T) {
	hl := &headLog{}
	e := newEnvWithLog(t, realtime.Config{}, func(l shotline.OpLog) shotline.OpLog { hl.OpLog = l; return hl })
	if err := e.hub.BoardCreated(context.Background(), e.board); err != nil {
		t.Fatal(err)
	}
	a := e.joinFromHead(t, hl, 0, "Board")
	a.edit(0, insertShot("s1", "a0"))
	if _, head := e.snapshotHead(t); head {
		t.Fatal("an op was written under the new board's head mark")
	}
}

// An op applied through the API that reaches a room as it unloads is
// applied by the board's next room, not refused.
func TestApplyDuringUnloadGoesToTheNextRoom(t *testing.T) {
	hl := &headLog{headSaved: make(chan struct{}, 2), gate: make(chan struct{})}
	hl.hold.Store(true)
	e := newEnvWithLog(t, realtime.Config{IdleUnload: 10 * time.Millisecond}, func(l shotline.OpLog) shotline.OpLog { hl.OpLog = l; return hl })
	set := func(title string) (int64, error) {
		raw, _ := json.Marshal(title)
		return e.hub.Apply(context.Background(), e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw})
	}
	if _, err := set("One"); err != nil {
		t.Fatal(err)
	}
	<-hl.headSaved // the idle room is unloading, held in its snapshot write
	done := make(chan error, 1)
	var seq int64
	go func() {
		var err error
		seq, err = set("Two")
		done <- err
	}()
	for e.hub.Queued(e.board.ID) == 0 {
		time.Sleep(time.Millisecond)
	}
	close(hl.gate)
	if err := <-done; err != nil || seq != 2 {
		t.Fatalf("Apply during unload = %d, %v; want seq 2", seq, err)
	}
	snap, _, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil || snap.Title != "Two" {
		t.Fatalf("title %q, %v", snap.Title, err)
	}
}

func textEdit(shotID string, textOp ...any) map[string]any {
	return map[string]any{"kind": "text.edit", "shotId": shotID, "field": "prompt", "textOp": textOp}
}

// A client that comes back after the board's room unloaded gets exactly
// the ops it missed, read from the op log, and its typing from before is
// still merged: the room's text history reaches back to where it left.
func TestResumeAfterUnloadGetsTheMissedOpsFromTheLog(t *testing.T) {
	hl := &headLog{}
	e := newEnvWithLog(t, realtime.Config{IdleUnload: 10 * time.Millisecond}, func(l shotline.OpLog) shotline.OpLog { hl.OpLog = l; return hl })
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	a.edit(1, textEdit("s1", "hello"))
	a.conn.hangUp() // alice goes offline at seq 2, typing "!" meanwhile
	<-a.served

	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	b.edit(2, textEdit("s1", 5, " world"))
	b.edit(3, insertShot("s2", "a1"))
	b.conn.hangUp()
	<-b.served
	e.waitUnloaded(t)

	two := int64(2)
	hl.reads.Store(0)
	a = e.connect(t, "alice", shotline.RoleEditor, &two)
	ops := a.next("ops")["ops"].([]any)
	if len(ops) != 2 || ops[0].(map[string]any)["seq"].(float64) != 3 || ops[1].(map[string]any)["seq"].(float64) != 4 {
		t.Fatalf("missed ops after a reload = %v", ops)
	}
	if hl.reads.Load() != 1 {
		t.Fatalf("the op log was read %d times, want once (the missed ops)", hl.reads.Load())
	}
	a.op(2, textEdit("s1", "!", 5)) // typed offline, based on seq 2
	if got := a.next("applied"); got["seq"].(float64) != 5 {
		t.Fatalf("alice's offline typing: %v", got)
	}
	a.next("ack")
	snap, _, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range snap.Shots {
		if sh.ID == "s1" && sh.Prompt != "!hello world" {
			t.Fatalf("prompt %q, want both edits merged", sh.Prompt)
		}
	}
	// A second client as far behind is served from memory now.
	c := e.connect(t, "carol", shotline.RoleViewer, &two)
	if ops := c.next("ops")["ops"].([]any); len(ops) != 3 || hl.reads.Load() != 1 {
		t.Fatalf("carol got %d ops, op log read %d times; want 3 from memory", len(ops), hl.reads.Load())
	}
}

// While the op log is read for a resuming client, others go on; the
// resuming client gets nothing before its missed ops, and what it sends
// meanwhile is handled after.
func TestResumingClientWaitsForItsMissedOps(t *testing.T) {
	hl := &headLog{gate: make(chan struct{}), readAsked: make(chan struct{}, 1)}
	e := newEnvWithLog(t, realtime.Config{IdleUnload: 10 * time.Millisecond}, func(l shotline.OpLog) shotline.OpLog { hl.OpLog = l; return hl })
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a1"))
	a.edit(1, insertShot("s2", "a2"))
	a.conn.hangUp()
	<-a.served
	e.waitUnloaded(t)

	hl.holdReads.Store(true)
	one := int64(1)
	a = e.connect(t, "alice", shotline.RoleEditor, &one)
	select {
	case <-hl.readAsked:
	case <-time.After(10 * time.Second):
		t.Fatal("the room did not read the missed op")
	}
	mine := a.op(1, insertShot("s3", "a3")) // sent before its resume arrives
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	bobs := b.edit(2, insertShot("b1", "a0"))
	if len(a.conn.out) != 0 {
		t.Fatalf("alice got %s before her missed ops", <-a.conn.out)
	}
	close(hl.gate)
	ops := a.next("ops")["ops"].([]any)
	if len(ops) != 2 || ops[0].(map[string]any)["seq"].(float64) != 2 || ops[1].(map[string]any)["opId"] != bobs {
		t.Fatalf("alice's resume = %v; want seq 2 and bob's op", ops)
	}
	if got := a.next("applied"); got["opId"] != mine || got["seq"].(float64) != 4 {
		t.Fatalf("alice's op sent while resuming: %v", got)
	}
	a.next("ack")
}

// TestSessionEdges checks what docs/protocol.md says of a session's edges.
func TestSessionEdges(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))

	t.Run("a second join is refused, the socket lives", func(t *testing.T) {
		a.t = t
		a.sendJSON(map[string]any{"type": "join", "protocol": 1, "boardId": e.board.ID})
		if got := a.next("error"); got["code"] != shotline.EINVALID {
			t.Fatalf("second join: %v, want EINVALID", got)
		}
		a.sendRaw(`{"type":"ping"}`)
		a.next("pong")
	})
	t.Run("a presence id that names no shot counts as none", func(t *testing.T) {
		a.t = t
		selected := func(want any) {
			t.Helper()
			a.read("alice's selection "+fmt.Sprint(want), func(m map[string]any, _ []byte) bool {
				if m["type"] != "presence" {
					return false
				}
				for _, p := range m["peers"].([]any) {
					if p := p.(map[string]any); p["userId"] == "alice" {
						return p["selectedShotId"] == want
					}
				}
				return false
			})
		}
		a.sendJSON(map[string]any{"type": "presence", "selectedShotId": "s1"})
		selected("s1")
		a.sendJSON(map[string]any{"type": "presence", "selectedShotId": strings.Repeat("s", 5000)})
		selected(nil)
	})
	t.Run("a resume from a seq the board never had gets a snapshot", func(t *testing.T) {
		future := int64(1000)
		b := e.connect(t, "bob", shotline.RoleEditor, &future)
		if got := b.next("snapshot"); got["seq"] != 1.0 {
			t.Fatalf("snapshot at seq %v, want 1", got["seq"])
		}
	})
	t.Run("a join naming another board closes with 4002", func(t *testing.T) {
		conn := newFakeConn()
		c := realtime.NewClient(uuid.NewString(), "carol", "Carol", "sess-carol", "w1", shotline.RoleEditor, 64)
		go e.hub.Serve(c, conn, e.board.ID)
		conn.in <- []byte(`{"type":"join","protocol":1,"boardId":"another-board"}`)
		select {
		case <-conn.closed:
		case <-time.After(20 * time.Second):
			t.Fatal("the socket stayed open")
		}
		if conn.code != realtime.CloseProtocolError {
			t.Fatalf("closed with %d, want %d", conn.code, realtime.CloseProtocolError)
		}
	})
}
