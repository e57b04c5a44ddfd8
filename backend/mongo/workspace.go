package mongo

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// WorkspaceService stores workspaces, with their members and invites, in the
// workspaces collection. Changes use optimistic concurrency on Version: on
// MongoDB a replace filtered by the version it read is an atomic
// compare-and-set, which makes this safe across app instances. FerretDB v1
// on SQLite does not make that filter and the write one atomic step, so
// writers in one process are also serialized per workspace by locks.
type WorkspaceService struct {
	db    *DB
	locks [64]sync.Mutex
}

var _ shotline.WorkspaceService = (*WorkspaceService)(nil)

// NewWorkspaceService returns a WorkspaceService on db.
func NewWorkspaceService(db *DB) *WorkspaceService { return &WorkspaceService{db: db} }

// lock returns the mutex serializing this process's writers of workspace id.
func (s *WorkspaceService) lock(id string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

type workspaceDoc struct {
	ID        string      `bson:"_id"`
	Name      string      `bson:"name"`
	Members   []memberDoc `bson:"members"`
	Invites   []inviteDoc `bson:"invites"`
	Version   int64       `bson:"version"`
	CreatedAt time.Time   `bson:"createdAt"`
	UpdatedAt time.Time   `bson:"updatedAt"`
}

type memberDoc struct {
	UserID  string    `bson:"userId"`
	Role    string    `bson:"role"`
	AddedAt time.Time `bson:"addedAt"`
}

type inviteDoc struct {
	Email     string    `bson:"email"`
	Role      string    `bson:"role"`
	InvitedBy string    `bson:"invitedBy"`
	InvitedAt time.Time `bson:"invitedAt"`
}

func toWorkspaceDoc(w *shotline.Workspace) workspaceDoc {
	d := workspaceDoc{ID: w.ID, Name: w.Name, Version: w.Version, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
		Members: make([]memberDoc, 0, len(w.Members)), Invites: make([]inviteDoc, 0, len(w.Invites))}
	for _, m := range w.Members {
		d.Members = append(d.Members, memberDoc{UserID: m.UserID, Role: string(m.Role), AddedAt: m.AddedAt})
	}
	for _, v := range w.Invites {
		d.Invites = append(d.Invites, inviteDoc{Email: v.Email, Role: string(v.Role), InvitedBy: v.InvitedBy, InvitedAt: v.InvitedAt})
	}
	return d
}

func (d *workspaceDoc) workspace() *shotline.Workspace {
	w := &shotline.Workspace{ID: d.ID, Name: d.Name, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, m := range d.Members {
		w.Members = append(w.Members, shotline.Member{UserID: m.UserID, Role: shotline.Role(m.Role), AddedAt: m.AddedAt.UTC()})
	}
	for _, v := range d.Invites {
		w.Invites = append(w.Invites, shotline.Invite{Email: v.Email, Role: shotline.Role(v.Role), InvitedBy: v.InvitedBy, InvitedAt: v.InvitedAt.UTC()})
	}
	return w
}

// CreateWorkspace implements shotline.WorkspaceService.
func (s *WorkspaceService) CreateWorkspace(ctx context.Context, w *shotline.Workspace) error {
	now := s.db.Now()
	w.ID, w.Version, w.CreatedAt, w.UpdatedAt = newID(), 1, now, now
	if _, err := s.db.workspaces().InsertOne(ctx, toWorkspaceDoc(w)); err != nil {
		return fmt.Errorf("insert workspace: %w", err)
	}
	return nil
}

// FindWorkspaceByID implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspaceByID(ctx context.Context, id string) (*shotline.Workspace, error) {
	var d workspaceDoc
	if err := s.db.workspaces().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Workspace not found.", "find workspace")
	}
	return d.workspace(), nil
}

func (s *WorkspaceService) findMany(ctx context.Context, filter bson.D) ([]*shotline.Workspace, error) {
	docs, err := findAll[workspaceDoc](ctx, s.db.workspaces(), filter, options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find workspaces: %w", err)
	}
	out := make([]*shotline.Workspace, len(docs))
	for i := range docs {
		out[i] = docs[i].workspace()
	}
	return out, nil
}

// FindWorkspacesByMember implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspacesByMember(ctx context.Context, userID string) ([]*shotline.Workspace, error) {
	return s.findMany(ctx, bson.D{{Key: "members.userId", Value: userID}})
}

// FindWorkspacesByInvite implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspacesByInvite(ctx context.Context, email string) ([]*shotline.Workspace, error) {
	return s.findMany(ctx, bson.D{{Key: "invites.email", Value: email}})
}

// maxUpdateAttempts bounds the optimistic-concurrency retries of one update.
const maxUpdateAttempts = 20

// UpdateWorkspace implements shotline.WorkspaceService.
func (s *WorkspaceService) UpdateWorkspace(ctx context.Context, id string, fn func(w *shotline.Workspace) error) (*shotline.Workspace, error) {
	mu := s.lock(id)
	mu.Lock()
	defer mu.Unlock()
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		w, err := s.FindWorkspaceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(w); err != nil {
			return nil, err
		}
		prev := w.Version
		w.Version, w.UpdatedAt = prev+1, s.db.Now()
		d := toWorkspaceDoc(w)
		res, err := s.db.workspaces().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: prev}}, d)
		if err != nil {
			return nil, fmt.Errorf("update workspace: %w", err)
		} else if res.MatchedCount == 1 {
			return w, nil
		}
		// Someone else changed it first: reload and apply fn again.
	}
	return nil, shotline.Errorf(shotline.ECONFLICT, "The workspace is being changed by someone else; try again.")
}

// DeleteWorkspace implements shotline.WorkspaceService. The workspace goes
// first so that nobody can reach its projects and boards while they are
// being removed.
func (s *WorkspaceService) DeleteWorkspace(ctx context.Context, id string) error {
	res, err := s.db.workspaces().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("delete workspace: %w", err)
	} else if res.DeletedCount == 0 {
		return shotline.Errorf(shotline.ENOTFOUND, "Workspace not found.")
	}
	filter := bson.D{{Key: "workspaceId", Value: id}}
	if _, err := s.db.boards().DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("delete workspace boards: %w", err)
	}
	if _, err := s.db.projects().DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("delete workspace projects: %w", err)
	}
	return nil
}
