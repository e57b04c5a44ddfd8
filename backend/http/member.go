package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

type memberView struct {
	UserID  string        `json:"userId"`
	Email   string        `json:"email"`
	Name    string        `json:"name"`
	Role    shotline.Role `json:"role"`
	AddedAt time.Time     `json:"addedAt"`
}

type membersOutput struct {
	Body struct {
		Members []memberView      `json:"members"`
		Invites []shotline.Invite `json:"invites"`
	}
}

type addMemberInput struct {
	workspaceIDInput
	Body struct {
		Email string        `json:"email" maxLength:"254"`
		Role  shotline.Role `json:"role" enum:"owner,admin,editor,commenter,viewer"`
	}
}

type addMemberOutput struct {
	Body struct {
		Member *memberView      `json:"member,omitempty" doc:"Set when the email has an account: they are a member now."`
		Invite *shotline.Invite `json:"invite,omitempty" doc:"Set when it has none yet: they become a member when they sign up."`
	}
}

type memberInput struct {
	workspaceIDInput
	UserID string `path:"userId" maxLength:"64"`
}

type setRoleInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	UserID      string `path:"userId" maxLength:"64"`
	Body        struct {
		Role shotline.Role `json:"role" enum:"owner,admin,editor,commenter,viewer"`
	}
}

type inviteInput struct {
	workspaceIDInput
	Email string `path:"email" maxLength:"254"`
}

// checkOwnerChange refuses to let a role without member:owners grant, change
// or take away the owner role.
func (s *Server) checkOwnerChange(a *Access, roles ...shotline.Role) error {
	for _, r := range roles {
		if r == shotline.RoleOwner && !s.Authz.Allowed(a.Role, shotline.PermMemberOwners) {
			return shotline.Errorf(shotline.EFORBIDDEN, "Only an owner can grant, change or remove the owner role.")
		}
	}
	return nil
}

func (s *Server) viewMember(ctx context.Context, m shotline.Member) (memberView, error) {
	u, err := s.Users.FindUserByID(ctx, m.UserID)
	if err != nil {
		return memberView{}, err
	}
	return memberView{UserID: m.UserID, Email: u.Email, Name: u.Name, Role: m.Role, AddedAt: m.AddedAt}, nil
}

func (s *Server) registerMembers() {
	register(s, Route{ID: "listMembers", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/members", Tag: "members",
		Summary: "Members and pending invites", Scope: ScopeWorkspace, Perm: shotline.PermMemberRead},
		func(ctx context.Context, _ *workspaceIDInput) (*membersOutput, error) {
			w := accessFrom(ctx).Workspace
			ids := make([]string, len(w.Members))
			for i, m := range w.Members {
				ids[i] = m.UserID
			}
			users, err := s.Users.FindUsersByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			out := &membersOutput{}
			out.Body.Members = make([]memberView, 0, len(w.Members))
			for _, m := range w.Members {
				v := memberView{UserID: m.UserID, Role: m.Role, AddedAt: m.AddedAt, Name: "Deleted user"}
				if u := users[m.UserID]; u != nil {
					v.Email, v.Name = u.Email, u.Name
				}
				out.Body.Members = append(out.Body.Members, v)
			}
			// Pending invites are for those who may invite: others (viewers,
			// commenters, editors) see who is in, not who was asked.
			out.Body.Invites = []shotline.Invite{}
			if s.Authz.Allowed(accessFrom(ctx).Role, shotline.PermMemberInvite) {
				out.Body.Invites = append(out.Body.Invites, w.Invites...)
			}
			return out, nil
		})

	register(s, Route{ID: "addMember", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/members", Tag: "members",
		Summary: "Add a member by email, or invite the email if it has no account", Scope: ScopeWorkspace, Perm: shotline.PermMemberInvite, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *addMemberInput) (*addMemberOutput, error) {
			a := accessFrom(ctx)
			email, err := shotline.NormalizeEmail(in.Body.Email)
			if err != nil {
				return nil, err
			}
			if err := s.checkOwnerChange(a, in.Body.Role); err != nil {
				return nil, err
			}
			out := &addMemberOutput{}
			user, err := s.Users.FindUserByEmail(ctx, email)
			switch shotline.ErrorCode(err) {
			case "":
				m := shotline.Member{UserID: user.ID, Role: in.Body.Role, AddedAt: s.now()}
				if _, err := s.Workspaces.UpdateWorkspace(ctx, a.Workspace.ID, func(w *shotline.Workspace) error {
					return w.AddMember(m.UserID, m.Role, m.AddedAt)
				}); err != nil {
					return nil, err
				}
				out.Body.Member = &memberView{UserID: user.ID, Email: user.Email, Name: user.Name, Role: m.Role, AddedAt: m.AddedAt}
				s.audit(ctx, a.Workspace.ID, shotline.AuditMemberInvited, "member:"+user.ID, "role="+string(m.Role))
			case shotline.ENOTFOUND:
				inv := shotline.Invite{Email: email, Role: in.Body.Role, InvitedBy: callerFrom(ctx).User.ID, InvitedAt: s.now()}
				if _, err := s.Workspaces.UpdateWorkspace(ctx, a.Workspace.ID, func(w *shotline.Workspace) error { return w.AddInvite(inv) }); err != nil {
					return nil, err
				}
				out.Body.Invite = &inv
				s.audit(ctx, a.Workspace.ID, shotline.AuditMemberInvited, "invite:"+email, "role="+string(inv.Role))
			default:
				return nil, err
			}
			return out, nil
		})

	register(s, Route{ID: "setMemberRole", Method: nethttp.MethodPatch, Path: "/api/workspaces/{workspaceId}/members/{userId}", Tag: "members",
		Summary: "Change a member's role (a workspace keeps at least one owner)", Scope: ScopeWorkspace, Perm: shotline.PermMemberUpdate},
		func(ctx context.Context, in *setRoleInput) (*struct{ Body memberView }, error) {
			a := accessFrom(ctx)
			current, ok := a.Workspace.RoleOf(in.UserID)
			if !ok {
				return nil, shotline.Errorf(shotline.ENOTFOUND, "Member not found.")
			}
			if err := s.checkOwnerChange(a, current, in.Body.Role); err != nil {
				return nil, err
			}
			w, err := s.Workspaces.UpdateWorkspace(ctx, a.Workspace.ID, func(w *shotline.Workspace) error {
				// Re-check on the fresh copy: the role may have changed meanwhile.
				if r, _ := w.RoleOf(in.UserID); r != current {
					if err := s.checkOwnerChange(a, r); err != nil {
						return err
					}
				}
				return w.SetRole(in.UserID, in.Body.Role)
			})
			if err != nil {
				return nil, err
			}
			s.memberChanged(a.Workspace.ID, in.UserID, in.Body.Role)
			s.audit(ctx, a.Workspace.ID, shotline.AuditMemberRoleChanged, "member:"+in.UserID, string(current)+"->"+string(in.Body.Role))
			v, err := s.viewMember(ctx, *w.Member(in.UserID))
			if err != nil {
				return nil, err
			}
			return &struct{ Body memberView }{Body: v}, nil
		})

	register(s, Route{ID: "removeMember", Method: nethttp.MethodDelete, Path: "/api/workspaces/{workspaceId}/members/{userId}", Tag: "members",
		Summary: "Remove a member (not the last owner)", Scope: ScopeWorkspace, Perm: shotline.PermMemberRemove, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *memberInput) (*struct{}, error) {
			a := accessFrom(ctx)
			_, err := s.Workspaces.UpdateWorkspace(ctx, a.Workspace.ID, func(w *shotline.Workspace) error {
				r, ok := w.RoleOf(in.UserID)
				if !ok {
					return shotline.Errorf(shotline.ENOTFOUND, "Member not found.")
				}
				if err := s.checkOwnerChange(a, r); err != nil {
					return err
				}
				return w.RemoveMember(in.UserID)
			})
			if err == nil {
				s.memberChanged(a.Workspace.ID, in.UserID, "")
				s.audit(ctx, a.Workspace.ID, shotline.AuditMemberRemoved, "member:"+in.UserID, "")
			}
			return nil, err
		})

	register(s, Route{ID: "cancelInvite", Method: nethttp.MethodDelete, Path: "/api/workspaces/{workspaceId}/invites/{email}", Tag: "members",
		Summary: "Cancel a pending invite", Scope: ScopeWorkspace, Perm: shotline.PermMemberInvite, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *inviteInput) (*struct{}, error) {
			email, err := shotline.NormalizeEmail(in.Email)
			if err != nil {
				return nil, err
			}
			_, err = s.Workspaces.UpdateWorkspace(ctx, accessFrom(ctx).Workspace.ID, func(w *shotline.Workspace) error { return w.RemoveInvite(email) })
			return nil, err
		})
}
