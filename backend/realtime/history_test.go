package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	// The board, its snapshot, the 50 ops after it, and the last one's op
	// id and op again (checking that its op id is indexed); the lookups
	// past the last op find nothing.
	if got, want := audit.Returned(), 2+ours-200+2; got != want {
		t.Errorf("opening the board read %d documents, want %d (the op log holds %d)", got, want, otherOps+ours)
	}
	// Opening writes nothing of the op log: the op ids of the ops replayed
	// are indexed already (the last one's says so); the one insert indexes
	// the new op's.
	if c := audit.Commands(); c["insert board_op_ids"] != 1 || c["update board_op_ids"] != 0 {
		t.Errorf("opening the board and applying one op wrote op ids %d times (%v), want once", c["insert board_op_ids"]+c["update board_op_ids"], c)
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

// TestAnOpStoredButNotIndexedIsFoundAfterACrash: a group commit writes its
// ops, then their op ids (two inserts), so a crash between the two leaves
// a board's newest ops unindexed. The room that opens the board next finds
// its last op unindexed and indexes what it replays: a client re-sending
// one of those ops is still acknowledged, not applied twice.
func TestAnOpStoredButNotIndexedIsFoundAfterACrash(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		raw, _ := json.Marshal(fmt.Sprint("title ", i))
		if _, err := e.hub.Apply(ctx, e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := e.log.OpsSince(ctx, e.board.ID, 0, 10)
	if err != nil || len(stored) != 5 {
		t.Fatalf("%d ops stored, %v", len(stored), err)
	}
	// The crash: the last three ops' ids never reached the index
	// (board_op_ids, _id "board/opId", docs/storage.md).
	client, err := driver.Connect(options.Client().ApplyURI(testenv.Get(t).MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	for _, o := range stored[2:] {
		r, err := client.Database(e.dbName).Collection("board_op_ids").DeleteOne(ctx, bson.D{{Key: "_id", Value: o.BoardID + "/" + o.OpID}})
		if err != nil || r.DeletedCount != 1 {
			t.Fatalf("delete the op id of %d: %+v, %v", o.Seq, r, err)
		}
	}
	fresh := func() *mongo.OpLog { return mongo.NewOpLog(e.db) }
	if _, err := fresh().FindOpByOpID(ctx, e.board.ID, stored[4].OpID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("the deleted op id is still found: %v", err)
	}

	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	restarted := realtime.NewHub(mongo.NewBoardService(e.db), fresh(), mongo.NewVersionStore(e.db), en, realtime.Config{}, slog.New(slog.NewTextHandler(testLog{t}, nil)))
	t.Cleanup(func() { _ = restarted.Shutdown(context.Background()) })
	raw, _ := json.Marshal("after the crash")
	if _, err := restarted.Apply(ctx, e.board.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
		t.Fatal(err)
	}
	for _, o := range stored {
		got, err := fresh().FindOpByOpID(ctx, e.board.ID, o.OpID)
		if err != nil || got.Seq != o.Seq {
			t.Errorf("op %d (%s) after the board was opened again: %+v, %v", o.Seq, o.OpID, got, err)
		}
	}
}
