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

// ProjectService stores projects in the projects collection.
type ProjectService struct{ db *DB }

var _ shotline.ProjectService = (*ProjectService)(nil)

// NewProjectService returns a ProjectService on db.
func NewProjectService(db *DB) *ProjectService { return &ProjectService{db: db} }

type projectDoc struct {
	ID          string    `bson:"_id"`
	WorkspaceID string    `bson:"workspaceId"`
	Name        string    `bson:"name"`
	Archived    bool      `bson:"archived"`
	CreatedAt   time.Time `bson:"createdAt"`
	UpdatedAt   time.Time `bson:"updatedAt"`
}

func (d *projectDoc) project() *shotline.Project {
	return &shotline.Project{ID: d.ID, WorkspaceID: d.WorkspaceID, Name: d.Name, Archived: d.Archived, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

const projectNotFound = "Project not found."

// CreateProject implements shotline.ProjectService.
func (s *ProjectService) CreateProject(ctx context.Context, p *shotline.Project) error {
	now := s.db.Now()
	p.ID, p.CreatedAt, p.UpdatedAt = newID(), now, now
	d := projectDoc{ID: p.ID, WorkspaceID: p.WorkspaceID, Name: p.Name, Archived: p.Archived, CreatedAt: now, UpdatedAt: now}
	if err := s.db.indexAdd(ctx, workspaceProjectsKey(p.WorkspaceID), p.ID); err != nil {
		return err
	}
	if _, err := s.db.projects().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert project: %w", err)
	}
	return nil
}

// FindProjectByID implements shotline.ProjectService.
func (s *ProjectService) FindProjectByID(ctx context.Context, id string) (*shotline.Project, error) {
	var d projectDoc
	if err := s.db.projects().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, projectNotFound, "find project")
	}
	return d.project(), nil
}

// FindProjects implements shotline.ProjectService.
func (s *ProjectService) FindProjects(ctx context.Context, workspaceID string, archived bool) ([]*shotline.Project, error) {
	docs, err := indexed[projectDoc](ctx, s.db, workspaceProjectsKey(workspaceID), s.db.projects())
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	out := make([]*shotline.Project, 0, len(docs))
	for i := range docs {
		if docs[i].WorkspaceID == workspaceID && (archived || !docs[i].Archived) {
			out = append(out, docs[i].project())
		}
	}
	slices.SortFunc(out, func(a, b *shotline.Project) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// UpdateProject implements shotline.ProjectService.
func (s *ProjectService) UpdateProject(ctx context.Context, id string, upd shotline.ProjectUpdate) (*shotline.Project, error) {
	set := bson.D{{Key: "updatedAt", Value: s.db.Now()}}
	if upd.Name != nil {
		set = append(set, bson.E{Key: "name", Value: *upd.Name})
	}
	if upd.Archived != nil {
		set = append(set, bson.E{Key: "archived", Value: *upd.Archived})
	}
	var d projectDoc
	err := s.db.projects().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return nil, notFound(err, projectNotFound, "update project")
	}
	return d.project(), nil
}

// DeleteProject implements shotline.ProjectService.
func (s *ProjectService) DeleteProject(ctx context.Context, id string) error {
	var d projectDoc
	err := s.db.projects().FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		return notFound(err, projectNotFound, "delete project")
	}
	if err := s.db.deleteProjectBoards(ctx, id); err != nil {
		return err
	}
	return s.db.indexRemove(ctx, workspaceProjectsKey(d.WorkspaceID), id)
}

// deleteProjectBoards deletes every board of a project, then its index.
func (db *DB) deleteProjectBoards(ctx context.Context, projectID string) error {
	ids, err := db.indexIDs(ctx, projectBoardsKey(projectID))
	if err != nil {
		return err
	}
	for _, b := range ids {
		if _, err := db.boards().DeleteOne(ctx, bson.D{{Key: "_id", Value: b}}); err != nil {
			return fmt.Errorf("delete project board: %w", err)
		}
	}
	return db.indexDrop(ctx, projectBoardsKey(projectID))
}
