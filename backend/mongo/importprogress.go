package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/shotline/shotline/backend/shotline"
)

// ImportProgressStore keeps the progress of running imports:
// import_progress, _id = the import's id. A document lives only while its
// import runs.
type ImportProgressStore struct{ db *DB }

var _ shotline.ImportProgressStore = (*ImportProgressStore)(nil)

// NewImportProgressStore returns an ImportProgressStore on db.
func NewImportProgressStore(db *DB) *ImportProgressStore { return &ImportProgressStore{db: db} }

func (s *ImportProgressStore) coll() *mongo.Collection { return s.db.db.Collection("import_progress") }

type importProgressDoc struct {
	ID          string    `bson:"_id"`
	WorkspaceID string    `bson:"workspaceId"`
	UserID      string    `bson:"userId"`
	Phase       string    `bson:"phase"`
	Done        int64     `bson:"done"`
	Total       int64     `bson:"total"`
	Files       int       `bson:"files"`
	FilesTotal  int       `bson:"filesTotal"`
	UpdatedAt   time.Time `bson:"updatedAt"`
}

// CreateImportProgress implements shotline.ImportProgressStore: an insert.
func (s *ImportProgressStore) CreateImportProgress(ctx context.Context, p *shotline.ImportProgress) error {
	_, err := s.coll().InsertOne(ctx, importProgressDoc{ID: p.ID, WorkspaceID: p.WorkspaceID, UserID: p.UserID, Phase: string(p.Phase),
		Done: p.Done, Total: p.Total, Files: p.Files, FilesTotal: p.FilesTotal, UpdatedAt: p.UpdatedAt})
	if isDuplicate(err) {
		return shotline.Errorf(shotline.ECONFLICT, "An import with this id is already running.")
	} else if err != nil {
		return fmt.Errorf("store import progress: %w", err)
	}
	return nil
}

// SetImportProgress implements shotline.ImportProgressStore: updateOne
// {_id} $set.
func (s *ImportProgressStore) SetImportProgress(ctx context.Context, p *shotline.ImportProgress) error {
	_, err := s.coll().UpdateOne(ctx, byID(p.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "phase", Value: string(p.Phase)},
		{Key: "done", Value: p.Done}, {Key: "total", Value: p.Total}, {Key: "files", Value: p.Files}, {Key: "filesTotal", Value: p.FilesTotal},
		{Key: "updatedAt", Value: p.UpdatedAt}}}})
	if err != nil {
		return fmt.Errorf("store import progress: %w", err)
	}
	return nil
}

// FindImportProgress implements shotline.ImportProgressStore: findOne {_id}.
func (s *ImportProgressStore) FindImportProgress(ctx context.Context, id string) (*shotline.ImportProgress, error) {
	var d importProgressDoc
	err := s.coll().FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "No such import is running.")
	} else if err != nil {
		return nil, fmt.Errorf("read import progress: %w", err)
	}
	return &shotline.ImportProgress{ID: d.ID, WorkspaceID: d.WorkspaceID, UserID: d.UserID, Phase: shotline.ImportPhase(d.Phase),
		Done: d.Done, Total: d.Total, Files: d.Files, FilesTotal: d.FilesTotal, UpdatedAt: d.UpdatedAt}, nil
}

// DeleteImportProgress implements shotline.ImportProgressStore: deleteOne
// {_id}.
func (s *ImportProgressStore) DeleteImportProgress(ctx context.Context, id string) error {
	if _, err := s.coll().DeleteOne(ctx, byID(id)); err != nil {
		return fmt.Errorf("delete import progress: %w", err)
	}
	return nil
}
