package main

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// countingLock is a sync.Locker that counts how often it was taken.
type countingLock struct {
	sync.Mutex
	taken int
}

func (l *countingLock) Lock() { l.Mutex.Lock(); l.taken++ }

// writePages inserts n documents of about a page each.
func writePages(t *testing.T, coll *mongo.Collection, from, n int) {
	t.Helper()
	body := strings.Repeat("x", 4000)
	docs := make([]any, n)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: from + i}, {Key: "body", Value: body}}
	}
	if _, err := coll.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

// walFrames runs a PASSIVE checkpoint and returns how many frames the
// database's log holds and how many of them are now in the database file.
func walFrames(t *testing.T, db *sql.DB) (frames, copied int) {
	t.Helper()
	var busy int
	if err := db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	return frames, copied
}

// With FerretDB's own checkpoints off, the launcher's copy the log into the
// database file; one that cannot finish (a reader still needs the old
// pages) is finished under the relay's write lock once the log is longer
// than restartFrames, and the log starts again from its beginning at the
// next write once everything is copied.
func TestCheckpointsCopyTheLogAndLetItRestart(t *testing.T) {
	every := checkpointEvery
	checkpointEvery = time.Hour // the test runs the checkpoints itself
	t.Cleanup(func() { checkpointEvery = every })
	dir := t.TempDir()
	c := startLauncher(t, dir)
	coll := c.Database("app").Collection("ops")
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)

	// More than the 1,000 pages at which SQLite would checkpoint by itself.
	writePages(t, coll, 0, 1100)
	ids := newIDIndexer(dir, log)
	defer ids.close()
	lock := &countingLock{}
	ck := &checkpointer{ids: ids, writes: lock, log: log, restartFrames: 200}

	// FerretDB did not checkpoint: the log holds everything written.
	db, err := ids.files.open("app")
	if err != nil {
		t.Fatal(err)
	}
	if frames, _ := walFrames(t, db); frames < 1100 {
		t.Errorf("the log holds %d frames after 1,100 pages were written: FerretDB checkpointed itself", frames)
	}
	writePages(t, coll, 1100, 5) // the log starts again

	// A reader that began now keeps the pages written after it out of the
	// database file.
	reader, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.Join(dir, "app.sqlite"), RawQuery: "mode=ro"}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM "_ferretdb_collections"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	writePages(t, coll, 1105, 300)

	if err := ck.checkpoint(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if lock.taken != 1 {
		t.Errorf("a log of over %d frames that could not be copied whole was finished under the write lock %d times, want 1", ck.restartFrames, lock.taken)
	}
	_ = tx.Rollback()

	if err := ck.checkpoint(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	frames, copied := walFrames(t, db)
	if frames < 300 || copied != frames {
		t.Errorf("after the reader ended: %d of %d frames copied, want all of at least 300", copied, frames)
	}
	if lock.taken != 1 {
		t.Errorf("a checkpoint that copied everything took the write lock (%d times in all)", lock.taken)
	}
	writePages(t, coll, 1405, 5)
	if frames, _ = walFrames(t, db); frames >= 300 {
		t.Errorf("the log did not start again after a complete checkpoint: %d frames", frames)
	}
	if got, err := coll.CountDocuments(ctx, bson.D{}); err != nil || got != 1410 {
		t.Errorf("%d documents stored, want 1,410 (%v)", got, err)
	}
}
