package http

import (
	"context"
	nethttp "net/http"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

const maxWorkspaceName = 100

// workspaceView is a workspace as its member sees it: with their role and
// what that role may do, so the UI can hide what it may not.
type workspaceView struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Role        shotline.Role         `json:"role"`
	Permissions []shotline.Permission `json:"permissions"`
	CreatedAt   time.Time             `json:"createdAt"`
}

func (s *Server) viewWorkspace(w *shotline.Workspace, role shotline.Role) *workspaceView {
	return &workspaceView{ID: w.ID, Name: w.Name, Role: role, Permissions: s.Authz.Permissions(role), CreatedAt: w.CreatedAt}
}

type workspaceOutput struct{ Body *workspaceView }

type workspaceListOutput struct {
	Body struct {
		Workspaces []*workspaceView `json:"workspaces"`
	}
}

type workspaceNameInput struct {
	Body struct {
		Name string `json:"name" maxLength:"100" example:"Northlight Studio"`
	}
}

type workspaceIDInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
}

func (s *Server) registerWorkspaces() {
	register(s, Route{ID: "listWorkspaces", Method: nethttp.MethodGet, Path: "/api/workspaces", Tag: "workspaces",
		Summary: "Workspaces you are a member of", Scope: ScopeSession},
		func(ctx context.Context, _ *struct{}) (*workspaceListOutput, error) {
			user := callerFrom(ctx).User
			ws, err := s.Workspaces.FindWorkspacesByMember(ctx, user.ID)
			if err != nil {
				return nil, err
			}
			out := &workspaceListOutput{}
			out.Body.Workspaces = make([]*workspaceView, 0, len(ws))
			for _, w := range ws {
				role, _ := w.RoleOf(user.ID)
				out.Body.Workspaces = append(out.Body.Workspaces, s.viewWorkspace(w, role))
			}
			return out, nil
		})

	register(s, Route{ID: "createWorkspace", Method: nethttp.MethodPost, Path: "/api/workspaces", Tag: "workspaces",
		Summary: "Create a workspace; you become its owner", Scope: ScopeSession, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *workspaceNameInput) (*workspaceOutput, error) {
			name, err := shotline.ValidateName("name", in.Body.Name, maxWorkspaceName)
			if err != nil {
				return nil, err
			}
			w := &shotline.Workspace{Name: name, Members: []shotline.Member{{UserID: callerFrom(ctx).User.ID, Role: shotline.RoleOwner, AddedAt: s.now()}}}
			if err := s.Workspaces.CreateWorkspace(ctx, w); err != nil {
				return nil, err
			}
			return &workspaceOutput{Body: s.viewWorkspace(w, shotline.RoleOwner)}, nil
		})

	register(s, Route{ID: "getWorkspace", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}", Tag: "workspaces",
		Summary: "A workspace, with your role and permissions", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceRead},
		func(ctx context.Context, _ *workspaceIDInput) (*workspaceOutput, error) {
			a := accessFrom(ctx)
			return &workspaceOutput{Body: s.viewWorkspace(a.Workspace, a.Role)}, nil
		})

	register(s, Route{ID: "renameWorkspace", Method: nethttp.MethodPatch, Path: "/api/workspaces/{workspaceId}", Tag: "workspaces",
		Summary: "Rename a workspace", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceUpdate},
		func(ctx context.Context, in *struct {
			workspaceIDInput
			workspaceNameInput
		}) (*workspaceOutput, error) {
			name, err := shotline.ValidateName("name", in.Body.Name, maxWorkspaceName)
			if err != nil {
				return nil, err
			}
			a := accessFrom(ctx)
			w, err := s.Workspaces.UpdateWorkspace(ctx, a.Workspace.ID, func(w *shotline.Workspace) error { w.Name = name; return nil })
			if err != nil {
				return nil, err
			}
			return &workspaceOutput{Body: s.viewWorkspace(w, a.Role)}, nil
		})

	register(s, Route{ID: "deleteWorkspace", Method: nethttp.MethodDelete, Path: "/api/workspaces/{workspaceId}", Tag: "workspaces",
		Summary: "Delete a workspace with all its projects and boards", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceDelete, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *workspaceIDInput) (*struct{}, error) {
			id := accessFrom(ctx).Workspace.ID
			if err := s.Workspaces.DeleteWorkspace(ctx, id); err != nil {
				return nil, err
			}
			s.workspaceDeleted(id)
			return nil, nil
		})

	register(s, Route{ID: "leaveWorkspace", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/leave", Tag: "members",
		Summary: "Leave a workspace (not as its last owner)", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceLeave, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *workspaceIDInput) (*struct{}, error) {
			userID := callerFrom(ctx).User.ID
			wsID := accessFrom(ctx).Workspace.ID
			if _, err := s.Workspaces.UpdateWorkspace(ctx, wsID, func(w *shotline.Workspace) error { return w.RemoveMember(userID) }); err != nil {
				return nil, err
			}
			s.memberChanged(wsID, userID, "")
			return nil, nil
		})
}
