package mongo_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/testenv"
)

// The audit that the HTTP, realtime and mongo tests rely on must tell a
// lookup by _id from everything the local store answers by a scan.
func TestQueryAuditKeepsWhatWouldScan(t *testing.T) {
	ctx := context.Background()
	audit := mongo.NewQueryAudit()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, testenv.Database(t), audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	c := db.Collection("things")
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	oid := bson.NewObjectID()
	for name, tc := range map[string]struct {
		run     func() error
		bounded bool
	}{
		"find by string _id":   {func() error { return c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Err() }, true},
		"find by ObjectID _id": {func() error { _ = c.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Err(); return nil }, true},
		"update by _id": {func() error {
			_, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: 2}}}})
			return err
		}, true},
		"find by another field": {func() error { _ = c.FindOne(ctx, bson.D{{Key: "n", Value: 2}}).Err(); return nil }, false},
		"find by _id and more": {func() error {
			_ = c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 2}}).Err()
			return nil
		}, false},
		"find by _id $in": {func() error {
			_ = c.FindOne(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"a"}}}}}).Err()
			return nil
		}, false},
		"find everything": {func() error { _, err := c.Find(ctx, bson.D{}); return err }, false},
		"delete by field": {func() error { _, err := c.DeleteMany(ctx, bson.D{{Key: "n", Value: 9}}); return err }, false},
		"aggregate":       {func() error { _, err := c.Aggregate(ctx, bson.A{}); return err }, false},
		"a find by a unique index's fields that says so": {func() error {
			_ = c.FindOne(ctx, bson.D{{Key: "k", Value: "x"}, {Key: "j", Value: "y"}}, options.FindOne().SetComment("unique: k_1_j_1")).Err()
			return nil
		}, true},
		"the same, not only string equalities": {func() error {
			_ = c.FindOne(ctx, bson.D{{Key: "k", Value: "x"}, {Key: "n", Value: 2}}, options.FindOne().SetComment("unique: k_1_n_1")).Err()
			return nil
		}, false},
		"the same, with a value the launcher hands to FerretDB (a space)": {func() error {
			_ = c.FindOne(ctx, bson.D{{Key: "k", Value: "x y"}, {Key: "j", Value: "y"}}, options.FindOne().SetComment("unique: k_1_j_1")).Err()
			return nil
		}, false},
		"a delete that says it is by a unique index": {func() error {
			_, err := c.DeleteOne(ctx, bson.D{{Key: "k", Value: "x"}}, options.DeleteOne().SetComment("unique: k_1"))
			return err
		}, false},
		"a scan that says so": {func() error {
			_, err := c.Find(ctx, bson.D{}, options.Find().SetComment("scan: a test"))
			return err
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			audit.Reset()
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			if got := len(audit.Unbounded()) == 0; got != tc.bounded {
				t.Errorf("bounded = %v, want %v (kept %q)", got, tc.bounded, audit.Unbounded())
			}
		})
	}
}
