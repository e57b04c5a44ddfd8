package http

import (
	"context"
	nethttp "net/http"

	"github.com/shotline/shotline/backend/shotline"
)

const maxProjectName = 200

type projectOutput struct{ Body *shotline.Project }

type projectListOutput struct {
	Body struct {
		Projects []*shotline.Project `json:"projects"`
	}
}

type projectIDInput struct {
	ProjectID string `path:"projectId" maxLength:"64"`
}

type listProjectsInput struct {
	workspaceIDInput
	Archived bool `query:"archived" doc:"Include archived projects."`
}

type createProjectInput struct {
	workspaceIDInput
	Body struct {
		Name string `json:"name" maxLength:"200" example:"Spring campaign"`
	}
}

type updateProjectInput struct {
	projectIDInput
	Body struct {
		Name     *string `json:"name,omitempty" maxLength:"200"`
		Archived *bool   `json:"archived,omitempty"`
	}
}

func (s *Server) registerProjects() {
	register(s, Route{ID: "listProjects", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/projects", Tag: "projects",
		Summary: "Projects of a workspace", Scope: ScopeWorkspace, Perm: shotline.PermProjectRead},
		func(ctx context.Context, in *listProjectsInput) (*projectListOutput, error) {
			ps, err := s.Projects.FindProjects(ctx, accessFrom(ctx).Workspace.ID, in.Archived)
			if err != nil {
				return nil, err
			}
			out := &projectListOutput{}
			out.Body.Projects = append([]*shotline.Project{}, ps...)
			return out, nil
		})

	register(s, Route{ID: "createProject", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/projects", Tag: "projects",
		Summary: "Create a project", Scope: ScopeWorkspace, Perm: shotline.PermProjectCreate, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *createProjectInput) (*projectOutput, error) {
			name, err := shotline.ValidateName("name", in.Body.Name, maxProjectName)
			if err != nil {
				return nil, err
			}
			p := &shotline.Project{WorkspaceID: accessFrom(ctx).Workspace.ID, Name: name}
			if err := s.Projects.CreateProject(ctx, p); err != nil {
				return nil, err
			}
			return &projectOutput{Body: p}, nil
		})

	register(s, Route{ID: "getProject", Method: nethttp.MethodGet, Path: "/api/projects/{projectId}", Tag: "projects",
		Summary: "A project", Scope: ScopeProject, Perm: shotline.PermProjectRead},
		func(ctx context.Context, _ *projectIDInput) (*projectOutput, error) {
			return &projectOutput{Body: accessFrom(ctx).Project}, nil
		})

	register(s, Route{ID: "updateProject", Method: nethttp.MethodPatch, Path: "/api/projects/{projectId}", Tag: "projects",
		Summary: "Rename, archive or unarchive a project", Scope: ScopeProject, Perm: shotline.PermProjectUpdate},
		func(ctx context.Context, in *updateProjectInput) (*projectOutput, error) {
			upd := shotline.ProjectUpdate{Archived: in.Body.Archived}
			if in.Body.Name != nil {
				name, err := shotline.ValidateName("name", *in.Body.Name, maxProjectName)
				if err != nil {
					return nil, err
				}
				upd.Name = &name
			}
			p, err := s.Projects.UpdateProject(ctx, accessFrom(ctx).Project.ID, upd)
			if err != nil {
				return nil, err
			}
			return &projectOutput{Body: p}, nil
		})

	register(s, Route{ID: "deleteProject", Method: nethttp.MethodDelete, Path: "/api/projects/{projectId}", Tag: "projects",
		Summary: "Delete a project with its boards", Scope: ScopeProject, Perm: shotline.PermProjectDelete, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *projectIDInput) (*struct{}, error) {
			id := accessFrom(ctx).Project.ID
			boards, err := s.Boards.FindBoards(ctx, id, true)
			if err != nil {
				return nil, err
			}
			if err := s.Projects.DeleteProject(ctx, id); err != nil {
				return nil, err
			}
			for _, b := range boards {
				s.boardsDeleted(b.ID)
			}
			s.audit(ctx, accessFrom(ctx).Workspace.ID, shotline.AuditProjectDeleted, "project:"+id, accessFrom(ctx).Project.Name)
			return nil, nil
		})
}
