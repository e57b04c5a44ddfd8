// Package mongo implements Shotline's services on MongoDB (and on FerretDB,
// which speaks its wire protocol). It uses only single-document atomicity:
// no transactions, no change streams, no TTL indexes.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"golang.org/x/sync/singleflight"

	"github.com/shotline/shotline/backend/shotline"
)

// DB is a connection to Shotline's database.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	reads  singleflight.Group // identical reads in flight at once, sent once
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Open connects to uri and selects database name. It does not create indexes;
// call Migrate for that. A QueryAudit, if given, sees every command.
func Open(ctx context.Context, uri, name string, audit ...*QueryAudit) (*DB, error) {
	opts := options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second)
	for _, a := range audit {
		opts.SetMonitor(a.monitor())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to mongodb: %w", err)
	}
	return &DB{client: client, db: client.Database(name), Now: func() time.Time { return time.Now().UTC() }}, nil
}

// Close disconnects.
func (db *DB) Close(ctx context.Context) error { return db.client.Disconnect(ctx) }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.client.Ping(ctx, readpref.Primary()) }

// Drop drops the whole database. Tests use it.
func (db *DB) Drop(ctx context.Context) error { return db.db.Drop(ctx) }

func (db *DB) users() *mongo.Collection      { return db.db.Collection("users") }
func (db *DB) sessions() *mongo.Collection   { return db.db.Collection("sessions") }
func (db *DB) workspaces() *mongo.Collection { return db.db.Collection("workspaces") }
func (db *DB) projects() *mongo.Collection   { return db.db.Collection("projects") }
func (db *DB) boards() *mongo.Collection     { return db.db.Collection("boards") }

// Migrate creates the indexes Shotline relies on and runs the one-time
// migrations of earlier versions' data. It is idempotent and runs at
// start-up.
func (db *DB) Migrate(ctx context.Context) error {
	type index struct {
		coll   *mongo.Collection
		keys   bson.D
		unique bool
	}
	// Queries read by _id only (docs/storage.md); the one index left is a
	// constraint that inserts check, never a query path.
	for _, ix := range []index{
		{db.users(), bson.D{{Key: "email", Value: 1}}, true},
	} {
		m := mongo.IndexModel{Keys: ix.keys}
		if ix.unique {
			m.Options = options.Index().SetUnique(true)
		}
		if _, err := ix.coll.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create index on %s: %w", ix.coll.Name(), err)
		}
	}
	if err := db.once(ctx, "user_emails", db.migrateEmails); err != nil {
		return err
	}
	if err := db.once(ctx, "scope_ids", db.migrateScopes); err != nil {
		return err
	}
	if err := db.once(ctx, "render_expiry: day ledger", db.migrateRenderExpiry); err != nil {
		return err
	}
	return NewOpLog(db).migrate(ctx)
}

// newID returns a time-ordered UUID (v7), so ids sort by creation.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// notFound turns mongo.ErrNoDocuments into ENOTFOUND with msg and wraps
// anything else as an internal error.
func notFound(err error, msg, op string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return shotline.Errorf(shotline.ENOTFOUND, "%s", msg)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isDuplicate reports whether err is a unique-index violation. MongoDB says
// so with code 11000; FerretDB v1 on SQLite reports it from findAndModify as
// an InternalError carrying SQLite's message, which we recognise too.
func isDuplicate(err error) bool {
	return err != nil && (mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed"))
}

// findAll decodes every document of a cursor into T.
func findAll[T any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// shared runs read once for every caller asking for key while it is in
// flight: when many sockets connect at once (a reconnect storm), they read
// the same workspace and boards, and the store answers each once. Each
// caller gets what a read it had sent itself at that moment would have
// returned. The read runs on a context no caller's cancellation stops.
func shared[T any](ctx context.Context, db *DB, key string, read func(ctx context.Context) (T, error)) (T, error) {
	v, err, _ := db.reads.Do(key, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return read(rctx)
	})
	t, _ := v.(T)
	return t, err
}

// once runs fn unless a migration of that name ran to its end before,
// then records it. fn must be safe to run again (a crash may cut it short,
// and two instances starting together may both run it).
func (db *DB) once(ctx context.Context, name string, fn func(context.Context) error) error {
	c := db.db.Collection("migrations")
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Err()
	if err == nil {
		return nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("read migration %q: %w", name, err)
	}
	if err := fn(ctx); err != nil {
		return fmt.Errorf("migration %q: %w", name, err)
	}
	_, err = c.InsertOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "at", Value: db.Now()}})
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("record migration %q: %w", name, err)
	}
	return nil
}

// onlyDuplicates reports whether every failure of an unordered write was
// a unique-index violation (what was not a duplicate was written).
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return isDuplicate(err)
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 && !strings.Contains(we.Message, "UNIQUE constraint failed") {
			return false
		}
	}
	return true
}

// isIndexNotFound reports whether dropping an index failed because it (or
// its collection) does not exist.
func isIndexNotFound(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 27 || ce.Code == 26 || ce.HasErrorLabel("IndexNotFound"))
}

// Collection returns a collection of the database, for tests.
func (db *DB) Collection(name string) *mongo.Collection { return db.db.Collection(name) }
