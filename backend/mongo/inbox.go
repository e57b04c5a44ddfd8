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

// InboxService keeps each member's inbox as one document of the inboxes
// collection, _id = user id: the newest MaxInboxEntries entries, the ids
// of entries read one by one, and the time before which all are read.
// Every query is a single-key _id filter (docs/storage.md).
type InboxService struct {
	db *DB
	// Limit is how many entries an inbox keeps (and how many read ids);
	// shotline.MaxInboxEntries unless a test lowers it.
	Limit int
}

var _ shotline.InboxService = (*InboxService)(nil)

// NewInboxService returns an InboxService on db.
func NewInboxService(db *DB) *InboxService {
	return &InboxService{db: db, Limit: shotline.MaxInboxEntries}
}

func (s *InboxService) inboxes() *mongo.Collection { return s.db.db.Collection("inboxes") }

type inboxEntryDoc struct {
	ID        string    `bson:"id"`
	Kind      string    `bson:"kind"`
	BoardID   string    `bson:"boardId"`
	ShotID    string    `bson:"shotId"`
	ThreadID  string    `bson:"threadId"`
	CommentID string    `bson:"commentId"`
	FromID    string    `bson:"fromId"`
	FromName  string    `bson:"fromName"`
	Excerpt   string    `bson:"excerpt"`
	At        time.Time `bson:"at"`
}

type inboxDoc struct {
	ID         string          `bson:"_id"`
	Entries    []inboxEntryDoc `bson:"entries"`
	ReadIDs    []string        `bson:"readIds"`
	ReadBefore time.Time       `bson:"readBefore"`
}

func (s *InboxService) find(ctx context.Context, userID string) (*inboxDoc, error) {
	var d inboxDoc
	err := s.inboxes().FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &inboxDoc{ID: userID}, nil
	} else if err != nil {
		return nil, fmt.Errorf("find inbox: %w", err)
	}
	return &d, nil
}

// AddInboxEntry implements shotline.InboxService.
func (s *InboxService) AddInboxEntry(ctx context.Context, userID string, e shotline.InboxEntry) error {
	d, err := s.find(ctx, userID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(d.Entries, func(x inboxEntryDoc) bool { return x.ID == e.ID }) {
		return nil
	}
	doc := inboxEntryDoc{ID: e.ID, Kind: e.Kind, BoardID: e.BoardID, ShotID: e.ShotID, ThreadID: e.ThreadID, CommentID: e.CommentID,
		FromID: e.FromID, FromName: e.FromName, Excerpt: e.Excerpt, At: e.At}
	return pushCapped(ctx, s.inboxes(), userID, "entries", doc, s.Limit)
}

// FindInbox implements shotline.InboxService.
func (s *InboxService) FindInbox(ctx context.Context, userID string) ([]shotline.InboxEntry, int, error) {
	d, err := s.find(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	out := make([]shotline.InboxEntry, 0, len(d.Entries))
	unread := 0
	for _, e := range slices.Backward(d.Entries) {
		read := !e.At.After(d.ReadBefore) || slices.Contains(d.ReadIDs, e.ID)
		if !read {
			unread++
		}
		out = append(out, shotline.InboxEntry{ID: e.ID, Kind: e.Kind, BoardID: e.BoardID, ShotID: e.ShotID, ThreadID: e.ThreadID,
			CommentID: e.CommentID, FromID: e.FromID, FromName: e.FromName, Excerpt: e.Excerpt, At: e.At.UTC(), Read: read})
	}
	return out, unread, nil
}

// MarkInboxRead implements shotline.InboxService: "all" moves readBefore
// ($max), single entries join readIds (the newest MaxInboxEntries kept).
func (s *InboxService) MarkInboxRead(ctx context.Context, userID string, ids []string, all bool, now time.Time) error {
	if all {
		_, err := s.inboxes().UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "readBefore", Value: now}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("mark inbox read: %w", err)
		}
		return nil
	}
	d, err := s.find(ctx, userID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if slices.Contains(d.ReadIDs, id) || !slices.ContainsFunc(d.Entries, func(x inboxEntryDoc) bool { return x.ID == id }) {
			continue // already read, or not in the inbox: nothing to keep
		}
		if err := pushCapped(ctx, s.inboxes(), userID, "readIds", id, s.Limit); err != nil {
			return err
		}
	}
	return nil
}
