package mongo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// BoardService stores boards, with their shots, in the boards collection.
type BoardService struct{ db *DB }

var _ shotline.BoardService = (*BoardService)(nil)

// NewBoardService returns a BoardService on db.
func NewBoardService(db *DB) *BoardService { return &BoardService{db: db} }

type boardDoc struct {
	ID                  string    `bson:"_id"`
	WorkspaceID         string    `bson:"workspaceId"`
	ProjectID           string    `bson:"projectId"`
	Title               string    `bson:"title"`
	Description         string    `bson:"description"`
	AspectRatio         string    `bson:"aspectRatio"`
	DefaultShotDuration float64   `bson:"defaultShotDuration"`
	Archived            bool      `bson:"archived"`
	Seq                 int64     `bson:"seq"`
	Shots               []shotDoc `bson:"shots"`
	// Kept by the room; absent in boards no room has written since.
	ShotCount    *int      `bson:"shotCount,omitempty"`
	FrameShotIDs []string  `bson:"frameShotIds,omitempty"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

type shotDoc struct {
	ID          string  `bson:"id"`
	Position    string  `bson:"position"`
	Title       string  `bson:"title"`
	Prompt      string  `bson:"prompt"`
	Notes       string  `bson:"notes"`
	Duration    float64 `bson:"duration"`
	AspectRatio string  `bson:"aspectRatio"`
	Status      string  `bson:"status"`
}

func (d *boardDoc) board() *shotline.Board {
	b := &shotline.Board{ID: d.ID, WorkspaceID: d.WorkspaceID, ProjectID: d.ProjectID, Title: d.Title, Description: d.Description,
		AspectRatio: d.AspectRatio, DefaultShotDuration: d.DefaultShotDuration, Archived: d.Archived, Seq: d.Seq,
		Shots: make([]shotline.Shot, 0, len(d.Shots)), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, s := range d.Shots {
		b.Shots = append(b.Shots, shotline.Shot(s))
	}
	sort.SliceStable(b.Shots, func(i, j int) bool {
		if b.Shots[i].Position != b.Shots[j].Position {
			return b.Shots[i].Position < b.Shots[j].Position
		}
		return b.Shots[i].ID < b.Shots[j].ID
	})
	b.ShotCount, b.FrameShotIDs = len(b.Shots), []string{}
	for _, s := range b.Shots[:min(len(b.Shots), shotline.MaxFrameShots)] {
		b.FrameShotIDs = append(b.FrameShotIDs, s.ID)
	}
	if d.ShotCount != nil { // the room's count is newer than the stored shots
		b.ShotCount, b.FrameShotIDs = *d.ShotCount, append([]string{}, d.FrameShotIDs...)
	}
	return b
}

const boardNotFound = "Board not found."

// CreateBoard implements shotline.BoardService.
func (s *BoardService) CreateBoard(ctx context.Context, b *shotline.Board) error {
	now := s.db.Now()
	b.ID, b.CreatedAt, b.UpdatedAt = newID(), now, now
	if b.Shots == nil {
		b.Shots = []shotline.Shot{}
	}
	d := boardDoc{ID: b.ID, WorkspaceID: b.WorkspaceID, ProjectID: b.ProjectID, Title: b.Title, Description: b.Description,
		AspectRatio: b.AspectRatio, DefaultShotDuration: b.DefaultShotDuration, Archived: b.Archived, Seq: b.Seq,
		Shots: make([]shotDoc, 0, len(b.Shots)), CreatedAt: now, UpdatedAt: now}
	for _, sh := range b.Shots {
		d.Shots = append(d.Shots, shotDoc(sh))
	}
	if err := s.db.indexAdd(ctx, projectBoardsKey(b.ProjectID), b.ID); err != nil {
		return err
	}
	if _, err := s.db.boards().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert board: %w", err)
	}
	return nil
}

// FindBoardByID implements shotline.BoardService.
func (s *BoardService) FindBoardByID(ctx context.Context, id string) (*shotline.Board, error) {
	d, err := shared(ctx, s.db, "boards/"+id, func(ctx context.Context) (boardDoc, error) {
		var d boardDoc
		err := s.db.boards().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		return d, err
	})
	if err != nil {
		return nil, notFound(err, boardNotFound, "find board")
	}
	return d.board(), nil // a copy of its own for each caller
}

// FindBoards implements shotline.BoardService.
func (s *BoardService) FindBoards(ctx context.Context, projectID string, archived bool) ([]*shotline.Board, error) {
	opts := options.FindOne().SetProjection(bson.D{{Key: "shots", Value: 0}})
	docs, err := indexed[boardDoc](ctx, s.db, projectBoardsKey(projectID), s.db.boards(), opts)
	if err != nil {
		return nil, fmt.Errorf("find boards: %w", err)
	}
	out := make([]*shotline.Board, 0, len(docs))
	for i := range docs {
		if docs[i].ProjectID == projectID && (archived || !docs[i].Archived) {
			out = append(out, docs[i].board())
		}
	}
	slices.SortFunc(out, func(a, b *shotline.Board) int { return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// UpdateBoard implements shotline.BoardService.
func (s *BoardService) UpdateBoard(ctx context.Context, id string, upd shotline.BoardUpdate) (*shotline.Board, error) {
	set := bson.D{{Key: "updatedAt", Value: s.db.Now()}}
	if upd.Title != nil {
		set = append(set, bson.E{Key: "title", Value: *upd.Title})
	}
	if upd.Description != nil {
		set = append(set, bson.E{Key: "description", Value: *upd.Description})
	}
	if upd.AspectRatio != nil {
		set = append(set, bson.E{Key: "aspectRatio", Value: *upd.AspectRatio})
	}
	if upd.DefaultShotDuration != nil {
		set = append(set, bson.E{Key: "defaultShotDuration", Value: *upd.DefaultShotDuration})
	}
	if upd.Archived != nil {
		set = append(set, bson.E{Key: "archived", Value: *upd.Archived})
	}
	if upd.Shots != nil {
		set = append(set, bson.E{Key: "shotCount", Value: upd.Shots.Count}, bson.E{Key: "frameShotIds", Value: upd.Shots.FrameShotIDs})
	}
	var d boardDoc
	err := s.db.boards().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return nil, notFound(err, boardNotFound, "update board")
	}
	return d.board(), nil
}

// DeleteBoard implements shotline.BoardService.
func (s *BoardService) DeleteBoard(ctx context.Context, id string) error {
	var d struct {
		ProjectID string `bson:"projectId"`
	}
	err := s.db.boards().FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		return notFound(err, boardNotFound, "delete board")
	}
	return s.db.indexRemove(ctx, projectBoardsKey(d.ProjectID), id)
}
