package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// A find by the fields of a unique index is answered through that index:
// the relay finds the _id in SQLite's index and FerretDB reads that one
// document. Any other find reaches FerretDB as sent.
func TestFindByUniqueFieldsUsesTheIndex(t *testing.T) {
	var relay *serializer
	serving = func(s *serializer) { relay = s }
	t.Cleanup(func() { serving = nil })
	dir := t.TempDir()
	c := startLauncher(t, dir)
	ctx := context.Background()
	coll := c.Database("app").Collection("ops")
	unique := mongo.IndexModel{Keys: bson.D{{Key: "boardId", Value: 1}, {Key: "opId", Value: 1}}, Options: options.Index().SetUnique(true)}
	if _, err := coll.Indexes().CreateOne(ctx, unique); err != nil {
		t.Fatal(err)
	}
	var docs []any
	for b := range 20 {
		for s := range 50 {
			docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("b%d:%d", b, s)}, {Key: "boardId", Value: fmt.Sprintf("b%d", b)},
				{Key: "opId", Value: fmt.Sprintf("op-%d-%d", b, s)}, {Key: "seq", Value: s}})
		}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	findOne := func(filter bson.D) (bson.M, error) {
		var got bson.M
		err := coll.FindOne(ctx, filter).Decode(&got)
		return got, err
	}
	// findCounted is findOne, also saying whether the relay answered it
	// through a unique index.
	findCounted := func(filter bson.D) (got bson.M, throughIndex bool, err error) {
		before := relay.unique.answered.Load()
		got, err = findOne(filter)
		return got, relay.unique.answered.Load() != before, err
	}

	before := relay.unique.answered.Load()
	got, err := findOne(bson.D{{Key: "opId", Value: "op-7-31"}, {Key: "boardId", Value: "b7"}}) // either order
	if err != nil || got["_id"] != "b7:31" || got["seq"] != int32(31) {
		t.Fatalf("find by board and op id = %v, %v; want b7:31", got, err)
	}
	if _, err := findOne(bson.D{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: "op-8-31"}}); err != mongo.ErrNoDocuments {
		t.Errorf("find of a pair nothing has: %v, want no document", err)
	}
	if n := relay.unique.answered.Load() - before; n != 2 {
		t.Errorf("%d of the 2 finds by the unique fields went through the index", n)
	}
	plan, err := lookUpPlan(ctx, relay.unique, "app", "ops", []string{"boardId", "opId"})
	if err != nil || !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, "boardId_1_opId_1") {
		t.Errorf("the lookup's plan %q (%v) does not use FerretDB's unique index", plan, err)
	}

	// Not the fields of a unique index, or not only string equalities:
	// FerretDB answers them as sent.
	before = relay.unique.answered.Load()
	for _, f := range []bson.D{
		{{Key: "boardId", Value: "b7"}},
		{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: "op-7-31"}, {Key: "seq", Value: 31}},
		{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: bson.D{{Key: "$in", Value: bson.A{"op-7-31"}}}}},
		{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: "op 7 31"}}, // a space: not an id
	} {
		if _, err := findOne(f); err != nil && err != mongo.ErrNoDocuments {
			t.Fatalf("find %v: %v", f, err)
		}
	}
	if n := relay.unique.answered.Load() - before; n != 0 {
		t.Errorf("%d finds that are not by a unique index's fields were rewritten", n)
	}
	if got, err := findOne(bson.D{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: "op-7-31"}, {Key: "seq", Value: 31}}); err != nil || got["_id"] != "b7:31" {
		t.Errorf("a find FerretDB answers itself = %v, %v", got, err)
	}

	// Once the index is dropped, the find is FerretDB's again; a collection
	// made again under the same name (a new table) is found again.
	if _, err := coll.Indexes().DropOne(ctx, "boardId_1_opId_1"); err != nil {
		t.Fatal(err)
	}
	got, throughIndex, err := findCounted(bson.D{{Key: "boardId", Value: "b7"}, {Key: "opId", Value: "op-7-31"}})
	if err != nil || got["_id"] != "b7:31" {
		t.Errorf("find after the index was dropped = %v, %v", got, err)
	}
	if throughIndex {
		t.Errorf("a find was answered through an index that was dropped")
	}
	if err := coll.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, unique); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "again"}, {Key: "boardId", Value: "b1"}, {Key: "opId", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	got, throughIndex, err = findCounted(bson.D{{Key: "boardId", Value: "b1"}, {Key: "opId", Value: "x"}})
	if err != nil || got["_id"] != "again" {
		t.Errorf("find in the collection made again = %v, %v", got, err)
	}
	if !throughIndex {
		t.Errorf("the collection made again was not found through its index")
	}
}

// lookUpPlan returns SQLite's plan for the finder's lookup on collection's
// table by fields.
func lookUpPlan(ctx context.Context, u *uniqueFinder, database, collection string, fields []string) (string, error) {
	ix, err := u.indexesOf(ctx, database, collection)
	if err != nil {
		return "", err
	}
	db, err := u.files.open(database)
	if err != nil {
		return "", err
	}
	q, args := lookUpStatement(ix.table, fields, make([]string, len(fields)))
	return queryPlanOf(ctx, db, q, args...)
}
