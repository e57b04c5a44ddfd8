package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// With FerretDB's own checkpoints off, the launcher's keep the write-ahead
// log short while writes never stop: without them the log would hold all
// 24 MiB written.
func TestCheckpointsKeepTheLogShortUnderSteadyWrites(t *testing.T) {
	every, frames := checkpointEvery, checkpointRestartFrames
	checkpointEvery, checkpointRestartFrames = 10*time.Millisecond, 256 // 1 MiB
	t.Cleanup(func() { checkpointEvery, checkpointRestartFrames = every, frames })

	dir := t.TempDir()
	c := startLauncher(t, dir)
	coll := c.Database("app").Collection("ops")
	ctx := context.Background()
	body := strings.Repeat("x", 4000) // about a page each
	const n = 6000
	for i := 0; i < n; i += 100 {
		docs := make([]any, 100)
		for j := range docs {
			docs[j] = bson.D{{Key: "_id", Value: i + j}, {Key: "body", Value: body}}
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := os.Stat(filepath.Join(dir, "app.sqlite-wal"))
	if err != nil {
		t.Fatal(err)
	}
	if wal.Size() > 8<<20 {
		t.Errorf("the write-ahead log grew to %d MiB; checkpoints should restart it past 1 MiB", wal.Size()>>20)
	}
	if got, err := coll.CountDocuments(ctx, bson.D{}); err != nil || got != n {
		t.Errorf("%d documents stored, want %d (%v)", got, n, err)
	}
}
