package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// dayExpiry is a ledger of what expires on each day, in session_expiry,
// under a prefix of its own: per day a counter (_id: prefix + the day) and
// numbered entries (_id: prefix + day + ":" + n), each written once. A
// sweep reads them by _id, so its cost is what it deletes plus one lookup
// a day, never the size of the collection; and writing an entry never
// rewrites the day's others (a list in one document would make every
// addition rewrite the whole day's list).
type dayExpiry struct {
	db       *DB
	prefix   string // "" for sessions, "guest:" for guest sessions, "render:" for renders and exports
	sweptKey string // the scope index document that holds the last day swept
}

// expiryEntry is a day's counter or one of its entries.
type expiryEntry struct {
	ID        string `bson:"_id"`
	N         int64  `bson:"n,omitempty"`         // a counter: entries 1…n were handed out
	SessionID string `bson:"sessionId,omitempty"` // an entry: what expires (named for the first ledger's sessions)
}

func (db *DB) sessionExpiry() *mongo.Collection { return db.db.Collection("session_expiry") }

func sessionExpiryDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// add records that id expires on t's day: a number from the day's counter,
// then an entry under it.
func (e dayExpiry) add(ctx context.Context, t time.Time, id string) error {
	day := e.prefix + sessionExpiryDay(t)
	var c expiryEntry
	err := e.db.sessionExpiry().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: day}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return fmt.Errorf("count what expires on %s: %w", day, err)
	}
	if _, err := e.db.sessionExpiry().InsertOne(ctx, expiryEntry{ID: fmt.Sprintf("%s:%d", day, c.N), SessionID: id}); err != nil {
		return fmt.Errorf("record expiry: %w", err)
	}
	return nil
}

// expiryOutcome is what a sweep's expire function did with an entry.
type expiryOutcome int

const (
	expiryGone    expiryOutcome = iota // already deleted: the entry goes
	expiryDeleted                      // expired and deleted now: the entry goes
	expiryLater                        // expires later today: the entry stays
)

// sweepFrom is how far back a first sweep looks: sessions and guest
// sessions last far less, and renders are filed under the day they expire,
// so only a day that ended this long before a ledger's first sweep is
// missed (the render ledger's migration files older ones under today).
const sweepFrom = 400 * 24 * time.Hour

// sweep calls expire for each entry of every day that ended since the last
// sweep (over: all of that day has expired) and of today, and returns how
// many it deleted.
func (e dayExpiry) sweep(ctx context.Context, now time.Time, expire func(ctx context.Context, id string, over bool) (expiryOutcome, error)) (int64, error) {
	last, err := e.db.indexIDs(ctx, e.sweptKey)
	if err != nil {
		return 0, err
	}
	day := now.UTC().Add(-sweepFrom).Truncate(24 * time.Hour)
	if len(last) > 0 {
		if t, err := time.Parse(time.DateOnly, last[0]); err == nil {
			day = t.AddDate(0, 0, 1)
		}
	}
	var n int64
	for ; !day.After(now); day = day.AddDate(0, 0, 1) {
		over := !day.AddDate(0, 0, 1).After(now) // everything of that day has expired
		swept, err := e.sweepDay(ctx, e.prefix+sessionExpiryDay(day), over, expire)
		n += swept
		if err != nil || !over {
			return n, err
		}
		_, err = e.db.scopeIDs().ReplaceOne(ctx, bson.D{{Key: "_id", Value: e.sweptKey}},
			bson.D{{Key: "_id", Value: e.sweptKey}, {Key: "ids", Value: []string{sessionExpiryDay(day)}}}, options.Replace().SetUpsert(true))
		if err != nil {
			return n, fmt.Errorf("record sweep: %w", err)
		}
	}
	return n, nil
}

// sweepDay runs expire over a day's entries (and, if the day is over,
// deletes its counter too).
func (e dayExpiry) sweepDay(ctx context.Context, day string, over bool, expire func(ctx context.Context, id string, over bool) (expiryOutcome, error)) (int64, error) {
	var c expiryEntry
	err := e.db.sessionExpiry().FindOne(ctx, bson.D{{Key: "_id", Value: day}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read what expires on %s: %w", day, err)
	}
	var n int64
	for i := int64(1); i <= c.N; i++ {
		key := fmt.Sprintf("%s:%d", day, i)
		var entry expiryEntry
		err := e.db.sessionExpiry().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&entry)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // swept before, or its writer stopped between the two writes
		} else if err != nil {
			return n, fmt.Errorf("read expiry entry: %w", err)
		}
		outcome, err := expire(ctx, entry.SessionID, over)
		if outcome == expiryDeleted {
			n++
		}
		if err != nil {
			return n, err
		}
		if outcome == expiryLater {
			continue
		}
		if _, err := e.db.sessionExpiry().DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
			return n, fmt.Errorf("delete expiry entry: %w", err)
		}
	}
	if over {
		if _, err := e.db.sessionExpiry().DeleteOne(ctx, bson.D{{Key: "_id", Value: day}}); err != nil {
			return n, fmt.Errorf("delete expiry counter: %w", err)
		}
	}
	return n, nil
}
