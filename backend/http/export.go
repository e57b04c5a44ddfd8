package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"os"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/export"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// exportView is an export as the API shows it.
type exportView struct {
	ID         string                 `json:"id"`
	Format     shotline.ExportFormat  `json:"format" enum:"mp4,pdf,csv,otio,fcpxml,bundle"`
	BoardID    string                 `json:"boardId,omitempty"`
	ProjectID  string                 `json:"projectId,omitempty"`
	Options    shotline.ExportOptions `json:"options"`
	State      shotline.JobState      `json:"state" enum:"queued,running,succeeded,failed,canceled"`
	Progress   float64                `json:"progress" doc:"0..1"`
	Error      string                 `json:"error,omitempty"`
	Size       int64                  `json:"size,omitempty" doc:"Bytes of the file (succeeded exports)."`
	FileName   string                 `json:"fileName"`
	CreatedBy  string                 `json:"createdBy"`
	CreatedAt  time.Time              `json:"createdAt"`
	FinishedAt time.Time              `json:"finishedAt,omitzero"`
	ExpiresAt  time.Time              `json:"expiresAt,omitzero" doc:"When the file is deleted (the workspace's retention)."`
	URL        string                 `json:"url,omitempty" doc:"Presigned download URL (succeeded exports); valid for 30 minutes."`
}

type exportOutput struct{ Body exportView }

type exportsOutput struct {
	Body struct {
		Exports []exportView `json:"exports" doc:"Newest first (at most 50)."`
	}
}

type exportRequestBody struct {
	Format  shotline.ExportFormat  `json:"format" enum:"mp4,pdf,csv,otio,fcpxml,bundle"`
	Options shotline.ExportOptions `json:"options,omitempty"`
	Key     string                 `json:"key,omitempty" maxLength:"64" doc:"Idempotency key: the same key (with the same format and options) returns the first export instead of running another."`
}

type boardExportInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	Body    exportRequestBody
}

type projectExportInput struct {
	ProjectID string `path:"projectId" maxLength:"64"`
	Body      exportRequestBody
}

type beginImportInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	Body        struct {
		Size int64 `json:"size" doc:"The bundle's size in bytes."`
	}
}

type importIDInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	ImportID    string `path:"importId" maxLength:"64"`
}

type importPartInput struct {
	WorkspaceID string `path:"workspaceId" maxLength:"64"`
	ImportID    string `path:"importId" maxLength:"64"`
	Part        int    `path:"part" minimum:"1" maximum:"10000"`
}

type importOutput struct{ Body export.ImportReport }

type importProgressOutput struct{ Body shotline.ImportProgress }

// ImportBodyLimit is the default largest bundle an import takes. The
// bundle arrives in parts into the object store and is read from a
// temporary file, so memory does not depend on it (docs/benchmarks.md);
// disk space, the object store and upload time do.
const ImportBodyLimit = 8 << 30

func (s *Server) importLimit() int64 {
	if s.cfg.ImportLimit > 0 {
		return s.cfg.ImportLimit
	}
	return ImportBodyLimit
}

// fileName is the download name of an export: the board's or project's
// name, made safe for file systems.
func exportFileName(title string, j *shotline.RenderJob) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return '-'
		}
		return r
	}, strings.TrimSpace(title))
	if name == "" {
		name = "export"
	}
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	return name + "." + shotline.ExportFormat(j.Format).Extension()
}

func (s *Server) viewExport(ctx context.Context, j *shotline.RenderJob, title string) exportView {
	v := exportView{ID: j.ID, Format: shotline.ExportFormat(j.Format), BoardID: j.BoardID, ProjectID: j.ProjectID, State: j.State,
		Progress: j.Progress, Error: j.Error, Size: j.ResultSize, FileName: exportFileName(title, j), CreatedBy: j.CreatedBy,
		CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, ExpiresAt: j.ExpiresAt}
	_ = json.Unmarshal([]byte(j.Settings), &v.Options) // written by export.Requests
	if j.State == shotline.JobSucceeded && j.ResultKey != "" {
		url, err := s.Renders.Objects.PresignGet(ctx, j.ResultKey, 30*time.Minute, v.FileName)
		if err != nil {
			s.log.WarnContext(ctx, "presign export", "job_id", j.ID, "err", err)
		}
		v.URL = url
	}
	return v
}

func (s *Server) registerExports() {
	register(s, Route{ID: "exportBoard", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/exports", Tag: "exports",
		Summary: "Export a board (MP4 animatic, PDF storyboard, CSV shot list, OTIO, FCPXML or bundle) as a job", Scope: ScopeBoard,
		Perm: shotline.PermExportDownload, Status: nethttp.StatusAccepted},
		func(ctx context.Context, in *boardExportInput) (*exportOutput, error) {
			a := accessFrom(ctx)
			return s.requestExport(ctx, export.Request{WorkspaceID: a.Workspace.ID, ProjectID: a.Board.ProjectID, BoardID: a.Board.ID,
				Format: in.Body.Format, Options: in.Body.Options, Key: in.Body.Key}, a.Board.Title)
		})

	register(s, Route{ID: "listBoardExports", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/exports", Tag: "exports",
		Summary: "A board's exports, newest first, with progress, expiry and download URLs", Scope: ScopeBoard, Perm: shotline.PermExportDownload},
		func(ctx context.Context, _ *boardIDInput) (*exportsOutput, error) {
			a := accessFrom(ctx)
			return s.listExports(ctx, shotline.ExportScope(a.Board.ProjectID, a.Board.ID), a.Board.Title)
		})

	register(s, Route{ID: "exportProject", Method: nethttp.MethodPost, Path: "/api/projects/{projectId}/exports", Tag: "exports",
		Summary: "Export a whole project as a bundle (ZIP) that imports into another workspace", Scope: ScopeProject,
		Perm: shotline.PermExportDownload, Status: nethttp.StatusAccepted},
		func(ctx context.Context, in *projectExportInput) (*exportOutput, error) {
			a := accessFrom(ctx)
			return s.requestExport(ctx, export.Request{WorkspaceID: a.Workspace.ID, ProjectID: a.Project.ID,
				Format: in.Body.Format, Options: in.Body.Options, Key: in.Body.Key}, a.Project.Name)
		})

	register(s, Route{ID: "listProjectExports", Method: nethttp.MethodGet, Path: "/api/projects/{projectId}/exports", Tag: "exports",
		Summary: "A project's bundle exports, newest first", Scope: ScopeProject, Perm: shotline.PermExportDownload},
		func(ctx context.Context, _ *projectIDInput) (*exportsOutput, error) {
			a := accessFrom(ctx)
			return s.listExports(ctx, shotline.ExportScope(a.Project.ID, ""), a.Project.Name)
		})

	if s.Importer == nil || s.Assets == nil || s.ImportProgress == nil {
		return
	}
	s.registerImports()
}

// registerImports registers the import of a project bundle. The bundle is
// uploaded as an asset is (begin, parts, complete, on an S3 multipart
// upload), so no request body is larger than a part and parts may reach
// any app instance; completing it imports it, with its progress readable
// meanwhile under the import's id.
func (s *Server) registerImports() {
	s.app.Server().HeaderReceived = s.uploadBodyLimit
	register(s, Route{ID: "beginImport", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/imports", Tag: "exports",
		Summary: "Start importing a project bundle (ZIP): upload it in parts, then complete the import", Scope: ScopeWorkspace,
		Perm: shotline.PermProjectCreate, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *beginImportInput) (*uploadOutput, error) {
			u, err := s.Assets.BeginBundle(ctx, in.WorkspaceID, callerFrom(ctx).User.ID, in.Body.Size, s.importLimit())
			if err != nil {
				return nil, err
			}
			return &uploadOutput{Body: uploadView{ID: u.ID, PartSize: u.PartSize, Parts: shotline.PartCount(u.Size, u.PartSize)}}, nil
		})

	register(s, Route{ID: "putImportPart", Method: nethttp.MethodPut, Path: "/api/workspaces/{workspaceId}/imports/{importId}/parts/{part}", Tag: "exports",
		Summary: "Upload one part of a bundle to import", Scope: ScopeWorkspace, Perm: shotline.PermProjectCreate, Status: nethttp.StatusNoContent,
		RawBody: "application/octet-stream", MaxBody: 1 << 30},
		// As an asset's part: read from fasthttp's own buffer, which
		// already refused a body over the part size (uploadBodyLimit).
		func(ctx context.Context, in *importPartInput) (*struct{}, error) {
			u, err := s.Assets.FindBundle(ctx, in.WorkspaceID, callerFrom(ctx).User.ID, in.ImportID)
			if err != nil {
				return nil, err
			}
			body := fiberFrom(ctx).Body()
			return nil, s.Assets.PutPart(ctx, u, in.Part, bytes.NewReader(body), int64(len(body)))
		})

	register(s, Route{ID: "completeImport", Method: nethttp.MethodPost, Path: "/api/workspaces/{workspaceId}/imports/{importId}/complete", Tag: "exports",
		Summary: "Import an uploaded bundle as a new project with new ids; refused whole if anything in it is wrong. " +
			"Its progress can be read at GET /api/workspaces/{workspaceId}/imports/{importId} while it runs.",
		Scope: ScopeWorkspace, Perm: shotline.PermProjectCreate, Status: nethttp.StatusCreated},
		s.completeImport)

	register(s, Route{ID: "abortImport", Method: nethttp.MethodDelete, Path: "/api/workspaces/{workspaceId}/imports/{importId}", Tag: "exports",
		Summary: "Abandon a bundle's upload; nothing of it is kept (409 ECONFLICT once its complete has started)", Scope: ScopeWorkspace, Perm: shotline.PermProjectCreate, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *importIDInput) (*struct{}, error) {
			userID := callerFrom(ctx).User.ID
			u, err := s.Assets.FindBundle(ctx, in.WorkspaceID, userID, in.ImportID)
			if err != nil {
				return nil, err
			}
			// Completing reads the bundle out of the object store: pulling
			// it away then would fail the import half way.
			if p, perr := s.ImportProgress.FindImportProgress(ctx, strings.ToLower(u.ID)); perr == nil && p.WorkspaceID == in.WorkspaceID && p.UserID == userID {
				return nil, shotline.Errorf(shotline.ECONFLICT, "This import is already running; it can no longer be abandoned.")
			}
			s.Assets.Abort(ctx, u)
			return nil, nil
		})

	register(s, Route{ID: "getImportProgress", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/imports/{importId}", Tag: "exports",
		Summary: "How far a running import of yours is (phase, bytes and files done of total); 404 before it is completed and once it has answered",
		Scope:   ScopeWorkspace, Perm: shotline.PermProjectCreate},
		func(ctx context.Context, in *importIDInput) (*importProgressOutput, error) {
			p, err := s.ImportProgress.FindImportProgress(ctx, strings.ToLower(in.ImportID))
			if err != nil {
				return nil, err
			}
			if p.WorkspaceID != in.WorkspaceID || p.UserID != callerFrom(ctx).User.ID {
				return nil, shotline.Errorf(shotline.ENOTFOUND, "No such import is running.")
			}
			return &importProgressOutput{Body: *p}, nil
		})
}

// completeImport copies the uploaded bundle from the object store to an
// unlinked temporary file (deleting the object) and imports it from there,
// its progress stored under the import's id. A second completion while
// the first runs is refused (ECONFLICT: the progress id is taken); once it
// has answered, the upload is gone (ENOTFOUND).
func (s *Server) completeImport(ctx context.Context, in *importIDInput) (*importOutput, error) {
	userID := callerFrom(ctx).User.ID
	u, err := s.Assets.FindBundle(ctx, in.WorkspaceID, userID, in.ImportID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		// Its upload is gone once it is copied out: it may be running.
		if p, perr := s.ImportProgress.FindImportProgress(ctx, strings.ToLower(in.ImportID)); perr == nil && p.WorkspaceID == in.WorkspaceID && p.UserID == userID {
			return nil, shotline.Errorf(shotline.ECONFLICT, "This import is already running.")
		}
	}
	if err != nil {
		return nil, err
	}
	tracker, err := s.trackImport(ctx, in.WorkspaceID, userID, u.ID, u.Size)
	if err != nil {
		if shotline.ErrorCode(err) == shotline.ECONFLICT {
			return nil, shotline.Errorf(shotline.ECONFLICT, "This import is already running.")
		}
		return nil, err
	}
	defer tracker.end(ctx)
	f, err := s.bundleFile()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := &receiveWriter{f: f, progress: func(done int64) {
		tracker.set(shotline.ImportProgress{Phase: shotline.ImportReceiving, Done: done, Total: u.Size})
	}}
	size, err := s.Assets.CompleteBundle(ctx, u, w)
	if err != nil {
		return nil, err
	}
	rep, err := s.Importer.Import(ctx, in.WorkspaceID, userID, f, size, tracker.set)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, in.WorkspaceID, shotline.AuditProjectImported, "project:"+rep.ProjectID, fmt.Sprintf("%s: %d boards, %d files", rep.ProjectName, len(rep.Boards), rep.Files))
	return &importOutput{Body: *rep}, nil
}

// bundleFile makes the temporary file an import reads its bundle from. It
// is unlinked as soon as it is made, so nothing is left of it once it is
// closed, even after a crash.
func (s *Server) bundleFile() (*os.File, error) {
	f, err := os.CreateTemp(s.cfg.ImportDir, "shotline-import-*.zip")
	if err != nil {
		return nil, fmt.Errorf("bundle file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("bundle file: %w", err)
	}
	return f, nil
}

// receiveWriter writes a bundle to its file, telling progress the bytes
// written so far.
type receiveWriter struct {
	f        *os.File
	done     int64
	progress func(done int64)
}

func (w *receiveWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.done += int64(n)
	w.progress(w.done)
	return n, err
}

// importTracker stores an import's progress where any instance can read
// it, at most once a second and at each change of phase.
type importTracker struct {
	store shotline.ImportProgressStore
	log   *slog.Logger
	p     shotline.ImportProgress
	saved time.Time
	now   func() time.Time
	ctx   context.Context
}

// importProgressEvery is how often a running import's progress is stored.
const importProgressEvery = time.Second

// trackImport starts the progress of import id (ECONFLICT if it is
// already running), receiving total bytes.
func (s *Server) trackImport(ctx context.Context, workspaceID, userID, id string, total int64) (*importTracker, error) {
	t := &importTracker{store: s.ImportProgress, log: s.log, now: s.now, ctx: context.WithoutCancel(ctx),
		p: shotline.ImportProgress{ID: strings.ToLower(id), WorkspaceID: workspaceID, UserID: userID, Phase: shotline.ImportReceiving, Total: total, UpdatedAt: s.now()}}
	if err := t.store.CreateImportProgress(ctx, &t.p); err != nil {
		return nil, err
	}
	t.saved = t.p.UpdatedAt
	return t, nil
}

func (t *importTracker) set(p shotline.ImportProgress) {
	now := t.now()
	phase := p.Phase != t.p.Phase
	t.p.Phase, t.p.Done, t.p.Total, t.p.Files, t.p.FilesTotal = p.Phase, p.Done, p.Total, p.Files, p.FilesTotal
	if !phase && now.Sub(t.saved) < importProgressEvery {
		return
	}
	t.p.UpdatedAt, t.saved = now, now
	if err := t.store.SetImportProgress(t.ctx, &t.p); err != nil {
		t.log.WarnContext(t.ctx, "store import progress", "import_id", t.p.ID, "err", err)
	}
}

// end forgets the progress: the import's answer says how it ended.
func (t *importTracker) end(ctx context.Context) {
	if err := t.store.DeleteImportProgress(context.WithoutCancel(ctx), t.p.ID); err != nil {
		t.log.WarnContext(ctx, "delete import progress", "import_id", t.p.ID, "err", err)
	}
}

func (s *Server) requestExport(ctx context.Context, r export.Request, title string) (*exportOutput, error) {
	r.UserID = callerFrom(ctx).Actor()
	j, _, err := s.Exports.Request(ctx, r)
	if err != nil {
		return nil, err
	}
	return &exportOutput{Body: s.viewExport(ctx, j, title)}, nil
}

func (s *Server) listExports(ctx context.Context, scope, title string) (*exportsOutput, error) {
	jobs, err := s.Exports.List(ctx, scope, 50)
	if err != nil {
		return nil, err
	}
	out := &exportsOutput{}
	out.Body.Exports = make([]exportView, len(jobs))
	for i, j := range jobs {
		out.Body.Exports[i] = s.viewExport(ctx, j, title)
	}
	return out, nil
}

// ExportSource reads boards and projects for export jobs: a board's
// current state through Snapshot (the hub's, with a room's unsaved state,
// in the server; realtime.StoredSnapshot in a worker process).
type ExportSource struct {
	Boards   shotline.BoardService
	Projects shotline.ProjectService
	Snapshot func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error)
}

var _ export.Source = (*ExportSource)(nil)

// Board implements export.Source.
func (es *ExportSource) Board(ctx context.Context, boardID string) (*export.Board, error) {
	b, err := es.Boards.FindBoardByID(ctx, boardID)
	if err != nil {
		return nil, err
	}
	snap, err := es.Snapshot(ctx, b)
	if err != nil {
		return nil, err
	}
	return export.BoardOf(b, snap), nil
}

// Project implements export.Source.
func (es *ExportSource) Project(ctx context.Context, projectID string) (*export.Project, error) {
	p, err := es.Projects.FindProjectByID(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := &export.Project{ID: p.ID, Name: p.Name}
	for _, archived := range []bool{false, true} {
		boards, err := es.Boards.FindBoards(ctx, projectID, archived)
		if err != nil {
			return nil, err
		}
		for _, b := range boards {
			if b.Archived == archived {
				out.BoardIDs = append(out.BoardIDs, b.ID)
			}
		}
	}
	return out, nil
}

// RenderRecorder stores and forgets imported renders (mongo.RenderQueue).
type RenderRecorder interface {
	Record(ctx context.Context, j *shotline.RenderJob) error
	Delete(ctx context.Context, j *shotline.RenderJob) error
}

// ImportTarget stores imported projects: projects and boards through
// their services, a board's content as its first snapshot, renders
// through the render queue's records.
type ImportTarget struct {
	Projects shotline.ProjectService
	Boards   shotline.BoardService
	OpLog    shotline.OpLog
	Renders  RenderRecorder
	Settings RenderSettingsStore
}

var _ export.ImportTarget = (*ImportTarget)(nil)

// CreateProject implements export.ImportTarget.
func (t *ImportTarget) CreateProject(ctx context.Context, workspaceID, name string) (string, error) {
	p := &shotline.Project{WorkspaceID: workspaceID, Name: name}
	if err := t.Projects.CreateProject(ctx, p); err != nil {
		return "", err
	}
	return p.ID, nil
}

// CreateBoard implements export.ImportTarget: the board, then its shots,
// comments and review statuses as its head snapshot. Shots get new
// positions in their order; comments are the importing user's (the
// bundle's authors are not members here).
func (t *ImportTarget) CreateBoard(ctx context.Context, workspaceID, projectID, userID string, eb *export.Board) (string, error) {
	b := &shotline.Board{WorkspaceID: workspaceID, ProjectID: projectID, Title: strings.TrimSpace(eb.Title), Description: eb.Description,
		AspectRatio: eb.AspectRatio, DefaultShotDuration: eb.DefaultShotDuration}
	if b.DefaultShotDuration == 0 {
		b.DefaultShotDuration = shotline.DefaultShotDuration
	}
	if err := t.Boards.CreateBoard(ctx, b); err != nil {
		return "", err
	}
	keys, err := board.GenerateNKeysBetween("", "", len(eb.Shots))
	if err != nil {
		return "", err
	}
	snap := board.BoardSnapshot{ID: b.ID, BoardSettings: board.BoardSettings{Title: b.Title, Description: b.Description,
		AspectRatio: b.AspectRatio, DefaultShotDuration: b.DefaultShotDuration, DefaultProvider: eb.DefaultProvider},
		Shots: []board.Shot{}, Comments: []board.Comment{}}
	for i, sh := range eb.Shots {
		settings := sh.Settings
		if len(settings) == 0 {
			settings = []byte("{}")
		}
		review := board.ShotReview{}
		if sh.Review != "" && sh.Review != board.ReviewNone {
			review = board.ShotReview{Status: sh.Review, By: userID}
		}
		status := sh.Status
		if status == "" {
			status = shotline.ShotDraft
		}
		snap.Shots = append(snap.Shots, board.Shot{ID: sh.ID, Position: keys[i], Title: sh.Title, Prompt: sh.Prompt, Notes: sh.Notes,
			Duration: sh.Duration, AspectRatio: sh.AspectRatio, Status: status, Provider: sh.Provider, Model: sh.Model, Settings: settings, Review: review})
	}
	for _, c := range eb.Comments {
		rc := board.Comment{ID: c.ID, ShotID: c.ShotID, ParentID: c.ParentID, AuthorID: userID, Body: c.Body, Resolved: c.Resolved}
		if c.Resolved {
			rc.ResolvedBy = userID
		}
		if c.TimeRange != nil && c.ParentID == "" {
			rc.TimeRange = &board.TimeRange{Start: c.TimeRange.Start, End: c.TimeRange.End}
		}
		snap.Comments = append(snap.Comments, rc)
	}
	if err := realtime.SaveImportedState(ctx, t.OpLog, snap); err != nil {
		return "", err
	}
	return b.ID, nil
}

// RecordRender implements export.ImportTarget.
func (t *ImportTarget) RecordRender(ctx context.Context, j *shotline.RenderJob) error {
	rs, err := t.Settings.Get(ctx, j.WorkspaceID)
	if err != nil {
		return err
	}
	j.ExpiresAt = j.FinishedAt.Add(time.Duration(rs.RetentionDays) * 24 * time.Hour)
	return t.Renders.Record(ctx, j)
}

// DeleteRender implements export.ImportTarget.
func (t *ImportTarget) DeleteRender(ctx context.Context, j *shotline.RenderJob) error {
	return t.Renders.Delete(ctx, j)
}

// DeleteProject implements export.ImportTarget.
func (t *ImportTarget) DeleteProject(ctx context.Context, projectID string) error {
	err := t.Projects.DeleteProject(ctx, projectID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil
	}
	return err
}
