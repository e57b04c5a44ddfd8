package export

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/shotline"
)

// Requests queues export jobs on the render queue.
type Requests struct {
	Queue shotline.RenderQueue
	// Queued, when set, is called after a job is queued (to wake the
	// workers of this process).
	Queued func()
	Now    func() time.Time
}

// Request is one export asked for: of a board, or (BoardID "") of a whole
// project, which only the bundle format exports.
type Request struct {
	WorkspaceID string
	ProjectID   string
	BoardID     string
	Format      shotline.ExportFormat
	Options     shotline.ExportOptions
	// Key, when set, makes the request idempotent: the same key with the
	// same board or project, format and options returns the export it
	// made the first time instead of running another.
	Key    string
	UserID string
}

// keyspace is the namespace of export job ids made from request keys.
var keyspace = uuid.MustParse("5f0c7a2e-8d1b-4d8e-9a57-6f1f2a0d9c41")

// Request queues an export, or returns the one an earlier request with
// the same key made (created false). Returns EINVALID for an unknown
// format or bad options.
func (s *Requests) Request(ctx context.Context, r Request) (j *shotline.RenderJob, created bool, err error) {
	if err := shotline.ValidExportFormat(r.Format); err != nil {
		return nil, false, err
	}
	if r.BoardID == "" && r.Format != shotline.ExportBundle {
		return nil, false, shotline.Invalid("format", "a project exports as a bundle; export its boards for the other formats")
	}
	if err := r.Options.Normalize(); err != nil {
		return nil, false, err
	}
	opts, err := json.Marshal(r.Options)
	if err != nil {
		return nil, false, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	if r.Key != "" {
		id = uuid.NewSHA1(keyspace, []byte(strings.Join([]string{r.WorkspaceID, shotline.ExportScope(r.ProjectID, r.BoardID),
			string(r.Format), string(opts), r.Key}, "\x00"))).String()
		if j, err := s.Queue.Job(ctx, id); err == nil {
			return j, false, nil
		} else if shotline.ErrorCode(err) != shotline.ENOTFOUND {
			return nil, false, err
		}
	}
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now()
	}
	j = &shotline.RenderJob{ID: id, Kind: shotline.JobExport, WorkspaceID: r.WorkspaceID, ProjectID: r.ProjectID, BoardID: r.BoardID,
		Format: string(r.Format), Settings: string(opts), Provider: "export", References: []string{}, CreatedBy: r.UserID, CreatedAt: now}
	if err := s.Queue.Enqueue(ctx, j); shotline.ErrorCode(err) == shotline.ECONFLICT && r.Key != "" {
		// A concurrent request with the same key won the insert.
		if j, err := s.Queue.Job(ctx, id); err == nil {
			return j, false, nil
		}
		return nil, false, err
	} else if err != nil {
		return nil, false, err
	}
	if s.Queued != nil {
		s.Queued()
	}
	return j, true, nil
}

// List returns the exports of a board or project (ExportScope), newest
// first, at most limit.
func (s *Requests) List(ctx context.Context, scope string, limit int) ([]*shotline.RenderJob, error) {
	ids, err := s.Queue.Exports(ctx, scope)
	if err != nil {
		return nil, err
	}
	out := []*shotline.RenderJob{}
	for i := len(ids) - 1; i >= 0 && len(out) < limit; i-- {
		j, err := s.Queue.Job(ctx, ids[i])
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}
