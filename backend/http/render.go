package http

import (
	"context"
	"fmt"
	nethttp "net/http"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

// RenderSettingsStore reads and writes workspaces' render settings.
type RenderSettingsStore interface {
	Get(ctx context.Context, workspaceID string) (shotline.RenderSettings, error)
	Set(ctx context.Context, workspaceID string, rs shotline.RenderSettings) error
}

type renderView struct {
	*shotline.RenderJob
	URL string `json:"url,omitempty" doc:"Presigned URL of the video (succeeded renders); expires after a few minutes."`
}

func (s *Server) viewRender(ctx context.Context, j *shotline.RenderJob) renderView {
	v := renderView{RenderJob: j}
	if j.State == shotline.JobSucceeded {
		if url, err := s.Renders.URL(ctx, j, 30*time.Minute, false); err == nil {
			v.URL = url
		} else {
			s.log.WarnContext(ctx, "presign render", "job_id", j.ID, "err", err)
		}
	}
	return v
}

type renderOutput struct{ Body renderView }

type renderShotInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	ShotID  string `path:"shotId" maxLength:"64"`
	Body    struct {
		Resolution string `json:"resolution,omitempty" enum:"720p,1080p" doc:"Default 720p."`
	}
}

type renderJobInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	JobID   string `path:"jobId" maxLength:"64"`
}

type rendersOutput struct {
	Body struct {
		Jobs    []renderView  `json:"jobs" doc:"The renders queued, in timeline order of their shots."`
		Refused []refusedShot `json:"refused" doc:"Shots not queued, with why (content policy, credits)."`
	}
}

type refusedShot struct {
	ShotID  string `json:"shotId"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type historyOutput struct {
	Body struct {
		Shots map[string][]renderView `json:"shots" doc:"Renders by shot id, newest first (at most 20 each)."`
	}
}

type creditsOutput struct {
	Body struct {
		Balance int64                  `json:"balance"`
		Ledger  []shotline.LedgerEntry `json:"ledger" doc:"The latest entries, newest first."`
	}
}

type topUpInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	Body        struct {
		Amount int64  `json:"amount" minimum:"1" maximum:"1000000000"`
		Key    string `json:"key" minLength:"8" maxLength:"64" doc:"Idempotency key: the same key adds the credits once."`
		Note   string `json:"note,omitempty" maxLength:"200"`
	}
}

type renderSettingsOutput struct{ Body shotline.RenderSettings }

type renderProvidersOutput struct {
	Body struct {
		Providers []string `json:"providers" doc:"The render providers this server has, sorted."`
		Default   string   `json:"default" doc:"The provider of shots and boards that name none."`
	}
}

// hasProvider answers whether this server renders with the named provider.
func (s *Server) hasProvider(name string) bool {
	if s.Renders == nil {
		return false
	}
	_, ok := s.Renders.Providers[name]
	return ok
}

// renderSettingsInput changes the fields it carries. The bounds are checked
// by the handler, not the schema, so that a refusal names the field in the
// product's words (EINVALID with details[].field).
type renderSettingsInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	Body        struct {
		RetentionDays *int `json:"retentionDays,omitempty" doc:"Renders and exports are deleted this many days after they finish: 1 to 3650."`
		Concurrency   *int `json:"concurrency,omitempty" doc:"How many of the workspace's renders and exports run at once: 1 to 16."`
	}
}

// validate checks the bounds of the fields present.
func (in *renderSettingsInput) validate() error {
	var details []shotline.FieldError
	if d := in.Body.RetentionDays; d != nil && (*d < shotline.MinRetentionDays || *d > shotline.MaxRetentionDays) {
		details = append(details, shotline.FieldError{Field: "retentionDays",
			Message: fmt.Sprintf("Keep renders between %d and %d days.", shotline.MinRetentionDays, shotline.MaxRetentionDays)})
	}
	if c := in.Body.Concurrency; c != nil && (*c < shotline.MinRenderConcurrency || *c > shotline.MaxRenderConcurrency) {
		details = append(details, shotline.FieldError{Field: "concurrency",
			Message: fmt.Sprintf("Run between %d and %d renders at once.", shotline.MinRenderConcurrency, shotline.MaxRenderConcurrency)})
	}
	if len(details) == 0 {
		return nil
	}
	return &shotline.Error{Code: shotline.EINVALID, Message: details[0].Message, Details: details}
}

// boardShots reads the board's shots from its live state, numbered in
// timeline order.
func (s *Server) boardShots(ctx context.Context, boardID string) ([]board.NumberedShot, error) {
	snap, _, err := s.Hub.BoardSnapshot(ctx, boardID)
	if err != nil {
		return nil, err
	}
	return snap.NumberedShots(), nil
}

func (s *Server) registerRenders() {
	register(s, Route{ID: "renderShot", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/shots/{shotId}/renders", Tag: "renders",
		Summary: "Render a shot (checked against the content policy, charged when queued)", Scope: ScopeBoard, Perm: shotline.PermRenderCreate,
		Status: nethttp.StatusCreated},
		func(ctx context.Context, in *renderShotInput) (*renderOutput, error) {
			a := accessFrom(ctx)
			shots, err := s.boardShots(ctx, a.Board.ID)
			if err != nil {
				return nil, err
			}
			for _, sh := range shots {
				if sh.ID == in.ShotID {
					j, err := s.Renders.Submit(ctx, render.Request{WorkspaceID: a.Workspace.ID, BoardID: a.Board.ID, Shot: sh,
						Resolution: in.Body.Resolution, UserID: callerFrom(ctx).User.ID})
					if err != nil {
						return nil, err
					}
					return &renderOutput{Body: s.viewRender(ctx, j)}, nil
				}
			}
			return nil, shotline.Errorf(shotline.ENOTFOUND, "Shot not found.")
		})

	register(s, Route{ID: "renderChangedShots", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/renders/changed", Tag: "renders",
		Summary: "Render every shot whose prompt or settings changed since its last successful render", Scope: ScopeBoard, Perm: shotline.PermRenderCreate},
		func(ctx context.Context, _ *boardIDInput) (*rendersOutput, error) {
			a := accessFrom(ctx)
			shots, err := s.boardShots(ctx, a.Board.ID)
			if err != nil {
				return nil, err
			}
			changed, err := s.Renders.Changed(ctx, a.Board.ID, shots)
			if err != nil {
				return nil, err
			}
			out := &rendersOutput{}
			out.Body.Jobs, out.Body.Refused = []renderView{}, []refusedShot{}
			for _, sh := range changed {
				j, err := s.Renders.Submit(ctx, render.Request{WorkspaceID: a.Workspace.ID, BoardID: a.Board.ID, Shot: sh, UserID: callerFrom(ctx).User.ID})
				switch code := shotline.ErrorCode(err); code {
				case "":
					out.Body.Jobs = append(out.Body.Jobs, s.viewRender(ctx, j))
				case shotline.EINTERNAL:
					return nil, err
				default:
					out.Body.Refused = append(out.Body.Refused, refusedShot{ShotID: sh.ID, Code: code, Message: shotline.ErrorMessage(err)})
				}
			}
			return out, nil
		})

	register(s, Route{ID: "listRenders", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/renders", Tag: "renders",
		Summary: "A board's renders by shot, newest first, with the prompt and settings each used", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, _ *boardIDInput) (*historyOutput, error) {
			hist, err := s.Renders.History(ctx, accessFrom(ctx).Board.ID, 20)
			if err != nil {
				return nil, err
			}
			out := &historyOutput{}
			out.Body.Shots = map[string][]renderView{}
			for shot, jobs := range hist {
				views := make([]renderView, len(jobs))
				for i, j := range jobs {
					views[i] = s.viewRender(ctx, j)
				}
				out.Body.Shots[shot] = views
			}
			return out, nil
		})

	register(s, Route{ID: "cancelRender", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/renders/{jobId}/cancel", Tag: "renders",
		Summary: "Cancel a render (its credits come back)", Scope: ScopeBoard, Perm: shotline.PermRenderCreate},
		func(ctx context.Context, in *renderJobInput) (*renderOutput, error) {
			j, err := s.Renders.Queue.Job(ctx, in.JobID)
			if err != nil {
				return nil, err
			} else if j.BoardID != accessFrom(ctx).Board.ID {
				return nil, shotline.Errorf(shotline.ENOTFOUND, "Render not found.")
			}
			if j, err = s.Renders.Cancel(ctx, j.ID); err != nil {
				return nil, err
			}
			return &renderOutput{Body: s.viewRender(ctx, j)}, nil
		})

	register(s, Route{ID: "getCredits", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/credits", Tag: "credits",
		Summary: "The workspace's credit balance and latest ledger entries", Scope: ScopeWorkspace, Perm: shotline.PermCreditRead},
		func(ctx context.Context, in *workspaceIDInput) (*creditsOutput, error) {
			return s.credits(ctx, in.WorkspaceID)
		})

	register(s, Route{ID: "topUpCredits", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/credits", Tag: "credits",
		Summary: "Add credits (once per key)", Scope: ScopeWorkspace, Perm: shotline.PermCreditTopUp},
		func(ctx context.Context, in *topUpInput) (*creditsOutput, error) {
			reason := "Top-up"
			if in.Body.Note != "" {
				reason += ": " + in.Body.Note
			}
			if _, err := s.Renders.Credits.Apply(ctx, shotline.LedgerEntry{Key: "topup:" + in.Body.Key, WorkspaceID: in.WorkspaceID,
				Amount: in.Body.Amount, Reason: reason, By: callerFrom(ctx).User.ID, At: s.now()}); err != nil {
				return nil, err
			}
			return s.credits(ctx, in.WorkspaceID)
		})

	register(s, Route{ID: "listRenderProviders", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/render-providers", Tag: "renders",
		Summary: "The render providers a board or shot can name", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceRead},
		func(ctx context.Context, _ *workspaceIDInput) (*renderProvidersOutput, error) {
			out := &renderProvidersOutput{}
			out.Body.Providers, out.Body.Default = s.Renders.ProviderNames(), render.DefaultProvider
			return out, nil
		})

	register(s, Route{ID: "getRenderSettings", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/render-settings", Tag: "credits",
		Summary: "The workspace's render settings (retention, concurrency)", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceRead},
		func(ctx context.Context, in *workspaceIDInput) (*renderSettingsOutput, error) {
			rs, err := s.RenderSettings.Get(ctx, in.WorkspaceID)
			return &renderSettingsOutput{Body: rs}, err
		})

	register(s, Route{ID: "setRenderSettings", Method: nethttp.MethodPut, Path: "/api/workspaces/{workspaceId}/render-settings", Tag: "credits",
		Summary: "Set how long renders and exports are kept and how many run at once", Scope: ScopeWorkspace, Perm: shotline.PermWorkspaceUpdate},
		func(ctx context.Context, in *renderSettingsInput) (*renderSettingsOutput, error) {
			if err := in.validate(); err != nil {
				return nil, err
			}
			rs, err := s.RenderSettings.Get(ctx, in.WorkspaceID)
			if err != nil {
				return nil, err
			}
			if in.Body.RetentionDays != nil {
				rs.RetentionDays = *in.Body.RetentionDays
			}
			if in.Body.Concurrency != nil {
				rs.Concurrency = *in.Body.Concurrency
			}
			if err := s.RenderSettings.Set(ctx, in.WorkspaceID, rs); err != nil {
				return nil, err
			}
			return &renderSettingsOutput{Body: rs}, nil
		})
}

func (s *Server) credits(ctx context.Context, workspaceID string) (*creditsOutput, error) {
	out := &creditsOutput{}
	var err error
	if out.Body.Balance, err = s.Renders.Balance(ctx, workspaceID); err != nil {
		return nil, err
	}
	if out.Body.Ledger, err = s.Renders.Credits.Ledger(ctx, workspaceID, 100); err != nil {
		return nil, err
	}
	return out, nil
}
