package render

import (
	"context"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Expirer walks the jobs (renders and exports) whose file has expired.
type Expirer interface {
	// SweepExpired calls remove with every job whose ExpiresAt is not
	// after now and returns how many it removed. It stops at remove's
	// first error; the next call resumes where it stopped.
	SweepExpired(ctx context.Context, now time.Time, remove func(ctx context.Context, j *shotline.RenderJob) error) (int, error)
}

// Retention deletes expired renders and exports: their file, their record
// and their storage. No TTL index: the app's own sweeper, so any
// MongoDB-protocol store and any S3 server work.
type Retention struct {
	Service *Service
	Expirer Expirer
}

// Sweep deletes every render and export that expired by now and returns how
// many it deleted. Where the last sweep got to is kept in the store, so an
// interrupted sweep (a crash, the object store away) resumes there.
func (r *Retention) Sweep(ctx context.Context, now time.Time) (int, error) {
	return r.Expirer.SweepExpired(ctx, now, r.delete)
}

func (r *Retention) delete(ctx context.Context, j *shotline.RenderJob) error {
	// Object, then record, then the bytes: a failure midway is retried by
	// the next sweep (removing a missing object succeeds) and never
	// releases the bytes twice.
	s := r.Service
	if j.ResultKey != "" {
		if err := s.Objects.Remove(ctx, j.ResultKey); err != nil {
			return err
		}
	}
	if err := s.Queue.Delete(ctx, j); err != nil {
		return err
	}
	if j.ResultSize > 0 {
		return s.Assets.Reserve(ctx, j.WorkspaceID, -j.ResultSize, 0)
	}
	return nil
}
