package mongo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// renderExpiry is the day ledger of the jobs (renders and exports) whose
// file expires each day, beside the sessions' in session_expiry: keys
// "render:YYYY-MM-DD" (the day's counter) and "render:YYYY-MM-DD:n", the
// last day swept in scope_ids "renders-swept".
func (db *DB) renderExpiry() dayExpiry {
	return dayExpiry{db: db, prefix: "render:", sweptKey: "renders-swept"}
}

// legacyRenderExpiry is where renders' expiry lived before the day ledger:
// one document per day, {_id: "day:YYYY-MM-DD", jobs: [...]}, whose list
// grew with every render finishing that day.
const legacyRenderExpiry = "render_expiry"

// migrateRenderExpiry moves every job of the per-day lists into the day
// ledger, under the same day (a day before the first sweep's reach under
// today, so it is still swept), then deletes the list. Run again after a
// crash, it may file a job twice: the sweep finds it gone the second time.
func (db *DB) migrateRenderExpiry(ctx context.Context) error {
	type legacyDay struct {
		ID   string   `bson:"_id"`
		Jobs []string `bson:"jobs"`
	}
	coll := db.db.Collection(legacyRenderExpiry)
	days, err := findAll[legacyDay](ctx, coll, bson.D{}, options.Find().SetComment("scan: one-time migration of render expiry to the day ledger"))
	if err != nil {
		return fmt.Errorf("read render expiry lists: %w", err)
	}
	e := db.renderExpiry()
	reach := db.Now().UTC().Add(-sweepFrom)
	for _, d := range days {
		day, err := time.Parse(time.DateOnly, strings.TrimPrefix(d.ID, "day:"))
		if err != nil {
			continue // not one of ours
		}
		if day.Before(reach) {
			day = db.Now()
		}
		for _, id := range d.Jobs {
			if err := e.add(ctx, day, id); err != nil {
				return err
			}
		}
		if _, err := coll.DeleteOne(ctx, byID(d.ID)); err != nil {
			return fmt.Errorf("delete render expiry list: %w", err)
		}
	}
	return nil
}
