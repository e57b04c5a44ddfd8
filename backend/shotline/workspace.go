package shotline

import (
	"context"
	"time"
)

// Workspace is a team's space: its members, pending invites, and projects.
// Members and invites are kept inside the workspace document so that every
// change to them, and the rules that span them (there is always an owner),
// is one atomic single-document update.
type Workspace struct {
	ID        string
	Name      string
	Members   []Member
	Invites   []Invite
	Version   int64 // bumped on every change; used for optimistic concurrency
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Member binds a user to a role in a workspace.
type Member struct {
	UserID  string    `json:"userId"`
	Role    Role      `json:"role"`
	AddedAt time.Time `json:"addedAt"`
}

// Invite is a role promised to an email that has no account yet. It becomes a
// membership when someone signs up with that email.
type Invite struct {
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	InvitedBy string    `json:"-"`
	InvitedAt time.Time `json:"invitedAt"`
}

// MaxWorkspaceMembers bounds the members and invites of one workspace.
const MaxWorkspaceMembers = 1000

// Member returns the membership of userID, or nil.
func (w *Workspace) Member(userID string) *Member {
	for i := range w.Members {
		if w.Members[i].UserID == userID {
			return &w.Members[i]
		}
	}
	return nil
}

// RoleOf returns the role of userID and whether they are a member.
func (w *Workspace) RoleOf(userID string) (Role, bool) {
	if m := w.Member(userID); m != nil {
		return m.Role, true
	}
	return "", false
}

func (w *Workspace) owners() int {
	n := 0
	for _, m := range w.Members {
		if m.Role == RoleOwner {
			n++
		}
	}
	return n
}

// AddMember makes userID a member with role.
// Returns EINVALID for an unknown role, ECONFLICT if already a member or full.
func (w *Workspace) AddMember(userID string, role Role, now time.Time) error {
	if !role.Valid() {
		return Invalid("role", "unknown role")
	} else if w.Member(userID) != nil {
		return Errorf(ECONFLICT, "This person is already a member.")
	} else if len(w.Members)+len(w.Invites) >= MaxWorkspaceMembers {
		return Errorf(ECONFLICT, "This workspace has reached its member limit.")
	}
	w.Members = append(w.Members, Member{UserID: userID, Role: role, AddedAt: now})
	return nil
}

// SetRole changes a member's role.
// Returns ENOTFOUND if not a member, ECONFLICT if it would leave no owner.
func (w *Workspace) SetRole(userID string, role Role) error {
	if !role.Valid() {
		return Invalid("role", "unknown role")
	}
	m := w.Member(userID)
	if m == nil {
		return Errorf(ENOTFOUND, "Member not found.")
	}
	if m.Role == RoleOwner && role != RoleOwner && w.owners() == 1 {
		return Errorf(ECONFLICT, "A workspace needs at least one owner; make someone else owner first.")
	}
	m.Role = role
	return nil
}

// RemoveMember removes a member.
// Returns ENOTFOUND if not a member, ECONFLICT if they are the last owner.
func (w *Workspace) RemoveMember(userID string) error {
	for i, m := range w.Members {
		if m.UserID != userID {
			continue
		}
		if m.Role == RoleOwner && w.owners() == 1 {
			return Errorf(ECONFLICT, "The last owner cannot leave or be removed; make someone else owner first.")
		}
		w.Members = append(w.Members[:i], w.Members[i+1:]...)
		return nil
	}
	return Errorf(ENOTFOUND, "Member not found.")
}

// AddInvite records an invite for an email without an account.
// Returns ECONFLICT if that email is already invited or the workspace is full.
func (w *Workspace) AddInvite(inv Invite) error {
	if !inv.Role.Valid() {
		return Invalid("role", "unknown role")
	}
	for _, v := range w.Invites {
		if v.Email == inv.Email {
			return Errorf(ECONFLICT, "This email is already invited.")
		}
	}
	if len(w.Members)+len(w.Invites) >= MaxWorkspaceMembers {
		return Errorf(ECONFLICT, "This workspace has reached its member limit.")
	}
	w.Invites = append(w.Invites, inv)
	return nil
}

// RemoveInvite drops the invite of email. Returns ENOTFOUND if there is none.
func (w *Workspace) RemoveInvite(email string) error {
	for i, v := range w.Invites {
		if v.Email == email {
			w.Invites = append(w.Invites[:i], w.Invites[i+1:]...)
			return nil
		}
	}
	return Errorf(ENOTFOUND, "Invite not found.")
}

// AcceptInvite turns the invite of email into a membership of userID.
// It reports whether there was an invite to accept.
func (w *Workspace) AcceptInvite(email, userID string, now time.Time) bool {
	for i, v := range w.Invites {
		if v.Email != email {
			continue
		}
		w.Invites = append(w.Invites[:i], w.Invites[i+1:]...)
		if w.Member(userID) == nil {
			w.Members = append(w.Members, Member{UserID: userID, Role: v.Role, AddedAt: now})
		}
		return true
	}
	return false
}

// WorkspaceService stores workspaces with their members and invites.
type WorkspaceService interface {
	// CreateWorkspace stores w (which must have its owner among Members),
	// setting ID, Version and timestamps.
	CreateWorkspace(ctx context.Context, w *Workspace) error
	// FindWorkspaceByID returns ENOTFOUND if there is no such workspace.
	FindWorkspaceByID(ctx context.Context, id string) (*Workspace, error)
	// FindWorkspacesByMember returns the workspaces userID is a member of, by name.
	FindWorkspacesByMember(ctx context.Context, userID string) ([]*Workspace, error)
	// FindWorkspacesByInvite returns the workspaces with an invite for email.
	FindWorkspacesByInvite(ctx context.Context, email string) ([]*Workspace, error)
	// UpdateWorkspace loads the workspace, calls fn on it, and stores the result
	// atomically if nobody changed it meanwhile (retrying fn otherwise).
	// An error from fn is returned as is and nothing is stored.
	// Returns ENOTFOUND if there is no such workspace.
	UpdateWorkspace(ctx context.Context, id string, fn func(w *Workspace) error) (*Workspace, error)
	// DeleteWorkspace deletes the workspace with its projects and boards.
	DeleteWorkspace(ctx context.Context, id string) error
}
