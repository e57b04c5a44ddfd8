package main

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// startLauncher runs the serialized launcher on dir and returns a client
// connected through it; everything stops when the test ends.
func startLauncher(t *testing.T, dir string) *mongo.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/"}).String()
	log := slog.New(slog.DiscardHandler)
	go func() {
		done <- serveSerialized(ctx, log, func() (net.Listener, error) { return ln, nil }, dir, sqliteURL, nil)
	}()
	c, err := mongo.Connect(context.Background(), options.Client().ApplyURI("mongodb://"+addr).SetServerSelectionTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Disconnect(context.Background())
		cancel()
		if err := <-done; err != nil {
			t.Errorf("launcher: %v", err)
		}
	})
	// The relay serves clients only once the existing collections are
	// indexed.
	if err := c.Ping(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// queryPlan returns SQLite's plan for the statement FerretDB runs for a
// find by _id on the collection's table.
func queryPlan(t *testing.T, dir, database, collection string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, database+".sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM "_ferretdb_collections" WHERE name = ?`, collection).Scan(&table); err != nil {
		t.Fatalf("table of %s: %v", collection, err)
	}
	// The statement of FerretDB 1.24's sqlite backend (collection.go, Query).
	plan, err := queryPlanOf(context.Background(), db, `SELECT _ferretdb_sjson FROM "`+table+`" WHERE `+idIndexSQL+` = ?`, `"x"`)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func insertSome(t *testing.T, c *mongo.Client, database, collection string) {
	t.Helper()
	coll := c.Database(database).Collection(collection)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := coll.InsertOne(context.Background(), bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	var got bson.M
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: "b"}}).Decode(&got); err != nil || got["_id"] != "b" {
		t.Fatalf("find b: %v %v", got, err)
	}
}

func wantIndexed(t *testing.T, plan string) {
	t.Helper()
	if !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, "_shotline_id") {
		t.Errorf("a find by _id does not use the launcher's index: plan %q", plan)
	}
}

func TestFindByIDUsesAnIndexInEveryNewCollection(t *testing.T) {
	dir := t.TempDir()
	c := startLauncher(t, dir)
	ctx := context.Background()
	insertSome(t, c, "app", "ops")                                          // created by an insert
	if err := c.Database("app").CreateCollection(ctx, "made"); err != nil { // by create
		t.Fatal(err)
	}
	_, err := c.Database("app").Collection("indexed").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "n", Value: 1}}})
	if err != nil { // by createIndexes
		t.Fatal(err)
	}
	_, err = c.Database("app").Collection("upserted").UpdateOne(ctx, bson.D{{Key: "_id", Value: "u"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: 2}}}}, options.Update().SetUpsert(true))
	if err != nil { // by an upsert
		t.Fatal(err)
	}
	for _, coll := range []string{"ops", "made", "indexed", "upserted"} {
		t.Run(coll, func(t *testing.T) { wantIndexed(t, queryPlan(t, dir, "app", coll)) })
	}

	// Dropped and made again: a new table, indexed again.
	if err := c.Database("app").Collection("ops").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	insertSome(t, c, "app", "ops")
	wantIndexed(t, queryPlan(t, dir, "app", "ops"))
	if err := c.Database("app").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	insertSome(t, c, "app", "ops")
	wantIndexed(t, queryPlan(t, dir, "app", "ops"))
}

func TestCollectionsOfAnOlderLauncherAreIndexedAtStart(t *testing.T) {
	dir := t.TempDir()
	// A plain FerretDB (no relay, no indexer) makes the collection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	f, err := newFerretDB(slog.New(slog.DiscardHandler), ferretdb.ListenerConfig{TCP: addr}, (&url.URL{Scheme: "file", Path: dir + "/"}).String())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = f.Run(ctx); close(stopped) }()
	c, err := mongo.Connect(context.Background(), options.Client().ApplyURI("mongodb://"+addr).SetServerSelectionTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	insertSome(t, c, "app", "old")
	_ = c.Disconnect(context.Background())
	cancel()
	<-stopped
	if plan := queryPlan(t, dir, "app", "old"); strings.Contains(plan, "_shotline_id") {
		t.Fatalf("plain FerretDB already has the index: %q", plan)
	}

	startLauncher(t, dir)
	wantIndexed(t, queryPlan(t, dir, "app", "old"))
}
