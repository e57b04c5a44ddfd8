package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// VersionStore keeps named board versions in the board_versions collection.
type VersionStore struct{ db *DB }

var _ shotline.VersionStore = (*VersionStore)(nil)

// NewVersionStore returns a VersionStore on db.
func NewVersionStore(db *DB) *VersionStore { return &VersionStore{db: db} }

type versionDoc struct {
	ID        string    `bson:"_id"`
	BoardID   string    `bson:"boardId"`
	Name      string    `bson:"name"`
	Seq       int64     `bson:"seq"`
	State     string    `bson:"state,omitempty"`
	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
}

func (d *versionDoc) version() *shotline.BoardVersion {
	return &shotline.BoardVersion{ID: d.ID, BoardID: d.BoardID, Name: d.Name, Seq: d.Seq, State: []byte(d.State), CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
}

// CreateVersion implements shotline.VersionStore.
func (s *VersionStore) CreateVersion(ctx context.Context, v *shotline.BoardVersion) error {
	v.ID, v.CreatedAt = newID(), s.db.Now()
	d := versionDoc{ID: v.ID, BoardID: v.BoardID, Name: v.Name, Seq: v.Seq, State: string(v.State), CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt}
	if _, err := s.db.db.Collection("board_versions").InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert version: %w", err)
	}
	return nil
}

// FindVersions implements shotline.VersionStore.
func (s *VersionStore) FindVersions(ctx context.Context, boardID string) ([]*shotline.BoardVersion, error) {
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: -1}, {Key: "_id", Value: -1}}).SetProjection(bson.D{{Key: "state", Value: 0}})
	docs, err := findAll[versionDoc](ctx, s.db.db.Collection("board_versions"), bson.D{{Key: "boardId", Value: boardID}}, opts)
	if err != nil {
		return nil, fmt.Errorf("find versions: %w", err)
	}
	out := make([]*shotline.BoardVersion, len(docs))
	for i := range docs {
		out[i] = docs[i].version()
	}
	return out, nil
}

// FindVersion implements shotline.VersionStore.
func (s *VersionStore) FindVersion(ctx context.Context, boardID, id string) (*shotline.BoardVersion, error) {
	var d versionDoc
	err := s.db.db.Collection("board_versions").FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "boardId", Value: boardID}}).Decode(&d)
	if err != nil {
		return nil, notFound(err, "Version not found.", "find version")
	}
	return d.version(), nil
}
