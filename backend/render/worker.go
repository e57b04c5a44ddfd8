package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Worker claims jobs from the queue and runs them, one at a time. Several
// workers may run in one process or in several (`shotline worker`) against
// one database.
type Worker struct {
	ID      string
	Service *Service
	Lease   time.Duration // default 30s; heartbeats every third of it
	Limit   int           // jobs running at once per workspace that has not set its own; default 2
	Poll    time.Duration // wait when the queue is empty; default 1s
	// Kick, when set, wakes the worker before Poll ends (a job was queued
	// in this process).
	Kick <-chan struct{}
	// Observe, when set, is told how each run ended.
	Observe func(j *shotline.RenderJob, outcome string, d time.Duration)
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return 30 * time.Second
}

// Run claims and runs jobs until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for ctx.Err() == nil {
		ran, err := w.RunOne(ctx)
		if err != nil && ctx.Err() == nil {
			w.Service.log().Warn("render worker", "worker", w.ID, "err", err)
		}
		if ran && err == nil {
			continue
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-w.Kick:
		}
		t.Stop()
	}
}

// RunOne claims one job and runs it to its end (or its next retry); it
// reports whether there was one.
func (w *Worker) RunOne(ctx context.Context) (bool, error) {
	limit := w.Limit
	if limit <= 0 {
		limit = shotline.DefaultRenderSettings.Concurrency
	}
	j, err := w.Service.Queue.Claim(ctx, w.ID, w.lease(), limit)
	if err != nil || j == nil {
		return false, err
	}
	w.Service.notify(j)
	start := time.Now()
	outcome, err := w.run(ctx, j)
	if w.Observe != nil {
		w.Observe(j, outcome, time.Since(start))
	}
	return true, err
}

var errCanceled = errors.New("render canceled")

// run renders j under a heartbeat that extends the lease, records progress
// and stops the provider on cancel or a lost lease.
func (w *Worker) run(ctx context.Context, j *shotline.RenderJob) (string, error) {
	s := w.Service
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var mu sync.Mutex
	progress := 0.0
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(w.lease() / 3)
		defer t.Stop()
		last := -1.0
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			p := progress
			mu.Unlock()
			cur, err := s.Queue.Heartbeat(ctx, j, w.lease(), p)
			switch {
			case errors.Is(err, shotline.ErrLeaseLost):
				stop(shotline.ErrLeaseLost)
				return
			case err != nil:
				// The database is away: keep rendering; if the lease
				// runs out meanwhile, Finish finds it lost.
				s.log().Warn("render heartbeat", "job_id", j.ID, "err", err)
				continue
			case cur.Cancel:
				stop(errCanceled)
				return
			}
			if p != last {
				last = p
				s.notify(cur)
			}
		}
	}()

	dst, err := os.MkdirTemp("", "render-")
	if err != nil {
		return "error", err
	}
	defer os.RemoveAll(dst)
	file := filepath.Join(dst, "out.mp4")
	rerr := w.render(runCtx, j, file, func(p float64) {
		mu.Lock()
		progress = p
		mu.Unlock()
	})
	if rerr == nil {
		rerr = w.store(runCtx, j, file)
	}
	stop(nil)
	<-hbDone
	cause := context.Cause(runCtx)
	switch {
	case errors.Is(cause, shotline.ErrLeaseLost):
		if rerr == nil && j.ResultKey != "" {
			w.dropResult(ctx, j)
		}
		return "lease-lost", nil
	case errors.Is(cause, errCanceled):
		_, err := s.Queue.Finish(ctx, j, shotline.JobCanceled, shotline.ErrCanceled, "Canceled.")
		return "canceled", ignoreLost(err)
	case ctx.Err() != nil:
		// Shutting down: the lease runs out and another worker takes over.
		return "interrupted", nil
	case rerr == nil:
		if _, err := s.Queue.Finish(ctx, j, shotline.JobSucceeded, "", ""); err != nil {
			w.dropResult(ctx, j) // another claim finished it
			return "lease-lost", ignoreLost(err)
		}
		return "succeeded", nil
	}
	kind := shotline.KindOf(rerr)
	msg := "The render failed."
	var re *shotline.RenderError
	if errors.As(rerr, &re) {
		msg = re.Message
	}
	s.log().Info("render failed", "job_id", j.ID, "provider", j.Provider, "kind", kind, "attempt", j.Attempt, "err", rerr)
	if kind == shotline.ErrTransient && j.Attempt < shotline.MaxRenderAttempts {
		var asked time.Duration
		if re != nil {
			asked = re.RetryAfter
		}
		next := s.now().Add(shotline.Backoff(j.Attempt, asked))
		err := s.Queue.Retry(ctx, j, next, msg)
		if err == nil {
			j.State, j.NotBefore, j.Error = shotline.JobQueued, next, msg
			s.notify(j)
		}
		return "retry:" + string(kind), ignoreLost(err)
	}
	if kind == shotline.ErrRefused {
		msg = "The provider refused this prompt: " + msg
	}
	_, err = s.Queue.Finish(ctx, j, shotline.JobFailed, kind, msg)
	return "failed:" + string(kind), ignoreLost(err)
}

func ignoreLost(err error) error {
	if errors.Is(err, shotline.ErrLeaseLost) {
		return nil
	}
	return err
}

// render runs the job's provider with presigned URLs of its references.
func (w *Worker) render(ctx context.Context, j *shotline.RenderJob, dst string, progress func(float64)) error {
	s := w.Service
	if j.Kind == shotline.JobExport {
		if s.Exporter == nil {
			return shotline.Permanent("Exports are not configured on this server.", nil)
		}
		return s.Exporter.Export(ctx, j, dst, progress)
	}
	p, ok := s.Providers[j.Provider]
	if !ok {
		return shotline.Permanent(fmt.Sprintf("The provider %q is not configured on this server.", j.Provider), nil)
	}
	var refs []Reference
	for _, id := range j.References {
		a, err := s.Assets.FindAsset(ctx, id)
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			continue // detached and deleted since
		} else if err != nil {
			return shotline.Transient("The reference files could not be read.", err)
		}
		url, err := s.Objects.PresignGet(ctx, a.ObjectKey, time.Hour, "")
		if err != nil {
			return shotline.Transient("The reference files could not be read.", err)
		}
		refs = append(refs, Reference{URL: url, ContentType: a.ContentType, Name: a.Name})
	}
	return p.Render(ctx, j, refs, dst, progress)
}

// store uploads the video and sets the job's result and expiry.
func (w *Worker) store(ctx context.Context, j *shotline.RenderJob, file string) error {
	s := w.Service
	st, err := os.Stat(file)
	if err != nil || st.Size() == 0 {
		return shotline.Permanent("The provider returned no video.", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	key, contentType := ResultKey(j), "video/mp4"
	if j.Kind == shotline.JobExport {
		key, contentType = ExportKey(j), shotline.ExportFormat(j.Format).ContentType()
	}
	if err := s.Objects.Put(ctx, key, f, st.Size(), contentType); err != nil {
		return shotline.Transient("The video could not be stored.", err)
	}
	// Renders count towards the workspace's storage, but never fail on it.
	if err := s.Assets.Reserve(ctx, j.WorkspaceID, st.Size(), 1<<62); err != nil {
		return shotline.Transient("The video could not be stored.", err)
	}
	settings, err := s.Settings.Get(ctx, j.WorkspaceID)
	if err != nil {
		return shotline.Transient("The video could not be stored.", err)
	}
	j.ResultKey, j.ResultSize = key, st.Size()
	j.ExpiresAt = s.now().Add(time.Duration(settings.RetentionDays) * 24 * time.Hour)
	return nil
}

// dropResult removes a video this worker stored for a job it no longer owns.
func (w *Worker) dropResult(ctx context.Context, j *shotline.RenderJob) {
	ctx = context.WithoutCancel(ctx)
	if err := w.Service.Objects.Remove(ctx, j.ResultKey); err == nil {
		_ = w.Service.Assets.Reserve(ctx, j.WorkspaceID, -j.ResultSize, 0)
	}
}
