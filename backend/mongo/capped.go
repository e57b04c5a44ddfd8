package mongo

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// pushCapped appends value to the array at field (a dotted path) of the
// document with _id id, creating both if missing, and then drops the
// oldest items past max. FerretDB 1.24 ignores $push's $slice, so the
// length comes back from the push itself (findAndModify; the whole
// document, as FerretDB's findAndModify takes no projection) and each item
// past max goes with a $pop: on MongoDB and on FerretDB alike, the list
// stays within max.
func pushCapped(ctx context.Context, c *mongo.Collection, id, field string, value any, max int) error {
	var doc bson.Raw
	err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$push", Value: bson.D{{Key: field, Value: value}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	if err != nil {
		return fmt.Errorf("push to %s.%s: %w", c.Name(), field, err)
	}
	arr, ok := doc.Lookup(strings.Split(field, ".")...).ArrayOK()
	if !ok {
		return fmt.Errorf("push to %s.%s: the field is not an array", c.Name(), field)
	}
	items, err := arr.Values()
	if err != nil {
		return fmt.Errorf("push to %s.%s: %w", c.Name(), field, err)
	}
	return trimOldest(ctx, c, id, field, len(items), max)
}

// trimOldest drops the oldest items of the array at field, which holds n,
// down to max, one $pop each: the cap $push's $slice would keep, which
// FerretDB 1.24 ignores.
func trimOldest(ctx context.Context, c *mongo.Collection, id, field string, n, max int) error {
	for ; n > max; n-- {
		if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$pop", Value: bson.D{{Key: field, Value: -1}}}}); err != nil {
			return fmt.Errorf("trim %s.%s: %w", c.Name(), field, err)
		}
	}
	return nil
}
