package mongo

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/shotline/shotline/backend/shotline"
)

// WorkspaceService stores workspaces, with their members and invites, in the
// workspaces collection. Changes use optimistic concurrency on Version,
// with only _id lookups (docs/storage.md): a writer first claims the next
// version by inserting it into workspace_versions, keyed by workspace and
// version, which only one writer can do; then it replaces the workspace
// by _id. A writer that finds the next version claimed (the claim's writer
// may have crashed before its replace) writes the claimed content itself
// and tries again on top of it, so a workspace never stays behind its
// claims. Writers in one process are also serialized per workspace.
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
	if err := s.indexPeople(ctx, nil, w); err != nil {
		return err
	}
	if _, err := s.db.workspaces().InsertOne(ctx, toWorkspaceDoc(w)); err != nil {
		return fmt.Errorf("insert workspace: %w", err)
	}
	return nil
}

// FindWorkspaceByID implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspaceByID(ctx context.Context, id string) (*shotline.Workspace, error) {
	d, err := shared(ctx, s.db, "workspaces/"+id, func(ctx context.Context) (workspaceDoc, error) {
		var d workspaceDoc
		err := s.db.workspaces().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		return d, err
	})
	if err != nil {
		return nil, notFound(err, "Workspace not found.", "find workspace")
	}
	return d.workspace(), nil // a copy of its own for each caller
}

// findFresh reads a workspace with a read of its own, never one already
// in flight: a writer must see what it wrote.
func (s *WorkspaceService) findFresh(ctx context.Context, id string) (*shotline.Workspace, error) {
	var d workspaceDoc
	if err := s.db.workspaces().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Workspace not found.", "find workspace")
	}
	return d.workspace(), nil
}

// findIndexed returns the workspaces the scope index key lists that keep
// has, by name.
func (s *WorkspaceService) findIndexed(ctx context.Context, key string, keep func(*shotline.Workspace) bool) ([]*shotline.Workspace, error) {
	docs, err := indexed[workspaceDoc](ctx, s.db, key, s.db.workspaces())
	if err != nil {
		return nil, fmt.Errorf("find workspaces: %w", err)
	}
	out := make([]*shotline.Workspace, 0, len(docs))
	for i := range docs {
		if w := docs[i].workspace(); keep(w) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *shotline.Workspace) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// FindWorkspacesByMember implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspacesByMember(ctx context.Context, userID string) ([]*shotline.Workspace, error) {
	return s.findIndexed(ctx, userWorkspacesKey(userID), func(w *shotline.Workspace) bool {
		return slices.ContainsFunc(w.Members, func(m shotline.Member) bool { return m.UserID == userID })
	})
}

// FindWorkspacesByInvite implements shotline.WorkspaceService.
func (s *WorkspaceService) FindWorkspacesByInvite(ctx context.Context, email string) ([]*shotline.Workspace, error) {
	return s.findIndexed(ctx, emailInvitesKey(email), func(w *shotline.Workspace) bool {
		return slices.ContainsFunc(w.Invites, func(v shotline.Invite) bool { return v.Email == email })
	})
}

// people returns the member user ids and invited emails of w.
func people(w *shotline.Workspace) (members, invites []string) {
	if w == nil {
		return nil, nil
	}
	for _, m := range w.Members {
		members = append(members, m.UserID)
	}
	for _, v := range w.Invites {
		invites = append(invites, v.Email)
	}
	return members, invites
}

// indexPeople adds to the scope indexes the members and invites that after
// has and before had not (before a write, so an index never misses one).
func (s *WorkspaceService) indexPeople(ctx context.Context, before, after *shotline.Workspace) error {
	bm, bi := people(before)
	am, ai := people(after)
	for _, u := range am {
		if !slices.Contains(bm, u) {
			if err := s.db.indexAdd(ctx, userWorkspacesKey(u), after.ID); err != nil {
				return err
			}
		}
	}
	for _, e := range ai {
		if !slices.Contains(bi, e) {
			if err := s.db.indexAdd(ctx, emailInvitesKey(e), after.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// unindexPeople removes from the scope indexes the members and invites
// that before had and after has not (after a write). after may be nil (the
// workspace is gone).
func (s *WorkspaceService) unindexPeople(ctx context.Context, before, after *shotline.Workspace) error {
	bm, bi := people(before)
	am, ai := people(after)
	for _, u := range bm {
		if !slices.Contains(am, u) {
			if err := s.db.indexRemove(ctx, userWorkspacesKey(u), before.ID); err != nil {
				return err
			}
		}
	}
	for _, e := range bi {
		if !slices.Contains(ai, e) {
			if err := s.db.indexRemove(ctx, emailInvitesKey(e), before.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxUpdateAttempts bounds the optimistic-concurrency retries of one update.
const maxUpdateAttempts = 20

func (s *WorkspaceService) versions() *mongo.Collection {
	return s.db.db.Collection("workspace_versions")
}

// workspaceClaim claims one version of a workspace, with its content.
type workspaceClaim struct {
	ID        string       `bson:"_id"` // workspace id + ":" + version
	Workspace workspaceDoc `bson:"workspace"`
}

func versionKey(id string, version int64) string { return fmt.Sprintf("%s:%d", id, version) }

// UpdateWorkspace implements shotline.WorkspaceService.
func (s *WorkspaceService) UpdateWorkspace(ctx context.Context, id string, fn func(w *shotline.Workspace) error) (*shotline.Workspace, error) {
	mu := s.lock(id)
	mu.Lock()
	defer mu.Unlock()
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		before, err := s.findFresh(ctx, id)
		if err != nil {
			return nil, err
		}
		w := *before
		w.Members, w.Invites = slices.Clone(before.Members), slices.Clone(before.Invites)
		if err := fn(&w); err != nil {
			return nil, err
		}
		prev := before.Version
		w.Version, w.UpdatedAt = prev+1, s.db.Now()
		d := toWorkspaceDoc(&w)
		if err := s.indexPeople(ctx, before, &w); err != nil {
			return nil, err
		}
		_, err = s.versions().InsertOne(ctx, workspaceClaim{ID: versionKey(id, w.Version), Workspace: d})
		if isDuplicate(err) {
			// Someone else claimed this version: make sure it is written,
			// then apply fn again on top of it.
			if err := s.rollForward(ctx, id, w.Version); err != nil {
				return nil, err
			}
			continue
		} else if err != nil {
			return nil, fmt.Errorf("claim workspace version: %w", err)
		}
		if err := s.write(ctx, d); err != nil {
			return nil, err
		}
		if err := s.unindexPeople(ctx, before, &w); err != nil {
			return nil, err
		}
		return &w, nil
	}
	return nil, shotline.Errorf(shotline.ECONFLICT, "The workspace is being changed by someone else; try again.")
}

// write replaces the stored workspace with d, unless it is at d's version
// or later already.
func (s *WorkspaceService) write(ctx context.Context, d workspaceDoc) error {
	cur, err := s.findFresh(ctx, d.ID)
	if err != nil {
		return err
	}
	if cur.Version >= d.Version {
		return nil
	}
	if _, err := s.db.workspaces().ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d); err != nil {
		return fmt.Errorf("update workspace: %w", err)
	}
	// The claim of the version before is not needed any more.
	_, _ = s.versions().DeleteOne(ctx, bson.D{{Key: "_id", Value: versionKey(d.ID, d.Version-1)}})
	return nil
}

// rollForward writes the claimed content of a version of a workspace.
func (s *WorkspaceService) rollForward(ctx context.Context, id string, version int64) error {
	var v workspaceClaim
	if err := s.versions().FindOne(ctx, bson.D{{Key: "_id", Value: versionKey(id, version)}}).Decode(&v); err != nil {
		return fmt.Errorf("read claimed workspace version: %w", err)
	}
	return s.write(ctx, v.Workspace)
}

// DeleteWorkspace implements shotline.WorkspaceService. The workspace goes
// first so that nobody can reach its projects and boards while they are
// being removed.
func (s *WorkspaceService) DeleteWorkspace(ctx context.Context, id string) error {
	var d workspaceDoc
	if err := s.db.workspaces().FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return notFound(err, "Workspace not found.", "delete workspace")
	}
	projects, err := s.db.indexIDs(ctx, workspaceProjectsKey(id))
	if err != nil {
		return err
	}
	for _, p := range projects {
		if err := s.db.deleteProjectBoards(ctx, p); err != nil {
			return err
		}
		if _, err := s.db.projects().DeleteOne(ctx, bson.D{{Key: "_id", Value: p}}); err != nil {
			return fmt.Errorf("delete workspace project: %w", err)
		}
	}
	if err := s.db.indexDrop(ctx, workspaceProjectsKey(id)); err != nil {
		return err
	}
	_, _ = s.versions().DeleteOne(ctx, bson.D{{Key: "_id", Value: versionKey(id, d.Version)}})
	return s.unindexPeople(ctx, d.workspace(), nil)
}
