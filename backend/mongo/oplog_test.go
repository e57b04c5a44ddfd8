package mongo_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func ops(board string, from, to int64) []shotline.StoredOp {
	var out []shotline.StoredOp
	for s := from; s <= to; s++ {
		out = append(out, shotline.StoredOp{BoardID: board, Seq: s, OpID: fmt.Sprintf("op-%d", s), ActorID: "u", Op: []byte(fmt.Sprintf(`{"n":%d}`, s)), CreatedAt: time.Now()})
	}
	return out
}

func TestOpLog(t *testing.T) {
	l := mongo.NewOpLog(openDB(t))
	ctx := context.Background()
	if seq, err := l.LastSeq(ctx, "b1"); err != nil || seq != 0 {
		t.Fatalf("LastSeq of an empty board = %d, %v", seq, err)
	}
	if err := l.AppendOps(ctx, ops("b1", 1, 5)); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendOps(ctx, ops("b2", 1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendOps(ctx, ops("b1", 5, 6)); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Errorf("re-append of seq 5: %v, want ECONFLICT", err)
	}
	dupOpID := ops("b1", 7, 7)
	dupOpID[0].OpID = "op-3"
	if err := l.AppendOps(ctx, dupOpID); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Errorf("re-used op id: %v, want ECONFLICT", err)
	}
	got, err := l.OpsSince(ctx, "b1", 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 || string(got[0].Op) != `{"n":3}` {
		t.Fatalf("OpsSince(2) = %+v", got)
	}
	if got, _ := l.OpsSince(ctx, "b1", 0, 2); len(got) != 2 || got[1].Seq != 2 {
		t.Errorf("limit not honoured: %+v", got)
	}
	if seq, _ := l.LastSeq(ctx, "b1"); seq != 5 {
		t.Errorf("LastSeq = %d, want 5", seq)
	}
	op, err := l.FindOpByOpID(ctx, "b1", "op-4")
	if err != nil || op.Seq != 4 {
		t.Errorf("FindOpByOpID = %+v, %v", op, err)
	}
	if _, err := l.FindOpByOpID(ctx, "b2", "op-4"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("op id of another board: %v", err)
	}
}

// TestOpLogOneWriterPerSeq races two writers for the same sequence numbers:
// the unique (board, seq) index must let exactly one of them win each.
func TestOpLogOneWriterPerSeq(t *testing.T) {
	l := mongo.NewOpLog(openDB(t))
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	wins := make([]int, 2)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for s := int64(1); s <= n; s++ {
				o := ops("race", s, s)
				o[0].OpID = fmt.Sprintf("w%d-%d", w, s)
				if err := l.AppendOps(ctx, o); err == nil {
					wins[w]++
				} else if shotline.ErrorCode(err) != shotline.ECONFLICT {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	if wins[0]+wins[1] != n {
		t.Fatalf("writers won %d and %d of %d sequence numbers", wins[0], wins[1], n)
	}
	all, err := l.OpsSince(ctx, "race", 0, 1000)
	if err != nil || len(all) != n {
		t.Fatalf("%d ops stored (%v), want %d", len(all), err, n)
	}
}

func TestSnapshotsOnlyMoveForward(t *testing.T) {
	l := mongo.NewOpLog(openDB(t))
	ctx := context.Background()
	if _, err := l.FindSnapshot(ctx, "b"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("missing snapshot: %v", err)
	}
	for _, seq := range []int64{10, 30, 20} {
		if err := l.SaveSnapshot(ctx, shotline.BoardSnapshot{BoardID: "b", Seq: seq, State: []byte(fmt.Sprint(seq)), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := l.FindSnapshot(ctx, "b")
	if err != nil || s.Seq != 30 || string(s.State) != "30" {
		t.Fatalf("snapshot = %+v, %v; want seq 30", s, err)
	}
}

func TestSnapshotHeadMark(t *testing.T) {
	l := mongo.NewOpLog(openDB(t))
	ctx := context.Background()
	save := func(seq int64, head bool) {
		t.Helper()
		if err := l.SaveSnapshot(ctx, shotline.BoardSnapshot{BoardID: "b", Seq: seq, State: []byte("{}"), Head: head, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	head := func() bool {
		t.Helper()
		s, err := l.FindSnapshot(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		return s.Head
	}
	if err := l.ClearHead(ctx, "b"); err != nil { // no snapshot yet: nothing to do
		t.Fatal(err)
	}
	save(10, false)
	save(10, true) // the same seq, now marked as the head (a room unloading)
	if !head() {
		t.Fatal("a snapshot saved as the head at the same seq is not marked")
	}
	if err := l.ClearHead(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if head() {
		t.Fatal("ClearHead left the mark")
	}
	save(20, true)
	save(15, false) // older: ignored, the mark stays
	if !head() {
		t.Fatal("an older snapshot replaced the head")
	}
}

// AppendOps stores a prefix of its ops when one conflicts, however many
// they are: nothing after the conflicting op lands (the driver splits
// large writes into several commands and would otherwise send the later
// ones).
func TestAppendOpsStoresAPrefixOnConflict(t *testing.T) {
	l := mongo.NewOpLog(openDB(t))
	ctx := context.Background()
	if err := l.AppendOps(ctx, ops("b", 150, 150)); err != nil {
		t.Fatal(err)
	}
	err := l.AppendOps(ctx, ops("b", 1, 400))
	if shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("AppendOps over a stored seq: %v, want ECONFLICT", err)
	}
	if n, ok := shotline.StoredBefore(err); !ok || n != 149 {
		t.Fatalf("StoredBefore = %d, %v; want the 149 ops before the conflict", n, ok)
	}
	stored, err := l.OpsSince(ctx, "b", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range stored {
		if o.Seq != int64(i+1) {
			t.Fatalf("stored seqs are not a prefix plus the conflicting op: %d at index %d (of %d)", o.Seq, i, len(stored))
		}
	}
	if len(stored) != 150 {
		t.Fatalf("%d ops stored, want 150 (149 before the conflict and the one it hit)", len(stored))
	}
}

// TestOpLogMigratesOpsOfEarlierVersions: ops stored before this version
// have "board:seq" string ids (the first versions) or ObjectIDs (a few days
// in November 2026), and no op id index. After Migrate they read, count
// and are found by op id like any other.
func TestOpLogMigratesOpsOfEarlierVersions(t *testing.T) {
	ctx := context.Background()
	name := testenv.Database(t)
	client, err := driver.Connect(options.Client().ApplyURI(testenv.Get(t).MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	legacy := func(seq int64) bson.D {
		return bson.D{{Key: "boardId", Value: "old"}, {Key: "seq", Value: seq}, {Key: "opId", Value: fmt.Sprintf("op-%d", seq)},
			{Key: "actorId", Value: "u"}, {Key: "op", Value: fmt.Sprintf(`{"n":%d}`, seq)}, {Key: "createdAt", Value: time.Now()}}
	}
	stringID := append(bson.D{{Key: "_id", Value: "old:00000000000000000001"}}, legacy(1)...)
	objectID := legacy(2) // the driver adds an ObjectID
	if _, err := client.Database(name).Collection("board_ops").InsertMany(ctx, []any{stringID, objectID}); err != nil {
		t.Fatal(err)
	}
	l := mongo.NewOpLog(openNamedDB(t, name))
	if err := l.AppendOps(ctx, ops("old", 2, 2)); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("append over a migrated op: %v, want ECONFLICT", err)
	}
	if err := l.AppendOps(ctx, ops("old", 3, 4)); err != nil {
		t.Fatal(err)
	}
	got, err := l.OpsSince(ctx, "old", 0, 10)
	if err != nil || len(got) != 4 || string(got[0].Op) != `{"n":1}` || string(got[1].Op) != `{"n":2}` || got[3].Seq != 4 {
		t.Fatalf("OpsSince = %+v, %v", got, err)
	}
	for seq := int64(1); seq <= 2; seq++ {
		if op, err := l.FindOpByOpID(ctx, "old", fmt.Sprintf("op-%d", seq)); err != nil || op.Seq != seq {
			t.Errorf("FindOpByOpID of migrated op %d = %+v, %v", seq, op, err)
		}
	}
	if n, err := client.Database(name).Collection("board_ops").CountDocuments(ctx, bson.D{}); err != nil || n != 4 {
		t.Errorf("board_ops holds %d documents (%v), want 4: one per op", n, err)
	}
}

// A page of ops is read back in one lookup; ops not in a page one by one;
// together they read like the ops they hold.
func TestOpPages(t *testing.T) {
	ctx := context.Background()
	audit := mongo.NewQueryAudit()
	name := testenv.Database(t)
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, name, audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	l := mongo.NewOpLog(db)
	all := ops("b", 1, 250)
	if err := l.AppendOps(ctx, all); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]shotline.StoredOp{all[:99], all[1:101], append(append([]shotline.StoredOp(nil), all[:99]...), ops("c", 100, 100)...)} {
		if err := l.SaveOpPage(ctx, bad); shotline.ErrorCode(err) != shotline.EINVALID {
			t.Errorf("SaveOpPage of %d ops from %d: %v, want EINVALID", len(bad), bad[0].Seq, err)
		}
	}
	for _, page := range [][]shotline.StoredOp{all[:100], all[100:200], all[100:200]} { // the second page twice
		if err := l.SaveOpPage(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	audit.Reset()
	got, err := l.OpsSince(ctx, "b", 49, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 201 {
		t.Fatalf("OpsSince(49) read %d ops, want 201", len(got))
	}
	for i, o := range got {
		want := all[49+i]
		want.CreatedAt = want.CreatedAt.Truncate(time.Millisecond).UTC() // what the store keeps
		if o.Seq != want.Seq || string(o.Op) != string(want.Op) || o.OpID != want.OpID || o.BoardID != "b" ||
			o.ActorID != want.ActorID || !o.CreatedAt.Equal(want.CreatedAt) || o.CreatedAt.Location() != time.UTC {
			t.Fatalf("op %d read as %+v, want %+v", i, o, want)
		}
	}
	// Two pages, a third that is not there, then 50 ops (and the lookups
	// of a window past the last op) one by one.
	by := audit.Commands()
	if by["find board_op_pages"] != 3 || by["find board_ops"] > 50+16 {
		t.Errorf("reading 201 ops took %v, want 3 page lookups and about 50 op lookups", by)
	}
	audit.Reset()
	if got, _ := l.OpsSince(ctx, "b", 120, 10); len(got) != 10 || got[0].Seq != 121 {
		t.Errorf("OpsSince(120, limit 10) = %d ops from %d", len(got), got[0].Seq)
	}
	if by := audit.Commands(); by["find board_op_pages"] != 1 || by["find board_ops"] != 0 {
		t.Errorf("reading 10 ops inside a page took %v, want that page's lookup only", by)
	}

	// A page whose write was lost (a crash) between two that were not:
	// its ops are read one by one, and the pages after it still serve.
	gap := ops("gap", 1, 650)
	if err := l.AppendOps(ctx, gap); err != nil {
		t.Fatal(err)
	}
	for _, page := range [][]shotline.StoredOp{gap[:100], gap[200:300], gap[300:400], gap[400:500], gap[500:600]} {
		if err := l.SaveOpPage(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1000, 150, 420} {
		audit.Reset()
		got, err := l.OpsSince(ctx, "gap", 0, limit)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(limit, len(gap)); len(got) != want {
			t.Fatalf("OpsSince(gap, 0, %d) read %d ops, want %d", limit, len(got), want)
		}
		for i, o := range got {
			if o.Seq != int64(i+1) || o.OpID != gap[i].OpID {
				t.Fatalf("OpsSince(gap, 0, %d): op %d is seq %d (%s), want %d (%s)", limit, i, o.Seq, o.OpID, i+1, gap[i].OpID)
			}
		}
		if by := audit.Commands(); limit == 1000 && (by["find board_ops"] < 150 || by["find board_ops"] > 150+2*16) {
			t.Errorf("reading 650 ops, the second page lost and the last not full, took %v, want about 150 op lookups", by)
		}
	}

	// A page written before pages were one string of JSON (an array of op
	// documents, _id "<board>:p<page>") still reads, and is stored again
	// in the new format as it is read.
	client, err := driver.Connect(options.Client().ApplyURI(testenv.Get(t).MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	old := ops("old", 1, 100)
	if err := l.AppendOps(ctx, old); err != nil {
		t.Fatal(err)
	}
	var docs bson.A
	for _, o := range old {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("old:%020d", o.Seq)}, {Key: "boardId", Value: "old"}, {Key: "seq", Value: o.Seq},
			{Key: "opId", Value: o.OpID}, {Key: "actorId", Value: o.ActorID}, {Key: "op", Value: "was " + string(o.Op)}, {Key: "createdAt", Value: o.CreatedAt}})
	}
	if _, err := client.Database(name).Collection("board_op_pages").InsertOne(ctx, bson.D{{Key: "_id", Value: "old:p0"}, {Key: "ops", Value: docs}}); err != nil {
		t.Fatal(err)
	}
	got, err = l.OpsSince(ctx, "old", 10, 5)
	if err != nil || len(got) != 5 || got[0].Seq != 11 || string(got[0].Op) != `was {"n":11}` || got[0].BoardID != "old" {
		t.Errorf("OpsSince over an old page = %+v, %v; want 5 ops from 11, read from the page", got, err)
	}
	var stored bson.M
	if err := client.Database(name).Collection("board_op_pages").FindOne(ctx, bson.D{{Key: "_id", Value: "old:p0"}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored["data"].(string); !ok || stored["ops"] != nil {
		t.Fatalf("the old page after a read has fields %v, want data (a string) and no ops", slices.Sorted(maps.Keys(stored)))
	}
	again, err := l.OpsSince(ctx, "old", 0, 100)
	if err != nil || len(again) != 100 {
		t.Fatalf("OpsSince over the rewritten page = %d ops, %v; want 100", len(again), err)
	}
	for i, o := range again {
		want := old[i]
		if o.Seq != want.Seq || string(o.Op) != "was "+string(want.Op) || o.OpID != want.OpID || o.ActorID != want.ActorID ||
			!o.CreatedAt.Equal(want.CreatedAt.Truncate(time.Millisecond)) {
			t.Fatalf("op %d of the rewritten page is %+v, want %+v (op prefixed with \"was \")", i, o, want)
		}
	}
}
