package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// TestOpeningABoardAfterACrashReadsOnlyItsOwnHistory stores a history far
// larger than one board's, "crashes" (a second hub opens the board while
// the first never shut down, so nothing was saved at unload), and counts
// what opening the board reads: only its snapshot and the ops after it,
// each by _id, whatever else the op log holds.
func TestOpeningABoardAfterACrashReadsOnlyItsOwnHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 50,000 ops")
	}
	const otherBoards, otherOps, snapshotEvery, ours = 500, 50_000, 100, 250
	e := newEnv(t, realtime.Config{SnapshotEvery: snapshotEvery})
	ctx := context.Background()

	// Everyone else's history, as the committer writes it: 100 ops per
	// insert, one op for each of 100 boards.
	op := []byte(`{"kind":"board.set","field":"title","value":"x"}`)
	seqs := make([]int64, otherBoards)
	for n := 0; n < otherOps; n += 100 {
		batch := make([]shotline.StoredOp, 0, 100)
		for i := n; i < n+100; i++ {
			b := i % otherBoards
			seqs[b]++
			batch = append(batch, shotline.StoredOp{BoardID: fmt.Sprintf("other-%03d", b), Seq: seqs[b], OpID: fmt.Sprintf("o-%d", i), ActorID: "u", Op: op, CreatedAt: time.Now()})
		}
		if err := e.log.AppendOps(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// Our board's: snapshots at 100 and 200, then 50 more ops.
	for i := 1; i <= ours; i++ {
		raw, _ := json.Marshal(fmt.Sprint("title ", i))
		if _, err := e.hub.Apply(ctx, e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if s, err := e.log.FindSnapshot(ctx, e.board.ID); err == nil && s.Seq == 200 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no snapshot at seq 200: %+v, %v", s, err)
		}
	}

	// The room stored its first two full pages of ops: reading them back
	// takes one lookup each, no op lookups.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		e.audit.Reset()
		got, err := e.log.OpsSince(ctx, e.board.ID, 0, 200)
		if err != nil || len(got) != 200 {
			t.Fatalf("OpsSince(0, 200): %d ops, %v", len(got), err)
		}
		if c := e.audit.Commands(); c["find board_ops"] == 0 && c["find board_op_pages"] == 2 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("reading the first 200 ops took %v: the room did not store their pages", c)
		}
	}

	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	// The restarted app: its own connection, whose every command is seen.
	audit := mongo.NewQueryAudit()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, e.dbName, audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	restarted := realtime.NewHub(mongo.NewBoardService(db), mongo.NewOpLog(db), mongo.NewVersionStore(db), en, realtime.Config{SnapshotEvery: snapshotEvery}, slog.New(slog.NewTextHandler(testLog{t}, nil)))
	t.Cleanup(func() { _ = restarted.Shutdown(context.Background()) })
	raw, _ := json.Marshal("after the crash")
	seq, err := restarted.Apply(ctx, e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw})
	if err != nil {
		t.Fatal(err)
	}
	if seq != ours+1 {
		t.Fatalf("the reopened board's next op got seq %d, want %d: an op was lost or doubled", seq, ours+1)
	}
	for _, q := range audit.Unbounded() {
		t.Errorf("opening the board read a whole collection: %s", q)
	}
	// The board, its snapshot and the 50 ops after it; the lookups past
	// the last op find nothing.
	if got, want := audit.Returned(), 2+ours-200; got != want {
		t.Errorf("opening the board read %d documents, want %d (the op log holds %d)", got, want, otherOps+ours)
	}
	// Opening writes nothing of the op log; the one insert is the new op.
	if c := audit.Commands(); c["insert board_ops"] != 1 {
		t.Errorf("opening the board and applying one op wrote ops %d times (%v), want once", c["insert board_ops"], c)
	}
	t.Logf("opening the board: %d documents read (%v) in %v commands", audit.Returned(), audit.ReturnedBy(), audit.Commands())
}

// testLog writes log lines to the test's log, shown when it fails.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(string(p))
	return len(p), nil
}
