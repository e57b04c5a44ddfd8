package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// AuditLog stores each workspace's audit log as numbered pages of
// AuditPageSize entries: audit_counters holds the workspace's last seq
// (_id = workspace id), audit_pages its pages (_id = "<workspace>:<page>",
// page = (seq-1)/AuditPageSize, zero-padded). Appending is one $inc and one
// $push, both on a single _id; browsing reads the counter, then pages from
// the newest down, each by _id (docs/storage.md).
type AuditLog struct{ db *DB }

var _ shotline.AuditLog = (*AuditLog)(nil)

// NewAuditLog returns an AuditLog on db.
func NewAuditLog(db *DB) *AuditLog { return &AuditLog{db: db} }

// AuditPageSize is how many entries one page document holds.
const AuditPageSize = 100

// auditPagesPerBrowse bounds the pages one BrowseAudit reads (a filter
// that matches little pages on with the cursor instead of reading on).
const auditPagesPerBrowse = 20

func (a *AuditLog) counters() *mongo.Collection { return a.db.db.Collection("audit_counters") }
func (a *AuditLog) pages() *mongo.Collection    { return a.db.db.Collection("audit_pages") }

type auditEntryDoc struct {
	Seq       int64     `bson:"seq"`
	Time      time.Time `bson:"time"`
	ActorID   string    `bson:"actorId"`
	ActorName string    `bson:"actorName"`
	LinkID    string    `bson:"linkId,omitempty"`
	Action    string    `bson:"action"`
	Target    string    `bson:"target"`
	Detail    string    `bson:"detail,omitempty"`
	IP        string    `bson:"ip"`
	UserAgent string    `bson:"userAgent"`
}

type auditPageDoc struct {
	ID      string          `bson:"_id"`
	Entries []auditEntryDoc `bson:"entries"`
}

func auditPageID(workspaceID string, page int64) string {
	return fmt.Sprintf("%s:%010d", workspaceID, page)
}

// AppendAudit implements shotline.AuditLog.
func (a *AuditLog) AppendAudit(ctx context.Context, e *shotline.AuditEntry) error {
	var c struct {
		N int64 `bson:"n"`
	}
	err := a.counters().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: e.WorkspaceID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return fmt.Errorf("count audit entry: %w", err)
	}
	e.Seq = c.N
	d := auditEntryDoc{Seq: e.Seq, Time: e.Time, ActorID: e.ActorID, ActorName: e.ActorName, LinkID: e.LinkID, Action: string(e.Action),
		Target: e.Target, Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent}
	_, err = a.pages().UpdateOne(ctx, bson.D{{Key: "_id", Value: auditPageID(e.WorkspaceID, (e.Seq-1)/AuditPageSize)}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "entries", Value: d}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// BrowseAudit implements shotline.AuditLog.
func (a *AuditLog) BrowseAudit(ctx context.Context, workspaceID string, f shotline.AuditFilter) ([]shotline.AuditEntry, int64, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var c struct {
		N int64 `bson:"n"`
	}
	err := a.counters().FindOne(ctx, bson.D{{Key: "_id", Value: workspaceID}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, fmt.Errorf("read audit counter: %w", err)
	}
	top := c.N // newest seq to consider
	if f.Before > 0 && f.Before-1 < top {
		top = f.Before - 1
	}
	var out []shotline.AuditEntry
	for page, read := (top-1)/AuditPageSize, 0; top > 0 && page >= 0; page, read = page-1, read+1 {
		if read == auditPagesPerBrowse {
			return out, page*AuditPageSize + AuditPageSize + 1, nil // continue below what was read
		}
		var p auditPageDoc
		err := a.pages().FindOne(ctx, bson.D{{Key: "_id", Value: auditPageID(workspaceID, page)}}).Decode(&p)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // its first append counted but has not landed yet
		} else if err != nil {
			return nil, 0, fmt.Errorf("read audit page: %w", err)
		}
		// Concurrent appends may land out of order within a page.
		slices.SortFunc(p.Entries, func(x, y auditEntryDoc) int { return int(y.Seq - x.Seq) })
		for _, d := range p.Entries {
			if d.Seq > top {
				continue
			}
			e := shotline.AuditEntry{Seq: d.Seq, WorkspaceID: workspaceID, Time: d.Time.UTC(), ActorID: d.ActorID, ActorName: d.ActorName,
				LinkID: d.LinkID, Action: shotline.AuditAction(d.Action), Target: d.Target, Detail: d.Detail, IP: d.IP, UserAgent: d.UserAgent}
			if !f.Match(&e) {
				continue
			}
			out = append(out, e)
			if len(out) == f.Limit {
				if d.Seq > 1 {
					return out, d.Seq, nil
				}
				return out, 0, nil
			}
		}
	}
	return out, 0, nil
}
