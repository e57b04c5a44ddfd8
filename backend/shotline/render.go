package shotline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// JobState is where a render job is in its life.
type JobState string

// Job states: queued → running → succeeded / failed / canceled. A job that
// fails transiently goes back to queued with a later NotBefore.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
	JobCanceled  JobState = "canceled"
)

// Terminal reports whether the job is done for good.
func (s JobState) Terminal() bool { return s == JobSucceeded || s == JobFailed || s == JobCanceled }

// RenderJob is one render of one shot, with everything used to make it: the
// exact prompt, settings, provider and model, so two renders of a shot can
// be compared.
type RenderJob struct {
	ID          string   `json:"id"`
	Kind        JobKind  `json:"kind,omitempty"` // "" for a shot's render, JobExport for an export
	WorkspaceID string   `json:"workspaceId"`
	ProjectID   string   `json:"projectId,omitempty"` // exports of a whole project
	Format      string   `json:"format,omitempty"`    // exports: an ExportFormat
	BoardID     string   `json:"boardId"`
	ShotID      string   `json:"shotId"`
	ShotNumber  int      `json:"shotNumber"`
	Title       string   `json:"title"`
	Prompt      string   `json:"prompt"`
	Notes       string   `json:"notes"`
	Duration    float64  `json:"duration"`
	AspectRatio string   `json:"aspectRatio"`
	Resolution  string   `json:"resolution"` // "720p", "1080p"
	Provider    string   `json:"provider"`
	Model       string   `json:"model"`
	Settings    string   `json:"settings"`   // the shot's settings, a JSON object
	References  []string `json:"references"` // asset ids of reference images, first first
	Cost        int64    `json:"cost"`       // credits charged when queued

	State      JobState  `json:"state"`
	Progress   float64   `json:"progress"` // 0..1
	Attempt    int       `json:"attempt"`  // runs started so far
	NotBefore  time.Time `json:"notBefore,omitzero"`
	Epoch      int       `json:"-"` // the claim this job runs under; see RenderQueue
	Worker     string    `json:"-"`
	LeaseUntil time.Time `json:"-"`
	Cancel     bool      `json:"cancelRequested,omitempty"`
	Error      string    `json:"error,omitempty"`
	ErrorKind  ErrorKind `json:"errorKind,omitempty"`

	ResultKey  string    `json:"-"`
	ResultSize int64     `json:"resultSize,omitempty"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"` // when the render and its record are deleted
}

// JobKind says what a job makes: a shot's render or an export.
type JobKind string

// JobExport is the kind of export jobs: they run on the render queue and its
// workers, are stored like renders and expire with them.
const JobExport JobKind = "export"

// ErrorKind classifies a provider's failure, which decides whether to retry.
type ErrorKind string

// Error kinds.
const (
	ErrTransient ErrorKind = "transient" // 429, 5xx, timeouts, broken downloads: retried with backoff
	ErrPermanent ErrorKind = "permanent" // bad request, malformed answers: not retried
	ErrRefused   ErrorKind = "refused"   // the provider's own content refusal: not retried, refunded
	ErrCanceled  ErrorKind = "canceled"
)

// RenderError is a provider failure with its kind and, for rate limits,
// how long the provider asked us to wait.
type RenderError struct {
	Kind       ErrorKind
	Message    string        // safe to show
	RetryAfter time.Duration // 0: use the backoff
	Err        error
}

func (e *RenderError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *RenderError) Unwrap() error { return e.Err }

// Transient returns a transient RenderError.
func Transient(msg string, err error) *RenderError {
	return &RenderError{Kind: ErrTransient, Message: msg, Err: err}
}

// Permanent returns a permanent RenderError.
func Permanent(msg string, err error) *RenderError {
	return &RenderError{Kind: ErrPermanent, Message: msg, Err: err}
}

// KindOf returns the kind of a provider error: a RenderError's own, and
// transient for anything else (a network error, a timeout).
func KindOf(err error) ErrorKind {
	var re *RenderError
	if errors.As(err, &re) {
		return re.Kind
	}
	return ErrTransient
}

// Backoff is the wait before retry number attempt (1-based): 2s, 4s, 8s, …
// up to 5 minutes, or what the provider asked for.
func Backoff(attempt int, asked time.Duration) time.Duration {
	if asked > 0 {
		return min(asked, time.Hour)
	}
	d := 2 * time.Second
	for i := 1; i < attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// MaxRenderAttempts bounds the runs of one job (transient failures and
// takeovers after a crash both count).
const MaxRenderAttempts = 5

// Size returns the pixel size of an aspect ratio at a resolution ("720p":
// the short side is 720), both even.
func Size(aspectRatio, resolution string) (w, h int) {
	short := 720
	if resolution == "1080p" {
		short = 1080
	}
	num, den := 16.0, 9.0
	switch aspectRatio {
	case "9:16":
		num, den = 9, 16
	case "1:1":
		num, den = 1, 1
	case "4:3":
		num, den = 4, 3
	case "2.39:1":
		num, den = 2.39, 1
	}
	even := func(f float64) int { return int(f/2+0.5) * 2 }
	if num >= den {
		return even(float64(short) * num / den), short
	}
	return short, even(float64(short) * den / num)
}

// RenderQueue stores render jobs and hands them to workers. Implementations
// guarantee that a job runs under one claim at a time (a claim whose lease
// expired can be taken over) and that a job finishes once.
type RenderQueue interface {
	// Enqueue stores a new job as queued.
	Enqueue(ctx context.Context, j *RenderJob) error
	// Job returns ENOTFOUND if there is no such job.
	Job(ctx context.Context, id string) (*RenderJob, error)
	// Claim finds a job that may run now, takes it with a lease for worker
	// and returns it (State running, Epoch its claim); nil if none. A
	// workspace never runs more than limit jobs at once.
	Claim(ctx context.Context, worker string, lease time.Duration, limit int) (*RenderJob, error)
	// Heartbeat extends the claim's lease and records progress. Returns
	// ErrLeaseLost when another claim took the job over; the job's current
	// state otherwise (whose Cancel says a cancel was asked).
	Heartbeat(ctx context.Context, j *RenderJob, lease time.Duration, progress float64) (*RenderJob, error)
	// Retry puts a running job back in the queue until notBefore.
	Retry(ctx context.Context, j *RenderJob, notBefore time.Time, reason string) error
	// Finish ends the job in a terminal state, once: it returns
	// ErrLeaseLost, and changes nothing, if the job finished already or
	// another claim owns it.
	Finish(ctx context.Context, j *RenderJob, state JobState, kind ErrorKind, msg string) (*RenderJob, error)
	// RequestCancel marks the job for cancelation; a queued job is
	// canceled at once (and returned with its final state).
	RequestCancel(ctx context.Context, id string) (*RenderJob, error)
	// ShotRenders returns the ids of a board's jobs by shot, newest last.
	ShotRenders(ctx context.Context, boardID string) (map[string][]string, error)
	// Exports returns the ids of the export jobs of a board or project
	// (ExportScope), newest last.
	Exports(ctx context.Context, scope string) ([]string, error)
	// Active returns the ids of a workspace's jobs that are not finished.
	Active(ctx context.Context, workspaceID string) ([]string, error)
	// Delete forgets a finished job (the retention sweeper calls it).
	Delete(ctx context.Context, j *RenderJob) error
}

// ErrLeaseLost says a worker no longer owns the job it ran.
var ErrLeaseLost = errors.New("render job lease lost")
