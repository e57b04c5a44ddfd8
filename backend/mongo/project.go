package mongo

import (
	"context"
	"fmt"
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
	filter := bson.D{{Key: "workspaceId", Value: workspaceID}}
	if !archived {
		filter = append(filter, bson.E{Key: "archived", Value: false})
	}
	docs, err := findAll[projectDoc](ctx, s.db.projects(), filter, options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find projects: %w", err)
	}
	out := make([]*shotline.Project, len(docs))
	for i := range docs {
		out[i] = docs[i].project()
	}
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
	res, err := s.db.projects().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("delete project: %w", err)
	} else if res.DeletedCount == 0 {
		return shotline.Errorf(shotline.ENOTFOUND, projectNotFound)
	}
	if _, err := s.db.boards().DeleteMany(ctx, bson.D{{Key: "projectId", Value: id}}); err != nil {
		return fmt.Errorf("delete project boards: %w", err)
	}
	return nil
}
