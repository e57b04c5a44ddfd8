// Package export makes a board's or a project's delivery files: the animatic
// MP4, the PDF storyboard, the shot list CSV, OpenTimelineIO and FCPXML
// timelines, and the project bundle ZIP (with its import). Export jobs run
// on the render queue's workers (render.Exporter); this package reads the
// board through Source, blobs through shotline.ObjectStore, and imports
// only the domain.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// Board is a board as an export sees it: settings, shots in timeline order
// and comments.
type Board struct {
	ID                  string    `json:"id"`
	ProjectID           string    `json:"projectId"`
	Title               string    `json:"title"`
	Description         string    `json:"description"`
	AspectRatio         string    `json:"aspectRatio"`
	DefaultShotDuration float64   `json:"defaultShotDuration"`
	DefaultProvider     string    `json:"defaultProvider,omitempty"` // renders the shots that name none
	Shots               []Shot    `json:"shots"`
	Comments            []Comment `json:"comments"`
}

// Shot is one shot of a board. Number is its 1-based place in the timeline.
type Shot struct {
	ID          string          `json:"id"`
	Position    string          `json:"position"` // fractional order key
	Number      int             `json:"number"`
	Title       string          `json:"title"`
	Prompt      string          `json:"prompt"`
	Notes       string          `json:"notes"`
	Duration    float64         `json:"duration"`
	AspectRatio string          `json:"aspectRatio"`
	Status      string          `json:"status"` // production status: draft, approved, changes_requested
	Review      string          `json:"review"` // reviewers' status: none, approved, changes_requested
	Provider    string          `json:"provider"`
	Model       string          `json:"model"`
	Settings    json.RawMessage `json:"settings"`
}

// Comment is a comment on a shot, optionally on a time range of its render.
type Comment struct {
	ID        string     `json:"id"`
	ShotID    string     `json:"shotId"`
	ParentID  string     `json:"parentId,omitempty"`
	Author    string     `json:"author"`
	Body      string     `json:"body"`
	TimeRange *TimeRange `json:"timeRange,omitempty"`
	Resolved  bool       `json:"resolved"`
}

// TimeRange is a span of a shot's render, in seconds from its start.
type TimeRange struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Project is a project and its boards' ids.
type Project struct {
	ID       string
	Name     string
	BoardIDs []string
}

// Source reads what exports are made of.
type Source interface {
	// Board returns the board's current content. Returns ENOTFOUND if there
	// is no such board.
	Board(ctx context.Context, boardID string) (*Board, error)
	// Project returns the project with its boards' ids. Returns ENOTFOUND.
	Project(ctx context.Context, projectID string) (*Project, error)
}

// Exporter makes export files. It implements render.Exporter.
type Exporter struct {
	Source  Source
	Queue   shotline.RenderQueue // a shot's renders
	Assets  shotline.AssetStore  // a shot's reference files
	Objects shotline.ObjectStore
	FFmpeg  string // path or name of ffmpeg; default "ffmpeg"
	Fonts   typeset.Fonts
	Log     *slog.Logger
	Now     func() time.Time
}

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now().UTC()
}

func (e *Exporter) logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

func (e *Exporter) ffmpeg() string {
	if e.FFmpeg != "" {
		return e.FFmpeg
	}
	return "ffmpeg"
}

// Export makes the file of export job j at dst.
func (e *Exporter) Export(ctx context.Context, j *shotline.RenderJob, dst string, progress func(float64)) error {
	var opts shotline.ExportOptions
	if err := json.Unmarshal([]byte(j.Settings), &opts); err != nil {
		return shotline.Permanent("The export's options are unreadable.", err)
	}
	if err := opts.Normalize(); err != nil {
		return shotline.Permanent(shotline.ErrorMessage(err), err)
	}
	f := shotline.ExportFormat(j.Format)
	if f == shotline.ExportBundle {
		return e.writeFile(dst, func(w io.Writer) error { return e.Bundle(ctx, j.ProjectID, j.BoardID, w, progress) })
	}
	b, err := e.Source.Board(ctx, j.BoardID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return shotline.Permanent("The board was deleted.", err)
	} else if err != nil {
		return shotline.Transient("The board could not be read.", err)
	}
	m, err := e.media(ctx, b)
	if err != nil {
		return shotline.Transient("The board's renders could not be read.", err)
	}
	switch f {
	case shotline.ExportMP4:
		return e.Animatic(ctx, b, m, opts, dst, progress)
	case shotline.ExportPDF:
		return e.Storyboard(ctx, b, m, opts, dst, progress)
	case shotline.ExportCSV:
		return e.writeFile(dst, func(w io.Writer) error { return ShotList(w, b, m) })
	case shotline.ExportOTIO:
		return e.writeFile(dst, func(w io.Writer) error { return OTIO(w, b, m, opts.FPS) })
	case shotline.ExportFCPXML:
		return e.writeFile(dst, func(w io.Writer) error { return FCPXML(w, b, m, opts) })
	}
	return shotline.Permanent(fmt.Sprintf("The export format %q is unknown.", j.Format), nil)
}

func (e *Exporter) writeFile(dst string, write func(w io.Writer) error) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Media is what each shot of a board has to show, by shot id.
type Media map[string]ShotMedia

// ShotMedia is a shot's latest successful render and its reference files.
type ShotMedia struct {
	Render     *shotline.RenderJob // nil if none
	References []*shotline.Asset   // in the order they were attached
	Frame      *shotline.Asset     // the frame a person chose, one of References; nil if none
}

// RenderFile is the file name of a shot's render in timelines and bundles.
func RenderFile(sh Shot, j *shotline.RenderJob) string {
	return fmt.Sprintf("renders/shot-%03d-%s.mp4", sh.Number, j.ID)
}

// media reads each shot's latest successful render, its references and its
// chosen frame: the board's render history and asset lists (one document
// each, the lists read twice), then one
// job per shot until a succeeded one, and one asset per reference.
func (e *Exporter) media(ctx context.Context, b *Board) (Media, error) {
	renders, err := e.Queue.ShotRenders(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	refs, err := e.Assets.BoardAssets(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	frames, err := e.Assets.ShotFrames(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	out := Media{}
	for _, sh := range b.Shots {
		var m ShotMedia
		list := renders[sh.ID]
		for i := len(list) - 1; i >= 0; i-- {
			j, err := e.Queue.Job(ctx, list[i])
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			if j.State == shotline.JobSucceeded && j.ResultKey != "" {
				m.Render = j
				break
			}
		}
		for _, id := range refs[sh.ID] {
			a, err := e.Assets.FindAsset(ctx, id)
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			m.References = append(m.References, a)
			if frames[sh.ID] == a.ID {
				m.Frame = a
			}
		}
		out[sh.ID] = m
	}
	return out, nil
}

// download copies key to a file in dir and returns its path.
func (e *Exporter) download(ctx context.Context, key, dir, name string) (string, error) {
	r, err := e.Objects.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// frameBoundaries returns the first frame of each shot and, last, the
// total frame count: cumulative durations rounded once, so the frames add
// up to the timeline's length to the frame (per-shot rounding would drift).
func frameBoundaries(shots []Shot, fps int) []int {
	out := make([]int, len(shots)+1)
	total := 0.0
	for i, sh := range shots {
		out[i] = int(total*float64(fps) + 0.5)
		total += sh.Duration
	}
	out[len(shots)] = int(total*float64(fps) + 0.5)
	return out
}

// TimelineDuration is the sum of the shots' durations in seconds.
func TimelineDuration(shots []Shot) float64 {
	t := 0.0
	for _, sh := range shots {
		t += sh.Duration
	}
	return t
}

// openThreads returns a shot's unresolved comment threads.
func openThreads(b *Board, shotID string) []Comment {
	var out []Comment
	for _, c := range b.Comments {
		if c.ShotID == shotID && c.ParentID == "" && !c.Resolved {
			out = append(out, c)
		}
	}
	return out
}

// statusLabel is a production status in words.
func statusLabel(s string) string {
	switch s {
	case shotline.ShotApproved:
		return "Approved"
	case shotline.ShotChangesRequested:
		return "Changes requested"
	default:
		return "Draft"
	}
}

// reviewLabel is a review status in words.
func reviewLabel(s string) string {
	switch s {
	case "approved":
		return "Approved"
	case "changes_requested":
		return "Changes requested"
	default:
		return "Not reviewed"
	}
}
