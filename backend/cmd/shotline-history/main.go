// Command shotline-history measures how Shotline's store holds up as its
// history grows. It fills a database with a history of a given size (ops
// over boards, users with sessions), writing it as the app would (ops in
// the op log, a snapshot every -snapshot-every ops of a board), then starts
// the app on it and measures: sign-in, the list of a project's boards, a
// cold board open, a board open after a SIGKILL of the app with boards
// live, a resume 100 and 5,000 ops behind, and, meanwhile, the ack latency
// of ops on other live boards. See docs/benchmarks.md and
// scripts/history-bench.sh, which starts the local store for it.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/password"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/realtime/liveclient"
	"github.com/shotline/shotline/backend/shotline"
)

const passphrase = "a long passphrase"

type config struct {
	mongoURI, dbName, appBin, addr string
	ops, boards, users             int
	deep                           int // extra ops on one board, for the deep resume
	snapshotEvery                  int
	samples                        int
	fill                           bool
}

func main() {
	var c config
	flag.StringVar(&c.mongoURI, "mongo-uri", "mongodb://127.0.0.1:27017", "the store (FerretDB or MongoDB)")
	flag.StringVar(&c.dbName, "db", "shotline_history", "database to fill and run the app on")
	flag.StringVar(&c.appBin, "app", ".tools/bin/shotline", "the shotline binary; started with this tool's environment (S3 settings) plus the store and -addr")
	flag.StringVar(&c.addr, "addr", "127.0.0.1:18080", "address for the app")
	flag.IntVar(&c.ops, "ops", 10_000, "ops in the history, spread over the boards")
	flag.IntVar(&c.boards, "boards", 500, "boards")
	flag.IntVar(&c.users, "users", 10_000, "users, each with a session")
	flag.IntVar(&c.deep, "deep", 6_000, "extra ops on one board, resumed from 100 and 5,000 behind")
	flag.IntVar(&c.snapshotEvery, "snapshot-every", 500, "the app's snapshot interval (SnapshotEvery)")
	flag.IntVar(&c.samples, "samples", 20, "samples per measurement")
	flag.BoolVar(&c.fill, "fill", true, "fill the database first, unless it holds a filled history already (false: never fill)")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "shotline-history:", err)
		os.Exit(1)
	}
}

// world is what the fill made and the measurements use.
type world struct {
	owner    string   // session token of the workspace owner
	projects []string // project ids
	boards   []string // board ids, in creation order
	deep     []string // the two boards with -deep more ops each
	used     int      // boards at the end of boards that earlier runs measured
}

func token(i int) string { return fmt.Sprintf("history-token-%d", i) }

func run(c config) error {
	ctx := context.Background()
	db, err := mongo.Open(ctx, c.mongoURI, c.dbName)
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	w, err := loadWorld(ctx, db)
	if err == nil {
		fmt.Println("measuring the history already in", c.dbName)
	} else if c.fill {
		start := time.Now()
		if w, err = fill(ctx, db, c); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		fmt.Printf("filled %d ops (+%d on each of two boards) over %d boards and %d users with sessions in %v\n", c.ops, c.deep, c.boards, c.users, time.Since(start).Round(time.Second))
		if err := saveWorld(ctx, db, w); err != nil {
			return err
		}
	} else {
		return err
	}
	return measure(ctx, c, db, w)
}

// fill writes the history directly into the store, as the app writes it.
func fill(ctx context.Context, db *mongo.DB, c config) (*world, error) {
	users, sessions := mongo.NewUserService(db), mongo.NewSessionService(db)
	hash, err := password.Default.Hash(passphrase)
	if err != nil {
		return nil, err
	}
	w := &world{owner: token(0)}
	var ownerID string
	now := time.Now().UTC()
	for i := range c.users {
		u := &shotline.User{Email: fmt.Sprintf("user-%05d@example.com", i), Name: fmt.Sprintf("User %d", i), PasswordHash: hash}
		if err := users.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(token(i)))
		if err := sessions.CreateSession(ctx, &shotline.Session{ID: hex.EncodeToString(sum[:]), UserID: u.ID, CSRFToken: "csrf", CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}); err != nil {
			return nil, err
		}
		if i == 0 {
			ownerID = u.ID
		}
	}
	ws := &shotline.Workspace{Name: "History", Members: []shotline.Member{{UserID: ownerID, Role: shotline.RoleOwner, AddedAt: now}}}
	if err := mongo.NewWorkspaceService(db).CreateWorkspace(ctx, ws); err != nil {
		return nil, err
	}
	projects, boards, oplog := mongo.NewProjectService(db), mongo.NewBoardService(db), mongo.NewOpLog(db)
	seqs := map[string]int64{}
	for i := range c.boards {
		if i%10 == 0 { // ten boards a project
			p := &shotline.Project{WorkspaceID: ws.ID, Name: fmt.Sprintf("Project %d", i/10)}
			if err := projects.CreateProject(ctx, p); err != nil {
				return nil, err
			}
			w.projects = append(w.projects, p.ID)
		}
		b := &shotline.Board{WorkspaceID: ws.ID, ProjectID: w.projects[len(w.projects)-1], Title: "t0", AspectRatio: "16:9", DefaultShotDuration: 3}
		if err := boards.CreateBoard(ctx, b); err != nil {
			return nil, err
		}
		w.boards = append(w.boards, b.ID)
	}
	w.deep = w.boards[:2]
	// As a room does: each full page of a board's ops is stored once more
	// as one document, after the ops themselves.
	filling := map[string][]shotline.StoredOp{}
	var full [][]shotline.StoredOp
	appendOps := func(batch []shotline.StoredOp) error {
		if err := oplog.AppendOps(ctx, batch); err != nil {
			return err
		}
		for _, page := range full {
			if err := oplog.SaveOpPage(ctx, page); err != nil {
				return err
			}
		}
		full = full[:0]
		return nil
	}
	var batch []shotline.StoredOp
	add := func(boardID string) error {
		seqs[boardID]++
		seq := seqs[boardID]
		raw, _ := json.Marshal(fmt.Sprint("t", seq))
		data, err := json.Marshal(board.AppliedOp{Seq: seq, OpID: uuid.NewString(), Actor: ownerID, Op: board.BoardSet{Field: board.BoardTitle, Value: raw}})
		if err != nil {
			return err
		}
		var ao board.AppliedOp
		if err := json.Unmarshal(data, &ao); err != nil {
			return err
		}
		so := shotline.StoredOp{BoardID: boardID, Seq: seq, OpID: ao.OpID, ActorID: ownerID, Op: data, CreatedAt: time.Now().UTC()}
		batch = append(batch, so)
		if filling[boardID] = append(filling[boardID], so); len(filling[boardID]) == shotline.OpPageSize {
			full, filling[boardID] = append(full, filling[boardID]), nil
		}
		if len(batch) == 100 {
			err, batch = appendOps(batch), batch[:0]
			return err
		}
		return nil
	}
	for i := range c.ops {
		if err := add(w.boards[i%len(w.boards)]); err != nil {
			return nil, err
		}
	}
	for range c.deep {
		for _, b := range w.deep {
			if err := add(b); err != nil {
				return nil, err
			}
		}
	}
	if len(batch) > 0 {
		if err := appendOps(batch); err != nil {
			return nil, err
		}
	}
	// Each board's latest snapshot, where the app would have saved it.
	for _, id := range w.boards {
		b, err := boards.FindBoardByID(ctx, id)
		if err != nil {
			return nil, err
		}
		at := seqs[id] / int64(c.snapshotEvery) * int64(c.snapshotEvery)
		b.Title = fmt.Sprint("t", at)
		st, err := board.FromBoard(b)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(st.Snapshot())
		if err != nil {
			return nil, err
		}
		if err := oplog.SaveSnapshot(ctx, shotline.BoardSnapshot{BoardID: id, Seq: at, State: data, Head: seqs[id] == 0, CreatedAt: time.Now().UTC()}); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// The world is kept in the database, so that -fill=false can measure again.
func saveWorld(ctx context.Context, db *mongo.DB, w *world) error {
	data, _ := json.Marshal(map[string]any{"projects": w.projects, "boards": w.boards, "deep": w.deep})
	_, err := db.Collection("history_bench").InsertOne(ctx, map[string]any{"_id": "world", "data": string(data)})
	return err
}

func loadWorld(ctx context.Context, db *mongo.DB) (*world, error) {
	var d struct {
		Data string `bson:"data"`
		Used int    `bson:"used"`
	}
	if err := db.Collection("history_bench").FindOne(ctx, map[string]any{"_id": "world"}).Decode(&d); err != nil {
		return nil, fmt.Errorf("no filled history in this database (run with -fill): %w", err)
	}
	var v struct {
		Projects, Boards, Deep []string
	}
	if err := json.Unmarshal([]byte(d.Data), &v); err != nil {
		return nil, err
	}
	return &world{owner: token(0), projects: v.Projects, boards: v.Boards, deep: v.Deep, used: d.Used}, nil
}

// takeBoards sets aside the boards a run opens, edits and kills: cold ones
// for cold opens, ack ones for the live acks, live ones for the kill. They
// come from the end of the boards no earlier run on this history measured,
// and the world records them as used before the run touches them, so that
// a later run on a kept store opens boards as the fill left them (a fresh
// store's first open), not boards an earlier run's acks made ten times
// longer or whose rooms it left with head snapshots.
func takeBoards(ctx context.Context, db *mongo.DB, w *world, samples int) (cold, ack, live []string, err error) {
	unused := w.boards[len(w.deep) : len(w.boards)-w.used]
	const acks, lives = 10, 100
	if len(unused) < samples+acks+1 {
		return nil, nil, nil, fmt.Errorf("earlier runs measured all but %d of this history's %d boards; fill a new one (another -db)", len(unused), len(w.boards))
	}
	take := func(n int) []string {
		taken := unused[len(unused)-n:]
		unused = unused[:len(unused)-n]
		return taken
	}
	cold, ack = take(samples), take(acks)
	live = take(min(lives, len(unused)))
	w.used += len(cold) + len(ack) + len(live)
	_, err = db.Collection("history_bench").UpdateOne(ctx, map[string]any{"_id": "world"}, map[string]any{"$set": map[string]any{"used": w.used}})
	return cold, ack, live, err
}

// app is the shotline process the tool runs.
type app struct {
	c    config
	cmd  *exec.Cmd
	base string
}

func (a *app) start() error {
	a.base = "http://" + a.c.addr
	a.cmd = exec.Command(a.c.appBin)
	a.cmd.Env = append(os.Environ(), "SHOTLINE_MONGO_URI="+a.c.mongoURI, "SHOTLINE_MONGO_DB="+a.c.dbName, "SHOTLINE_ADDR="+a.c.addr, "SHOTLINE_STATIC_DIR=", "SHOTLINE_LOG_LEVEL=warn")
	a.cmd.Stderr = os.Stderr
	if err := a.cmd.Start(); err != nil {
		return err
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(a.base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return nil
			}
		}
	}
	return errors.New("the app did not get ready in 60 s")
}

func (a *app) kill() {
	if a.cmd != nil && a.cmd.Process != nil {
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
		_ = a.cmd.Wait()
	}
}

// call calls a route as the session of token and returns how long it took.
func (a *app) call(method, path, tok string, body any) (time.Duration, error) {
	var rd *strings.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = strings.NewReader(string(data))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.AddCookie(&http.Cookie{Name: "shotline_session", Value: tok})
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	took := time.Since(start)
	if res.StatusCode >= 300 {
		return took, fmt.Errorf("%s %s: status %d", method, path, res.StatusCode)
	}
	return took, nil
}

func measure(ctx context.Context, c config, db *mongo.DB, w *world) error {
	a := &app{c: c}
	if err := a.start(); err != nil {
		return err
	}
	defer a.kill()
	fmt.Printf("\n| measurement (history: %d ops over %d boards + %d on each of two, %d users) | n | p50 | p99 | max |\n|---|---|---|---|---|\n", c.ops, c.boards, c.deep, c.users)
	report := func(name string, d []time.Duration) {
		if len(d) == 0 {
			fmt.Printf("| %s | 0 | | | |\n", name)
			return
		}
		slices.Sort(d)
		q := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
		fmt.Printf("| %s | %d | %v | %v | %v |\n", name, len(d), q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), d[len(d)-1].Round(10*time.Microsecond))
	}
	samples := func(n int, f func(i int) (time.Duration, error)) ([]time.Duration, error) {
		var out []time.Duration
		for i := range n {
			d, err := f(i)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	}

	d, err := samples(c.samples, func(i int) (time.Duration, error) {
		u := (i * 7919) % c.users
		return a.call("POST", "/api/auth/signin", "", map[string]string{"email": fmt.Sprintf("user-%05d@example.com", u), "password": passphrase})
	})
	if err != nil {
		return err
	}
	report("sign-in (argon2id included)", d)
	d, err = samples(c.samples, func(i int) (time.Duration, error) {
		return a.call("GET", "/api/projects/"+w.projects[i%len(w.projects)]+"/boards", w.owner, nil)
	})
	if err != nil {
		return err
	}
	report("GET a project's boards (10 boards)", d)
	cold, ackBoards, live, err := takeBoards(ctx, db, w, c.samples)
	if err != nil {
		return err
	}
	d, err = samples(len(cold), func(i int) (time.Duration, error) {
		return a.call("GET", "/api/boards/"+cold[i], w.owner, nil)
	})
	if err != nil {
		return err
	}
	report("cold board open (GET /api/boards/{id})", d)

	// Live acks with nothing else going on, for comparison with those
	// while boards open below.
	quiet := startAckLoad(ctx, a, w, ackBoards)
	time.Sleep(10 * time.Second)
	report("op ack on 10 live boards, nothing else running (100 ops/s offered)", quiet())

	// 100 boards live at the kill: a socket on each that had an op acked.
	var conns []*liveclient.Conn
	for _, b := range live {
		conn, err := liveclient.Dial(ctx, a.base, w.owner, b)
		if err != nil {
			return err
		}
		conns = append(conns, conn)
		if err := conn.Join(b, nil); err != nil {
			return err
		}
		raw, _ := json.Marshal("live")
		if err := conn.SendOp(uuid.NewString(), 0, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
			return err
		}
	}
	for _, conn := range conns {
		if err := waitAck(conn); err != nil {
			return err
		}
	}
	a.kill()
	for _, conn := range conns {
		_ = conn.Close()
	}
	if err := a.start(); err != nil {
		return err
	}
	acks := startAckLoad(ctx, a, w, ackBoards)
	d, err = samples(len(live), func(i int) (time.Duration, error) { return a.call("GET", "/api/boards/"+live[i], w.owner, nil) })
	if err != nil {
		return err
	}
	report("board open after SIGKILL (each of the 100 live boards, first open)", d)
	for i, behind := range []int64{100, 5000} {
		head, err := mongo.NewOpLog(db).LastSeq(ctx, w.deep[i])
		if err != nil {
			return err
		}
		d, err := resume(ctx, a, w.owner, w.deep[i], head, behind)
		if err != nil {
			return err
		}
		report(fmt.Sprintf("resume %d ops behind (join to caught up, room cold)", behind), []time.Duration{d})
	}
	report("op ack on 10 other live boards meanwhile (100 ops/s offered)", acks())
	return nil
}

func waitAck(conn *liveclient.Conn) error {
	for {
		m, err := conn.Next(30 * time.Second)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case realtime.AckMessage:
			return nil
		case realtime.ErrorMessage:
			return fmt.Errorf("op refused: %s %s", m.Code, m.Message)
		}
	}
}

// resume joins a board whose room is not loaded behind its head by that
// many ops, and times the join until the ops up to the head arrived.
func resume(ctx context.Context, a *app, owner, board string, head, behind int64) (time.Duration, error) {
	conn, err := liveclient.Dial(ctx, a.base, owner, board)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	last := head - behind
	start := time.Now()
	if err := conn.Join(board, &last); err != nil {
		return 0, err
	}
	for {
		m, err := conn.Next(60 * time.Second)
		if err != nil {
			return 0, err
		}
		switch m := m.(type) {
		case realtime.OpsMessage:
			if len(m.Ops) > 0 && m.Ops[len(m.Ops)-1].Seq >= head {
				if int64(len(m.Ops)) != behind {
					return 0, fmt.Errorf("resume %d behind got %d ops", behind, len(m.Ops))
				}
				return time.Since(start), nil
			}
		case realtime.SnapshotMessage:
			return 0, fmt.Errorf("resume %d behind got a snapshot, not the ops", behind)
		}
	}
}

// startAckLoad sends 10 ops/s on each board through its own socket and
// records each op's ack latency until the returned func is called.
func startAckLoad(ctx context.Context, a *app, w *world, boards []string) func() []time.Duration {
	var mu sync.Mutex
	var lat []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, b := range boards {
		conn, err := liveclient.Dial(ctx, a.base, w.owner, b)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ack load:", err)
			continue
		}
		if err := conn.Join(b, nil); err != nil {
			continue
		}
		sent := sync.Map{}
		// The confirmed seq, sent as each op's baseSeq as a client does (a
		// base older than the room's memory would make it look the op up).
		var seq atomic.Int64
		// Like a client, the load sends ops once the join is answered (it
		// measured the room's load as well until 2026-12-05: a board's
		// first op, sent before, waited for it).
		joined := make(chan struct{})
		markJoined := sync.OnceFunc(func() { close(joined) })
		wg.Add(2)
		go func() {
			defer wg.Done()
			select {
			case <-joined:
			case <-stop:
				return
			}
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				id := uuid.NewString()
				raw, _ := json.Marshal("ack " + id[:8])
				sent.Store(id, time.Now())
				if conn.SendOp(id, seq.Load(), board.BoardSet{Field: board.BoardTitle, Value: raw}) != nil {
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			defer conn.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				m, err := conn.Next(2 * time.Second)
				if err != nil {
					if strings.Contains(err.Error(), "timeout") {
						continue
					}
					return
				}
				switch m := m.(type) {
				case realtime.SnapshotMessage:
					seq.Store(m.Seq)
					markJoined()
				case realtime.AppliedMessage:
					seq.Store(max(seq.Load(), m.Seq))
				case realtime.AckMessage:
					seq.Store(max(seq.Load(), m.Seq))
					if at, ok := sent.LoadAndDelete(m.OpID); ok {
						mu.Lock()
						lat = append(lat, time.Since(at.(time.Time)))
						mu.Unlock()
					}
				}
			}
		}()
	}
	return func() []time.Duration {
		close(stop)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return lat
	}
}
