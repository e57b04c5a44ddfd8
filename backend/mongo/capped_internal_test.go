package mongo

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/shotline/shotline/backend/testenv"
)

// pushCapped keeps the newest max items, on the real store (whose $push
// ignores $slice), in a nested field too.
func TestPushCapped(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, testenv.Get(t).MongoURI, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Drop(context.Background()); _ = db.Close(context.Background()) })
	c := db.db.Collection("capped")
	for i := 1; i <= 7; i++ {
		if err := pushCapped(ctx, c, "b1", "shots.s1", fmt.Sprint("job-", i), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := pushCapped(ctx, c, "b1", "shots.s2", "other", 3); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Shots map[string][]string `bson:"shots"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "b1"}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(d.Shots["s1"]); got != "[job-5 job-6 job-7]" {
		t.Errorf("shots.s1 = %s, want the newest three", got)
	}
	if got := fmt.Sprint(d.Shots["s2"]); got != "[other]" {
		t.Errorf("shots.s2 = %s", got)
	}
}
