package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A scope index lists the ids of what belongs to one scope (a
// workspace's projects, a project's boards, a user's workspaces, …) in one
// document of scope_ids, keyed by _id: a list then costs one lookup and
// one per item, never a read of the whole collection (docs/storage.md).
//
// Writers add an id before they create the item and remove it after they
// delete it, so an index may name an item that is gone (a crash between
// the two writes) but never misses one; readers skip what they cannot find
// or what no longer belongs to the scope.

// Scope index keys, by what they list.
func workspaceProjectsKey(workspaceID string) string { return "workspace-projects:" + workspaceID }
func projectBoardsKey(projectID string) string       { return "project-boards:" + projectID }
func boardVersionsKey(boardID string) string         { return "board-versions:" + boardID }
func userWorkspacesKey(userID string) string         { return "user-workspaces:" + userID }
func emailInvitesKey(email string) string            { return "email-invites:" + email }
func userSessionsKey(userID string) string           { return "user-sessions:" + userID }

func (db *DB) scopeIDs() *mongo.Collection { return db.db.Collection("scope_ids") }

// indexAdd adds ids to the scope index key.
func (db *DB) indexAdd(ctx context.Context, key string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.scopeIDs().UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: bson.D{{Key: "$each", Value: ids}}}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	return nil
}

// indexRemove takes ids out of the scope index key.
func (db *DB) indexRemove(ctx context.Context, key string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.scopeIDs().UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ids", Value: ids}}}})
	if err != nil {
		return fmt.Errorf("unindex %s: %w", key, err)
	}
	return nil
}

// indexDrop deletes the scope index key (its scope is gone).
func (db *DB) indexDrop(ctx context.Context, key string) error {
	if _, err := db.scopeIDs().DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return fmt.Errorf("drop index %s: %w", key, err)
	}
	return nil
}

// indexIDs returns the ids in the scope index key.
func (db *DB) indexIDs(ctx context.Context, key string) ([]string, error) {
	var d struct {
		IDs []string `bson:"ids"`
	}
	err := db.scopeIDs().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read index %s: %w", key, err)
	}
	return d.IDs, nil
}

// lookups is how many lookups byIDs keeps in flight.
const lookups = 16

// byIDs finds the documents with the given ids, one lookup each (in
// parallel), in the order of ids; those not found are left out.
func byIDs[T any](ctx context.Context, c *mongo.Collection, ids []string, opts ...options.Lister[options.FindOneOptions]) ([]T, error) {
	docs := make([]*T, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, lookups)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var d T
			err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts...).Decode(&d)
			switch {
			case err == nil:
				docs[i] = &d
			case !errors.Is(err, mongo.ErrNoDocuments):
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	out := make([]T, 0, len(ids))
	for i, d := range docs {
		if errs[i] != nil {
			return nil, fmt.Errorf("find %s %s: %w", c.Name(), ids[i], errs[i])
		}
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// indexed returns the documents of c that the scope index key lists.
func indexed[T any](ctx context.Context, db *DB, key string, c *mongo.Collection, opts ...options.Lister[options.FindOneOptions]) ([]T, error) {
	ids, err := db.indexIDs(ctx, key)
	if err != nil {
		return nil, err
	}
	return byIDs[T](ctx, c, ids, opts...)
}

// migrateScopes fills the scope indexes from what was stored before they
// existed. It reads each collection once, the one time it runs.
func (db *DB) migrateScopes(ctx context.Context) error {
	scan := func(c *mongo.Collection, proj bson.D, each func(bson.Raw) error) error {
		cur, err := c.Find(ctx, bson.D{}, options.Find().SetProjection(proj).SetComment("scan: one-time migration to scope indexes"))
		if err != nil {
			return fmt.Errorf("read %s: %w", c.Name(), err)
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			if err := each(cur.Current); err != nil {
				return err
			}
		}
		return cur.Err()
	}
	str := func(r bson.Raw, key string) string { s, _ := r.Lookup(key).StringValueOK(); return s }
	err := scan(db.workspaces(), bson.D{{Key: "members", Value: 1}, {Key: "invites", Value: 1}}, func(r bson.Raw) error {
		var d workspaceDoc
		if err := bson.Unmarshal(r, &d); err != nil {
			return err
		}
		for _, m := range d.Members {
			if err := db.indexAdd(ctx, userWorkspacesKey(m.UserID), d.ID); err != nil {
				return err
			}
		}
		for _, v := range d.Invites {
			if err := db.indexAdd(ctx, emailInvitesKey(v.Email), d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range []struct {
		c     *mongo.Collection
		field string
		key   func(string) string
	}{
		{db.projects(), "workspaceId", workspaceProjectsKey},
		{db.boards(), "projectId", projectBoardsKey},
		{db.db.Collection("board_versions"), "boardId", boardVersionsKey},
		{db.sessions(), "userId", userSessionsKey},
	} {
		err := scan(m.c, bson.D{{Key: m.field, Value: 1}, {Key: "expiresAt", Value: 1}}, func(r bson.Raw) error {
			id := str(r, "_id")
			if err := db.indexAdd(ctx, m.key(str(r, m.field)), id); err != nil {
				return err
			}
			if t, ok := r.Lookup("expiresAt").TimeOK(); ok {
				return db.sessionExpiries().add(ctx, t, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
