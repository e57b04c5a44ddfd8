package render

import (
	"context"
	"errors"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Expirer lists the jobs whose renders expire on a day (one _id read).
type Expirer interface {
	Expiring(ctx context.Context, day time.Time) ([]string, error)
}

// Retention deletes expired renders: their video, their storage and their
// records. No TTL index: the app's own sweeper, so any MongoDB-protocol
// store and any S3 server work.
type Retention struct {
	Service *Service
	Expirer Expirer
	swept   bool
}

// Sweep deletes every render that expired before now, looking at the
// expiry days of the last 400 days on its first run (a server that was
// down long) and of the last three after that. It returns how many it
// deleted.
func (r *Retention) Sweep(ctx context.Context, now time.Time) (int, error) {
	days := 3
	if !r.swept {
		days = 400
	}
	n := 0
	var errs []error
	for d := days - 1; d >= 0; d-- {
		ids, err := r.Expirer.Expiring(ctx, now.AddDate(0, 0, -d))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			j, err := r.Service.Queue.Job(ctx, id)
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				errs = append(errs, err)
				continue
			}
			if j.ExpiresAt.IsZero() || j.ExpiresAt.After(now) {
				continue
			}
			if err := r.delete(ctx, j); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	if len(errs) == 0 {
		r.swept = true
	}
	return n, errors.Join(errs...)
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
