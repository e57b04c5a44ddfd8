package testenv_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/testenv"
)

// member is an array element as the backend writes it: a struct or bson.D,
// whose field order is fixed (a bson.M's is not).
func member(userID, role string) bson.D {
	return bson.D{{Key: "userId", Value: userID}, {Key: "role", Value: role}}
}

type workspace struct {
	N       int
	Tags    []string
	Members []struct {
		UserID string `bson:"userId"`
		Role   string
	}
}

// TestFerretDBSupports pins down the MongoDB features that work the same on
// FerretDB 1.24 (SQLite) as on MongoDB, so the backend can rely on them in
// both places and a FerretDB upgrade that breaks one is caught here.
//
// Measured NOT to work on FerretDB 1.24 (avoid them, or the tests that run on
// FerretDB will not match production):
//   - $elemMatch with field conditions on arrays of documents
//     ({"members": {"$elemMatch": {"userId": "y", "role": "owner"}}}): error
//     "unknown operator". $elemMatch with operators on scalars works.
//   - positional updates ("members.$.role"): error; arrayFilters
//     ("members.$[m].role"): NotImplemented. Numeric paths ("members.0.role")
//     work: read, find the index, write with a filter that checks the element.
//   - $pull with a condition ($in, $gt, or a partial document): matches but
//     silently removes nothing. $pull of an exact value, or of a whole
//     document with its fields in the stored order (MongoDB ignores the
//     order; Go structs keep it fixed), and $pullAll work.
//   - $push with $slice: $slice silently ignored ($each works).
//   - equality with a whole embedded document inside an array: matches nothing.
//   - unique indexes treat a missing field as distinct (MongoDB treats it as
//     null and refuses the second document without the field).
//   - partial indexes, TTL indexes, transactions, change streams.
func TestFerretDBSupports(t *testing.T) {
	ctx := context.Background()
	db := connect(t).Database(testenv.Database(t))

	seed := func(t *testing.T) *mongo.Collection {
		t.Helper()
		c := db.Collection(t.Name()[len("TestFerretDBSupports/"):])
		_, err := c.InsertMany(ctx, []any{
			bson.M{"_id": "w1", "n": 1, "tags": bson.A{"a", "b"}, "scores": bson.A{1, 5, 9},
				"members": bson.A{member("x", "editor"), member("y", "viewer")}},
			bson.M{"_id": "w2", "n": 1, "members": bson.A{member("y", "owner")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	get := func(t *testing.T, c *mongo.Collection, id string) workspace {
		t.Helper()
		var doc workspace
		if err := c.FindOne(ctx, bson.M{"_id": id}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	count := func(t *testing.T, c *mongo.Collection, filter any) int64 {
		t.Helper()
		n, err := c.CountDocuments(ctx, filter)
		if err != nil {
			t.Fatalf("count %v: %v", filter, err)
		}
		return n
	}

	t.Run("query_on_a_field_of_array_elements", func(t *testing.T) {
		c := seed(t)
		if got, want := count(t, c, bson.M{"members.userId": "x"}), int64(1); got != want {
			t.Errorf("members.userId=x matches %d documents, want %d", got, want)
		}
		if got, want := count(t, c, bson.M{"members.userId": "y"}), int64(2); got != want {
			t.Errorf("members.userId=y matches %d documents, want %d", got, want)
		}
	})
	t.Run("elemMatch_on_scalars", func(t *testing.T) {
		c := seed(t)
		if got, want := count(t, c, bson.M{"scores": bson.M{"$elemMatch": bson.M{"$gt": 4, "$lt": 6}}}), int64(1); got != want {
			t.Errorf("matches %d, want %d", got, want)
		}
	})
	t.Run("update_by_array_index", func(t *testing.T) {
		c := seed(t)
		res, err := c.UpdateOne(ctx, bson.M{"_id": "w1", "members.1.userId": "y"}, bson.M{"$set": bson.M{"members.1.role": "admin"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ModifiedCount != 1 {
			t.Fatalf("modified %d", res.ModifiedCount)
		}
		if got, want := get(t, c, "w1").Members[1].Role, "admin"; got != want {
			t.Errorf("role = %v, want %v", got, want)
		}
	})
	t.Run("unique_compound_index", func(t *testing.T) {
		c := db.Collection("ops")
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "board", Value: 1}, {Key: "seq", Value: 1}},
			Options: options.Index().SetUnique(true)}); err != nil {
			t.Fatal(err)
		}
		for _, d := range []bson.M{{"board": "b", "seq": 1}, {"board": "b", "seq": 2}, {"board": "c", "seq": 1}} {
			if _, err := c.InsertOne(ctx, d); err != nil {
				t.Fatalf("insert %v: %v", d, err)
			}
		}
		_, err := c.InsertOne(ctx, bson.M{"board": "b", "seq": 1})
		if !mongo.IsDuplicateKeyError(err) {
			t.Errorf("second (b, 1): err = %v, want a duplicate key error", err)
		}
	})
	t.Run("findOneAndUpdate_upsert_inc_setOnInsert", func(t *testing.T) {
		c := db.Collection("jobs")
		opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
		for i, want := range []int32{1, 2} {
			var doc struct {
				N     int32
				State string
			}
			err := c.FindOneAndUpdate(ctx, bson.M{"_id": "j1"},
				bson.M{"$inc": bson.M{"n": 1}, "$setOnInsert": bson.M{"state": "queued"}}, opts).Decode(&doc)
			if err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
			if doc.N != want || doc.State != "queued" {
				t.Errorf("call %d: got %+v, want n=%d state=queued", i+1, doc, want)
			}
		}
	})
	t.Run("findOneAndUpdate_claims_with_sort", func(t *testing.T) {
		c := db.Collection("queue")
		if _, err := c.InsertMany(ctx, []any{bson.M{"_id": "late", "at": 2, "state": "queued"}, bson.M{"_id": "early", "at": 1, "state": "queued"}}); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID string `bson:"_id"`
		}
		err := c.FindOneAndUpdate(ctx, bson.M{"state": "queued"}, bson.M{"$set": bson.M{"state": "running"}},
			options.FindOneAndUpdate().SetSort(bson.D{{Key: "at", Value: 1}})).Decode(&doc)
		if err != nil {
			t.Fatal(err)
		}
		if doc.ID != "early" {
			t.Errorf("claimed %q, want early", doc.ID)
		}
	})
	t.Run("compare_and_set_with_inc", func(t *testing.T) {
		c := seed(t)
		res, err := c.UpdateOne(ctx, bson.M{"_id": "w1", "n": 1}, bson.M{"$inc": bson.M{"n": 1}})
		if err != nil || res.ModifiedCount != 1 {
			t.Fatalf("first: %+v %v", res, err)
		}
		res, err = c.UpdateOne(ctx, bson.M{"_id": "w1", "n": 1}, bson.M{"$inc": bson.M{"n": 1}})
		if err != nil || res.MatchedCount != 0 {
			t.Fatalf("stale version matched: %+v %v", res, err)
		}
	})
	t.Run("push_and_pull", func(t *testing.T) {
		c := seed(t)
		updates := []bson.M{
			{"$push": bson.M{"members": member("z", "viewer")}},
			{"$push": bson.M{"tags": bson.M{"$each": bson.A{"c", "d"}}}},
			{"$pull": bson.M{"members": member("y", "viewer")}}, // the whole element, same field order
			{"$pull": bson.M{"tags": "a"}},
			{"$pullAll": bson.M{"tags": bson.A{"c"}}},
			{"$addToSet": bson.M{"tags": "b"}},
		}
		for _, u := range updates {
			if res, err := c.UpdateOne(ctx, bson.M{"_id": "w1"}, u); err != nil || res.MatchedCount != 1 {
				t.Fatalf("%v: %+v %v", u, res, err)
			}
		}
		doc := get(t, c, "w1")
		var users []string
		for _, m := range doc.Members {
			users = append(users, m.UserID)
		}
		if got, want := users, []string{"x", "z"}; !slices.Equal(got, want) {
			t.Errorf("members = %v, want %v", got, want)
		}
		if got, want := doc.Tags, []string{"b", "d"}; !slices.Equal(got, want) {
			t.Errorf("tags = %v, want %v", got, want)
		}
	})
}

// TestSingleDocumentWritesAreAtomic checks what MongoDB guarantees and
// FerretDB 1.24 alone does not (it runs a write as a query followed by
// separate writes): concurrent writes to one document lose nothing. The
// launcher in scripts/ferretdb restores this by serializing requests.
func TestSingleDocumentWritesAreAtomic(t *testing.T) {
	ctx := context.Background()
	db := connect(t).Database(testenv.Database(t))
	const workers, each = 8, 10
	parallel := func(t *testing.T, f func() error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				if err := f(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	t.Run("inc", func(t *testing.T) {
		c := db.Collection("counters")
		if _, err := c.InsertOne(ctx, bson.M{"_id": "c", "n": 0}); err != nil {
			t.Fatal(err)
		}
		parallel(t, func() error {
			for range each {
				if _, err := c.UpdateOne(ctx, bson.M{"_id": "c"}, bson.M{"$inc": bson.M{"n": 1}}); err != nil {
					return err
				}
			}
			return nil
		})
		var got struct{ N int }
		if err := c.FindOne(ctx, bson.M{"_id": "c"}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if want := workers * each; got.N != want {
			t.Errorf("n = %d after %d concurrent $inc, want %d", got.N, want, want)
		}
	})
	t.Run("compare_and_set", func(t *testing.T) {
		c := db.Collection("versions")
		if _, err := c.InsertOne(ctx, bson.M{"_id": "d", "version": 0}); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int64
		parallel(t, func() error {
			for range each {
				for {
					var cur struct{ Version int }
					if err := c.FindOne(ctx, bson.M{"_id": "d"}).Decode(&cur); err != nil {
						return err
					}
					res, err := c.ReplaceOne(ctx, bson.M{"_id": "d", "version": cur.Version}, bson.M{"version": cur.Version + 1})
					if err != nil {
						return err
					}
					if res.MatchedCount == 1 {
						wins.Add(1)
						break
					}
				}
			}
			return nil
		})
		var got struct{ Version int64 }
		if err := c.FindOne(ctx, bson.M{"_id": "d"}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Version != wins.Load() {
			t.Errorf("version = %d after %d successful compare-and-sets: some overwrote others", got.Version, wins.Load())
		}
	})
	t.Run("claim", func(t *testing.T) {
		c := db.Collection("claims")
		const jobs = 40
		for i := range jobs {
			if _, err := c.InsertOne(ctx, bson.M{"i": i, "state": "queued"}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		claimed := map[bson.ObjectID]int{}
		parallel(t, func() error {
			for {
				var job struct {
					ID bson.ObjectID `bson:"_id"`
				}
				err := c.FindOneAndUpdate(ctx, bson.M{"state": "queued"}, bson.M{"$set": bson.M{"state": "running"}},
					options.FindOneAndUpdate().SetSort(bson.D{{Key: "i", Value: 1}})).Decode(&job)
				if errors.Is(err, mongo.ErrNoDocuments) {
					return nil
				}
				if err != nil {
					return err
				}
				mu.Lock()
				claimed[job.ID]++
				mu.Unlock()
			}
		})
		if len(claimed) != jobs {
			t.Errorf("%d of %d jobs claimed", len(claimed), jobs)
		}
		for id, n := range claimed {
			if n > 1 {
				t.Errorf("job %s claimed %d times", id.Hex(), n)
			}
		}
	})
}
