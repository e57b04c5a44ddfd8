package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// CreditStore keeps balances and the ledger with _id-only queries:
//
//	credits        _id = workspace id: balance, and the ids of the latest
//	               MaxRecentEntries entries (what admins page through)
//	credit_ledger  _id = "<workspace>|<key>": one entry, inserted once
type CreditStore struct{ db *DB }

var _ shotline.CreditStore = (*CreditStore)(nil)

// NewCreditStore returns a CreditStore on db.
func NewCreditStore(db *DB) *CreditStore { return &CreditStore{db: db} }

// MaxRecentEntries bounds the entry ids a balance document lists.
const MaxRecentEntries = 500

func (s *CreditStore) credits() *mongo.Collection { return s.db.db.Collection("credits") }
func (s *CreditStore) ledger() *mongo.Collection  { return s.db.db.Collection("credit_ledger") }

type creditDoc struct {
	Balance int64    `bson:"balance"`
	Recent  []string `bson:"recent"`
}

type entryDoc struct {
	ID                   string `bson:"_id"`
	shotline.LedgerEntry `bson:",inline"`
	Applied              bool      `bson:"applied"`
	Inserted             time.Time `bson:"inserted"` // when Apply inserted it
}

// repairAfter is how long an entry may stay unapplied before a repeat takes
// it for a crash between Apply's writes and finishes the job. A younger one
// is being applied by its writer right now: finishing it too would change
// the balance twice.
const repairAfter = 30 * time.Second

func entryID(ws, key string) string { return ws + "|" + key }

// Balance: _id equality.
func (s *CreditStore) Balance(ctx context.Context, workspaceID string) (int64, error) {
	var d creditDoc
	err := s.credits().FindOne(ctx, byID(workspaceID)).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("read credits: %w", err)
	}
	return d.Balance, nil
}

// Apply inserts the entry under its unique _id (the idempotency key), then
// changes the balance with one $inc that also lists the entry id, then marks
// the entry applied. A repeat finds the entry: applied, it changes nothing;
// not applied and older than repairAfter (a crash between the writes), it
// looks for the id in the balance's list to tell whether the $inc
// happened, and finishes the job; younger, its writer is still at it.
func (s *CreditStore) Apply(ctx context.Context, e shotline.LedgerEntry) (bool, error) {
	id := entryID(e.WorkspaceID, e.Key)
	if _, err := s.ledger().InsertOne(ctx, entryDoc{ID: id, LedgerEntry: e, Inserted: s.db.Now()}); err != nil {
		if !isDuplicate(err) {
			return false, fmt.Errorf("insert ledger entry: %w", err)
		}
		var prev entryDoc
		if err := s.ledger().FindOne(ctx, byID(id)).Decode(&prev); err != nil {
			return false, fmt.Errorf("read ledger entry: %w", err)
		}
		if prev.Applied || s.db.Now().Sub(prev.Inserted) < repairAfter {
			return false, nil
		}
		var d creditDoc
		if err := s.credits().FindOne(ctx, byID(e.WorkspaceID)).Decode(&d); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return false, fmt.Errorf("read credits: %w", err)
		}
		for _, r := range d.Recent {
			if r == id {
				return false, s.markApplied(ctx, id)
			}
		}
		e = prev.LedgerEntry
	}
	var d creditDoc
	err := s.credits().FindOneAndUpdate(ctx, byID(e.WorkspaceID), bson.D{
		{Key: "$inc", Value: bson.D{{Key: "balance", Value: e.Amount}}},
		{Key: "$push", Value: bson.D{{Key: "recent", Value: bson.D{{Key: "$each", Value: bson.A{id}}, {Key: "$slice", Value: -MaxRecentEntries}}}}},
	}, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return false, fmt.Errorf("change credit balance: %w", err)
	}
	if err := trimOldest(ctx, s.credits(), e.WorkspaceID, "recent", len(d.Recent), MaxRecentEntries); err != nil {
		return false, err
	}
	if e.Amount < 0 && d.Balance < 0 {
		// Not enough: undo, and drop the entry so a later try may charge.
		_, err := s.credits().UpdateOne(ctx, byID(e.WorkspaceID), bson.D{
			{Key: "$inc", Value: bson.D{{Key: "balance", Value: -e.Amount}}},
			{Key: "$pull", Value: bson.D{{Key: "recent", Value: id}}}})
		if err == nil {
			_, err = s.ledger().DeleteOne(ctx, byID(id))
		}
		if err != nil {
			return false, fmt.Errorf("undo a refused charge: %w", err)
		}
		return false, shotline.Errorf(shotline.ECONFLICT, "Not enough credits: this render costs %d and the workspace has %d. Ask an admin to top up.",
			-e.Amount, d.Balance-e.Amount)
	}
	return true, s.markApplied(ctx, id)
}

func (s *CreditStore) markApplied(ctx context.Context, id string) error {
	if _, err := s.ledger().UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "applied", Value: true}}}}); err != nil {
		return fmt.Errorf("mark ledger entry applied: %w", err)
	}
	return nil
}

// Ledger reads the balance document, then each listed entry by _id.
func (s *CreditStore) Ledger(ctx context.Context, workspaceID string, limit int) ([]shotline.LedgerEntry, error) {
	var d creditDoc
	if err := s.credits().FindOne(ctx, byID(workspaceID)).Decode(&d); errors.Is(err, mongo.ErrNoDocuments) {
		return []shotline.LedgerEntry{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read credits: %w", err)
	}
	out := []shotline.LedgerEntry{}
	for i := len(d.Recent) - 1; i >= 0 && len(out) < limit; i-- {
		var e entryDoc
		if err := s.ledger().FindOne(ctx, byID(d.Recent[i])).Decode(&e); errors.Is(err, mongo.ErrNoDocuments) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read ledger entry: %w", err)
		}
		out = append(out, e.LedgerEntry)
	}
	return out, nil
}

// RenderSettingsStore keeps each workspace's render settings:
// render_settings, _id = workspace id. The concurrency limit is copied to
// the workspace's queue document, where claims read it.
type RenderSettingsStore struct {
	db *DB
	// Default is what a workspace that never set its own gets; its
	// Concurrency should be the workers' limit (render.Worker.Limit).
	Default shotline.RenderSettings
}

// NewRenderSettingsStore returns a RenderSettingsStore on db with
// shotline.DefaultRenderSettings as the default.
func NewRenderSettingsStore(db *DB) *RenderSettingsStore {
	return &RenderSettingsStore{db: db, Default: shotline.DefaultRenderSettings}
}

func (s *RenderSettingsStore) coll() *mongo.Collection { return s.db.db.Collection("render_settings") }

// Get: _id equality; the defaults when none are stored.
func (s *RenderSettingsStore) Get(ctx context.Context, workspaceID string) (shotline.RenderSettings, error) {
	out := s.Default
	var d struct {
		RetentionDays int `bson:"retentionDays"`
		Concurrency   int `bson:"concurrency"`
	}
	err := s.coll().FindOne(ctx, byID(workspaceID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return out, nil
	} else if err != nil {
		return out, fmt.Errorf("read render settings: %w", err)
	}
	if d.RetentionDays > 0 {
		out.RetentionDays = d.RetentionDays
	}
	if d.Concurrency > 0 {
		out.Concurrency = d.Concurrency
	}
	return out, nil
}

// Set: replace by _id (upsert), then the limit into the workspace's queue
// document (render_queues "ws:<workspace>", $set limit, upsert), which
// claims read anyway: no extra read per claim.
func (s *RenderSettingsStore) Set(ctx context.Context, workspaceID string, rs shotline.RenderSettings) error {
	_, err := s.coll().ReplaceOne(ctx, byID(workspaceID), bson.D{{Key: "retentionDays", Value: rs.RetentionDays}, {Key: "concurrency", Value: rs.Concurrency}},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store render settings: %w", err)
	}
	_, err = s.db.db.Collection("render_queues").UpdateOne(ctx, byID(queueID(workspaceID)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "limit", Value: rs.Concurrency}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store render concurrency: %w", err)
	}
	return nil
}
