package mongo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	if err := s.db.indexAdd(ctx, boardVersionsKey(v.BoardID), v.ID); err != nil {
		return err
	}
	if _, err := s.db.db.Collection("board_versions").InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert version: %w", err)
	}
	return nil
}

// FindVersions implements shotline.VersionStore.
func (s *VersionStore) FindVersions(ctx context.Context, boardID string) ([]*shotline.BoardVersion, error) {
	opts := options.FindOne().SetProjection(bson.D{{Key: "state", Value: 0}})
	docs, err := indexed[versionDoc](ctx, s.db, boardVersionsKey(boardID), s.db.db.Collection("board_versions"), opts)
	if err != nil {
		return nil, fmt.Errorf("find versions: %w", err)
	}
	out := make([]*shotline.BoardVersion, 0, len(docs))
	for i := range docs {
		if docs[i].BoardID == boardID {
			out = append(out, docs[i].version())
		}
	}
	slices.SortFunc(out, func(a, b *shotline.BoardVersion) int {
		return cmp.Or(cmp.Compare(b.Seq, a.Seq), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// FindVersion implements shotline.VersionStore.
func (s *VersionStore) FindVersion(ctx context.Context, boardID, id string) (*shotline.BoardVersion, error) {
	var d versionDoc
	err := s.db.db.Collection("board_versions").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		return nil, notFound(err, "Version not found.", "find version")
	}
	if d.BoardID != boardID {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Version not found.")
	}
	return d.version(), nil
}
