package http

import (
	"context"
	"encoding/json"
	nethttp "net/http"
	"time"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

type versionView struct {
	ID        string          `json:"id"`
	BoardID   string          `json:"boardId"`
	Name      string          `json:"name"`
	Seq       int64           `json:"seq" doc:"The board's sequence number the version was taken at."`
	CreatedBy string          `json:"createdBy"`
	CreatedAt time.Time       `json:"createdAt"`
	Board     json.RawMessage `json:"board,omitempty" doc:"The board as it was, in the realtime protocol's snapshot shape (only when reading one version)."`
}

func viewVersion(v *shotline.BoardVersion) versionView {
	return versionView{ID: v.ID, BoardID: v.BoardID, Name: v.Name, Seq: v.Seq, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt}
}

type versionIDInput struct {
	BoardID   string `path:"boardId" maxLength:"64"`
	VersionID string `path:"versionId" maxLength:"64"`
}

type createVersionInput struct {
	boardIDInput
	Body struct {
		Name string `json:"name" maxLength:"200" example:"Client review v2"`
	}
}

type versionListOutput struct {
	Body struct {
		Versions []versionView `json:"versions"`
	}
}

type restoreOutput struct {
	Body struct {
		Seq   int64       `json:"seq" doc:"Sequence number of the restore op."`
		Saved versionView `json:"saved" doc:"The version the board was saved as just before the restore: restoring it undoes the restore."`
	}
}

// saveVersion names the board's current state as a version and tells
// everyone on the board that its versions changed.
func (s *Server) saveVersion(ctx context.Context, versions shotline.VersionStore, boardID, name, actor string) (*shotline.BoardVersion, error) {
	snap, seq, err := s.Hub.BoardSnapshot(ctx, boardID)
	if err != nil {
		return nil, err
	}
	state, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	v := &shotline.BoardVersion{BoardID: boardID, Name: name, Seq: seq, State: state, CreatedBy: actor}
	if err := versions.CreateVersion(ctx, v); err != nil {
		return nil, err
	}
	s.Hub.BroadcastVersions(boardID)
	return v, nil
}

// beforeRestoreName names the version saved before restoring name,
// shortening name (with an ellipsis, so the cut shows) to fit.
func beforeRestoreName(name string) string {
	const prefix, suffix = "Before restoring “", "”"
	room := shotline.MaxTitleLength - utf8.RuneCountInString(prefix+suffix)
	if r := []rune(name); len(r) > room {
		name = string(r[:room-1]) + "…"
	}
	return prefix + name + suffix
}

// registerVersions adds named versions. They need the realtime hub, which
// holds the board's durable state.
func (s *Server) registerVersions(versions shotline.VersionStore) {
	register(s, Route{ID: "listVersions", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/versions", Tag: "versions",
		Summary: "Named versions of a board, newest first", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, _ *boardIDInput) (*versionListOutput, error) {
			vs, err := versions.FindVersions(ctx, accessFrom(ctx).Board.ID)
			if err != nil {
				return nil, err
			}
			out := &versionListOutput{}
			out.Body.Versions = make([]versionView, len(vs))
			for i, v := range vs {
				out.Body.Versions[i] = viewVersion(v)
			}
			return out, nil
		})

	register(s, Route{ID: "createVersion", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/versions", Tag: "versions",
		Summary: "Name the board's current state as a version", Scope: ScopeBoard, Perm: shotline.PermBoardUpdate, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *createVersionInput) (*struct{ Body versionView }, error) {
			name, err := shotline.ValidateName("name", in.Body.Name, shotline.MaxTitleLength)
			if err != nil {
				return nil, err
			}
			v, err := s.saveVersion(ctx, versions, accessFrom(ctx).Board.ID, name, callerFrom(ctx).Actor())
			if err != nil {
				return nil, err
			}
			return &struct{ Body versionView }{Body: viewVersion(v)}, nil
		})

	register(s, Route{ID: "getVersion", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/versions/{versionId}", Tag: "versions",
		Summary: "One version, with the board as it was", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, in *versionIDInput) (*struct{ Body versionView }, error) {
			v, err := versions.FindVersion(ctx, accessFrom(ctx).Board.ID, in.VersionID)
			if err != nil {
				return nil, err
			}
			view := viewVersion(v)
			view.Board = json.RawMessage(v.State)
			return &struct{ Body versionView }{Body: view}, nil
		})

	register(s, Route{ID: "restoreVersion", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/versions/{versionId}/restore", Tag: "versions",
		Summary: "Restore a version: saves the board as a version first, then restores with an op everyone on the board sees", Scope: ScopeBoard, Perm: shotline.PermBoardUpdate},
		func(ctx context.Context, in *versionIDInput) (*restoreOutput, error) {
			a := accessFrom(ctx)
			target, err := versions.FindVersion(ctx, a.Board.ID, in.VersionID)
			if err != nil {
				return nil, err
			}
			// The board as it is becomes a version first: restoring it undoes this restore.
			saved, err := s.saveVersion(ctx, versions, a.Board.ID, beforeRestoreName(target.Name), callerFrom(ctx).Actor())
			if err != nil {
				return nil, err
			}
			seq, err := s.Hub.Apply(ctx, a.Board.ID, callerFrom(ctx).Actor(), a.Role, board.VersionRestore{VersionID: in.VersionID})
			if err != nil {
				return nil, err
			}
			s.audit(ctx, a.Workspace.ID, shotline.AuditVersionRestored, "version:"+in.VersionID, "board="+a.Board.ID)
			out := &restoreOutput{}
			out.Body.Seq, out.Body.Saved = seq, viewVersion(saved)
			return out, nil
		})
}
