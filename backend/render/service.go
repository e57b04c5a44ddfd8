package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

// DefaultProvider renders shots that name none.
const DefaultProvider = "animatic"

// SettingsStore reads a workspace's render settings.
type SettingsStore interface {
	Get(ctx context.Context, workspaceID string) (shotline.RenderSettings, error)
}

// Service queues renders and settles them. Fields must be set before use,
// except Notify, Log and Now.
type Service struct {
	Queue     shotline.RenderQueue
	Credits   shotline.CreditStore
	Assets    shotline.AssetStore
	Objects   shotline.ObjectStore
	Settings  SettingsStore
	Policy    *Policy
	Providers map[string]Provider
	// Exporter makes the files of export jobs; nil refuses them.
	Exporter Exporter
	// Notify pushes a job's new state to everyone on its board.
	Notify func(j *shotline.RenderJob)
	// Queued, when set, is called after a job is queued (to wake the
	// workers of this process).
	Queued func()
	// Welcome is the credits a workspace gets before its first render.
	Welcome int64
	Log     *slog.Logger
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) notify(j *shotline.RenderJob) {
	// Exports are not pushed to the board's room: the export list reads
	// their progress.
	if s.Notify != nil && j.Kind != shotline.JobExport {
		s.Notify(j)
	}
}

// Request is one render asked for.
type Request struct {
	WorkspaceID, BoardID string
	Shot                 board.NumberedShot
	Resolution           string // "720p" (default) or "1080p"
	UserID               string
}

// Submit checks the prompt against the content policy, prices the render,
// charges the workspace once and queues the job. Returns EINVALID naming
// the policy rule or an unknown provider, ECONFLICT when the balance is too
// low.
func (s *Service) Submit(ctx context.Context, r Request) (*shotline.RenderJob, error) {
	sh := r.Shot
	if err := s.Policy.Check(strings.Join([]string{sh.Title, sh.Prompt, sh.Notes}, "\n")); err != nil {
		return nil, err
	}
	provider := sh.Provider
	if provider == "" {
		provider = DefaultProvider
	}
	p, ok := s.Providers[provider]
	if !ok {
		return nil, shotline.Invalid("provider", fmt.Sprintf("%q is not configured on this server", provider))
	}
	res := r.Resolution
	if res == "" {
		res = "720p"
	} else if res != "720p" && res != "1080p" {
		return nil, shotline.Invalid("resolution", "must be 720p or 1080p")
	}
	refs, err := s.Assets.BoardAssets(ctx, r.BoardID)
	if err != nil {
		return nil, err
	}
	settings := string(sh.Settings)
	if settings == "" {
		settings = "{}"
	}
	j := &shotline.RenderJob{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: r.WorkspaceID, BoardID: r.BoardID, ShotID: sh.ID,
		ShotNumber: sh.Number, Title: sh.Title, Prompt: sh.Prompt, Notes: sh.Notes, Duration: sh.Duration, AspectRatio: sh.AspectRatio,
		Resolution: res, Provider: provider, Model: sh.Model, Settings: settings, References: slices.Clone(refs[sh.ID]),
		CreatedBy: r.UserID, CreatedAt: s.now()}
	if j.Duration <= 0 {
		j.Duration = shotline.DefaultShotDuration
	}
	if j.AspectRatio == "" {
		j.AspectRatio = "16:9"
	}
	j.Cost = p.Cost(j.Model, j.Duration, j.Resolution)
	if err := s.welcome(ctx, j.WorkspaceID); err != nil {
		return nil, err
	}
	if _, err := s.Credits.Apply(ctx, shotline.LedgerEntry{Key: "charge:" + j.ID, WorkspaceID: j.WorkspaceID, Amount: -j.Cost,
		Reason: fmt.Sprintf("Render of shot %d (%s %s, %gs, %s)", j.ShotNumber, j.Provider, j.Model, j.Duration, j.Resolution),
		JobID:  j.ID, By: r.UserID, At: s.now()}); err != nil {
		return nil, err
	}
	if err := s.Queue.Enqueue(ctx, j); err != nil {
		s.refund(context.WithoutCancel(ctx), j, "Not queued")
		return nil, err
	}
	s.notify(j)
	if s.Queued != nil {
		s.Queued()
	}
	return j, nil
}

// welcome grants the welcome credits, once per workspace.
func (s *Service) welcome(ctx context.Context, workspaceID string) error {
	if s.Welcome <= 0 {
		return nil
	}
	_, err := s.Credits.Apply(ctx, shotline.LedgerEntry{Key: "welcome", WorkspaceID: workspaceID, Amount: s.Welcome,
		Reason: "Welcome credits", At: s.now()})
	return err
}

// Balance returns a workspace's credits (with its welcome credits).
func (s *Service) Balance(ctx context.Context, workspaceID string) (int64, error) {
	if err := s.welcome(ctx, workspaceID); err != nil {
		return 0, err
	}
	return s.Credits.Balance(ctx, workspaceID)
}

// Cancel asks for a job's cancelation: a queued job ends at once (and is
// refunded), a running one at its worker's next heartbeat.
func (s *Service) Cancel(ctx context.Context, id string) (*shotline.RenderJob, error) {
	j, err := s.Queue.RequestCancel(ctx, id)
	if err != nil {
		return nil, err
	}
	s.notify(j)
	return j, nil
}

// Finished settles a finished job: a failed or canceled one gets its
// credits back, once. The queue calls it (RenderQueue.OnFinish) wherever
// the outcome is applied, so a crash between the outcome and the refund is
// made good by whoever applies it next.
func (s *Service) Finished(ctx context.Context, j *shotline.RenderJob) {
	if j.State == shotline.JobFailed || j.State == shotline.JobCanceled {
		s.refund(ctx, j, map[shotline.JobState]string{shotline.JobFailed: "Failed", shotline.JobCanceled: "Canceled"}[j.State])
	}
	s.notify(j)
}

func (s *Service) refund(ctx context.Context, j *shotline.RenderJob, why string) {
	if j.Cost <= 0 {
		return
	}
	if _, err := s.Credits.Apply(ctx, shotline.LedgerEntry{Key: "refund:" + j.ID, WorkspaceID: j.WorkspaceID, Amount: j.Cost,
		Reason: fmt.Sprintf("%s: render of shot %d", why, j.ShotNumber), JobID: j.ID, At: s.now()}); err != nil {
		s.log().Error("refund render", "job_id", j.ID, "err", err)
	}
}

// Signature is what decides whether a shot changed since a render: the
// prompt and every setting that shapes the video.
func Signature(sh board.Shot) string {
	b, _ := json.Marshal([]any{strings.TrimSpace(sh.Title), sh.Prompt, sh.Notes, sh.Duration, sh.AspectRatio, providerOr(sh.Provider), sh.Model, compactJSON(string(sh.Settings))})
	return string(b)
}

// JobSignature is Signature of the shot a job rendered.
func JobSignature(j *shotline.RenderJob) string {
	return Signature(board.Shot{Title: j.Title, Prompt: j.Prompt, Notes: j.Notes, Duration: j.Duration, AspectRatio: j.AspectRatio,
		Provider: j.Provider, Model: j.Model, Settings: json.RawMessage(j.Settings)})
}

// ProviderNames lists the providers configured on this server, sorted.
func (s *Service) ProviderNames() []string {
	names := make([]string, 0, len(s.Providers))
	for name := range s.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func providerOr(p string) string {
	if p == "" {
		return DefaultProvider
	}
	return p
}

func compactJSON(s string) string {
	if s == "" {
		return "{}"
	}
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v) // sorts keys
	return string(b)
}

// History returns a board's renders by shot, newest first, at most perShot
// each.
func (s *Service) History(ctx context.Context, boardID string, perShot int) (map[string][]*shotline.RenderJob, error) {
	ids, err := s.Queue.ShotRenders(ctx, boardID)
	if err != nil {
		return nil, err
	}
	out := map[string][]*shotline.RenderJob{}
	for shot, list := range ids {
		for i := len(list) - 1; i >= 0 && len(out[shot]) < perShot; i-- {
			j, err := s.Queue.Job(ctx, list[i])
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			out[shot] = append(out[shot], j)
		}
	}
	return out, nil
}

// Changed returns the shots whose prompt or settings differ from their
// last successful render (or that have none), in timeline order, skipping
// shots with a render queued or running.
func (s *Service) Changed(ctx context.Context, boardID string, shots []board.NumberedShot) ([]board.NumberedShot, error) {
	ids, err := s.Queue.ShotRenders(ctx, boardID)
	if err != nil {
		return nil, err
	}
	var out []board.NumberedShot
	for _, sh := range shots {
		list := ids[sh.ID]
		changed, busy := true, false
		for i := len(list) - 1; i >= 0; i-- {
			j, err := s.Queue.Job(ctx, list[i])
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			if !j.State.Terminal() {
				busy = true
				break
			}
			if j.State == shotline.JobSucceeded {
				changed = JobSignature(j) != Signature(sh.Shot)
				break
			}
		}
		if changed && !busy {
			out = append(out, sh)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Number < out[b].Number })
	return out, nil
}

// ResultKey is where a job's video is stored.
func ResultKey(j *shotline.RenderJob) string {
	return "workspaces/" + j.WorkspaceID + "/boards/" + j.BoardID + "/renders/" + j.ID + ".mp4"
}

// URL presigns a finished job's video for playback.
func (s *Service) URL(ctx context.Context, j *shotline.RenderJob, ttl time.Duration, download bool) (string, error) {
	if j.State != shotline.JobSucceeded || j.ResultKey == "" {
		return "", errors.New("no video")
	}
	name := ""
	if download {
		name = fmt.Sprintf("shot-%d-%s.mp4", j.ShotNumber, j.ID[len(j.ID)-8:])
	}
	return s.Objects.PresignGet(ctx, j.ResultKey, ttl, name)
}
