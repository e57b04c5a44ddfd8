package mongo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// RenderQueue keeps render jobs and hands them to workers with _id-only
// queries (docs/storage.md, "Render jobs"):
//
//	render_jobs     _id = job id: the job, with everything used to make it
//	render_queues   _id = "ws:<workspace>": the workspace's unfinished job ids and
//	                running leases; _id = "active": the workspaces with unfinished jobs
//	render_claims   _id = "<job>:<epoch>": one insert per claim (the unique _id
//	                decides who runs the job); _id = "<job>:done": the outcome,
//	                inserted once by whoever finishes it
//	board_renders   _id = board id: job ids by shot
//	session_expiry  _id = "render:YYYY-MM-DD" (a counter) and "render:YYYY-MM-DD:n":
//	                the jobs (renders and exports) whose file expires that day
//	export_lists    _id = "board:<id>" or "project:<id>": export job ids, newest last
//
// Claiming reads the "active" document, one queue document per workspace
// tried and one job document per job tried: its cost depends on the
// unfinished jobs, never on the finished ones.
type RenderQueue struct {
	db  *DB
	Now func() time.Time
	// OnFinish, when set, is called with every finished job whenever its
	// outcome is applied, before the job leaves its workspace's queue: it
	// runs again (so it must be idempotent) if a crash interrupted it.
	OnFinish func(ctx context.Context, j *shotline.RenderJob)
}

var _ shotline.RenderQueue = (*RenderQueue)(nil)

// NewRenderQueue returns a RenderQueue on db.
func NewRenderQueue(db *DB) *RenderQueue { return &RenderQueue{db: db, Now: db.Now} }

// MaxUnfinishedPerWorkspace bounds a workspace's queue document.
const MaxUnfinishedPerWorkspace = 2000

// MaxRendersPerShot bounds a shot's history in its board's document; older
// renders expire with their retention anyway.
const MaxRendersPerShot = 200

func (q *RenderQueue) jobs() *mongo.Collection    { return q.db.db.Collection("render_jobs") }
func (q *RenderQueue) queues() *mongo.Collection  { return q.db.db.Collection("render_queues") }
func (q *RenderQueue) claims() *mongo.Collection  { return q.db.db.Collection("render_claims") }
func (q *RenderQueue) history() *mongo.Collection { return q.db.db.Collection("board_renders") }
func (q *RenderQueue) exports() *mongo.Collection { return q.db.db.Collection("export_lists") }

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

const activeID = "active"

func queueID(workspaceID string) string { return "ws:" + workspaceID }

type jobDoc struct {
	ID                 string `bson:"_id"`
	shotline.RenderJob `bson:",inline"`
}

// Enqueue inserts the job, then lists it in its workspace's queue, in the
// workspaces with work, and in its shot's history. A crash between these
// leaves a job nobody claims; its charge is refunded by RequestCancel.
func (q *RenderQueue) Enqueue(ctx context.Context, j *shotline.RenderJob) error {
	qd, err := q.queue(ctx, j.WorkspaceID)
	if err != nil {
		return err
	}
	if len(qd.Jobs) >= MaxUnfinishedPerWorkspace {
		return shotline.Errorf(shotline.ECONFLICT, "This workspace has %d renders waiting; wait for some to finish.", len(qd.Jobs))
	}
	j.State = shotline.JobQueued
	if _, err := q.jobs().InsertOne(ctx, jobDoc{ID: j.ID, RenderJob: *j}); isDuplicate(err) {
		return &shotline.Error{Code: shotline.ECONFLICT, Message: "This job exists already.", Err: err}
	} else if err != nil {
		return fmt.Errorf("insert render job: %w", err)
	}
	upsert := options.UpdateOne().SetUpsert(true)
	if _, err := q.queues().UpdateOne(ctx, byID(queueID(j.WorkspaceID)),
		bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: j.ID}}}}, upsert); err != nil {
		return fmt.Errorf("queue render job: %w", err)
	}
	if _, err := q.queues().UpdateOne(ctx, byID(activeID),
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "workspaces", Value: j.WorkspaceID}}}}, upsert); err != nil {
		return fmt.Errorf("mark workspace active: %w", err)
	}
	if j.Kind == shotline.JobExport {
		return pushCapped(ctx, q.exports(), shotline.ExportScope(j.ProjectID, j.BoardID), "jobs", j.ID, shotline.MaxExportsPerScope)
	}
	if err := q.addToHistory(ctx, j); err != nil {
		return err
	}
	return nil
}

// addToHistory lists a render under its shot in its board's history.
func (q *RenderQueue) addToHistory(ctx context.Context, j *shotline.RenderJob) error {
	return pushCapped(ctx, q.history(), j.BoardID, "shots."+j.ShotID, j.ID, MaxRendersPerShot)
}

// Exports: _id equality on export_lists.
func (q *RenderQueue) Exports(ctx context.Context, scope string) ([]string, error) {
	var d struct {
		Jobs []string `bson:"jobs"`
	}
	err := q.exports().FindOne(ctx, byID(scope)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read exports: %w", err)
	}
	return d.Jobs, nil
}

// Job: _id equality.
func (q *RenderQueue) Job(ctx context.Context, id string) (*shotline.RenderJob, error) {
	var d jobDoc
	if err := q.jobs().FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "Render not found.", "find render job")
	}
	j := d.RenderJob
	j.ID = d.ID
	return &j, nil
}

type queueDoc struct {
	Limit   int                  `bson:"limit"` // the workspace's own concurrency limit; 0: the workers'
	Jobs    []string             `bson:"jobs"`
	Running map[string]time.Time `bson:"running"` // job id → lease end
	Spaces  []string             `bson:"workspaces"`
}

func (q *RenderQueue) queue(ctx context.Context, workspaceID string) (*queueDoc, error) {
	var d queueDoc
	err := q.queues().FindOne(ctx, byID(queueID(workspaceID))).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("read render queue: %w", err)
	}
	return &d, nil
}

// Active: the workspace's queue document.
func (q *RenderQueue) Active(ctx context.Context, workspaceID string) ([]string, error) {
	d, err := q.queue(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return d.Jobs, nil
}

func (d *queueDoc) runningExcept(now time.Time, jobID string) int {
	n := 0
	for id, until := range d.Running {
		if id != jobID && until.After(now) {
			n++
		}
	}
	return n
}

// Claim walks the workspaces with work, from a random one for fairness, and
// in each its unfinished jobs in queue order, and claims the first that may
// run: queued and due, or running under an expired lease (its worker died).
//
// Who runs a job is decided by inserting render_claims {_id: "<job>:<epoch>"}:
// the unique _id lets exactly one claimant of each epoch through, on MongoDB
// and on the local store alike. limit applies to workspaces that have not
// set their own (RenderSettingsStore.Set). The workspace's limit is kept by writing our
// lease into the queue document and reading the answer: if it shows limit
// other live leases, we give the job back. Each later writer sees every
// earlier lease, so at most limit claims proceed at once.
func (q *RenderQueue) Claim(ctx context.Context, worker string, lease time.Duration, limit int) (*shotline.RenderJob, error) {
	var active queueDoc
	if err := q.queues().FindOne(ctx, byID(activeID)).Decode(&active); errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read active workspaces: %w", err)
	}
	n := len(active.Spaces)
	start := 0
	if n > 1 {
		start = rand.IntN(n)
	}
	for i := range n {
		ws := active.Spaces[(start+i)%n]
		j, err := q.claimIn(ctx, ws, worker, lease, limit)
		if j != nil || err != nil {
			return j, err
		}
	}
	return nil, nil
}

func (q *RenderQueue) claimIn(ctx context.Context, ws, worker string, lease time.Duration, limit int) (*shotline.RenderJob, error) {
	qd, err := q.queue(ctx, ws)
	if err != nil {
		return nil, err
	}
	if len(qd.Jobs) == 0 {
		// Nothing left: stop visiting this workspace. A job queued
		// meanwhile adds it back after its own push ($addToSet after $push).
		_, err := q.queues().UpdateOne(ctx, byID(activeID), bson.D{{Key: "$pull", Value: bson.D{{Key: "workspaces", Value: ws}}}})
		if err == nil {
			qd, err = q.queue(ctx, ws)
			if err == nil && len(qd.Jobs) > 0 {
				_, err = q.queues().UpdateOne(ctx, byID(activeID), bson.D{{Key: "$addToSet", Value: bson.D{{Key: "workspaces", Value: ws}}}})
			}
		}
		return nil, err
	}
	if qd.Limit > 0 {
		limit = qd.Limit
	}
	now := q.Now()
	if qd.runningExcept(now, "") >= limit {
		return nil, nil
	}
	for _, id := range qd.Jobs {
		if until, ok := qd.Running[id]; ok && until.After(now) {
			continue
		}
		j, err := q.Job(ctx, id)
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			q.unlist(ctx, ws, id)
			continue
		} else if err != nil {
			return nil, err
		}
		if j.State.Terminal() {
			// Finished, but its finisher stopped before unlisting it:
			// apply the outcome again (OnFinish included), which unlists.
			if done, err := q.outcome(ctx, id); err != nil {
				return nil, err
			} else if done != nil {
				q.applyOutcome(ctx, j, done)
			} else {
				q.unlist(ctx, ws, id)
			}
			continue
		}
		if j.State == shotline.JobRunning && j.LeaseUntil.After(now) || j.NotBefore.After(now) {
			continue
		}
		if j.State == shotline.JobRunning {
			// Its worker died. If it got as far as recording the
			// outcome, apply that instead of running it again.
			if done, err := q.outcome(ctx, id); err != nil {
				return nil, err
			} else if done != nil {
				q.applyOutcome(ctx, j, done)
				continue
			}
		}
		got, err := q.take(ctx, j, worker, lease, limit)
		if got != nil || err != nil {
			return got, err
		}
	}
	return nil, nil
}

func (q *RenderQueue) take(ctx context.Context, j *shotline.RenderJob, worker string, lease time.Duration, limit int) (*shotline.RenderJob, error) {
	epoch := j.Epoch + 1
	now := q.Now()
	if _, err := q.claims().InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:%d", j.ID, epoch)}, {Key: "worker", Value: worker}, {Key: "at", Value: now}}); err != nil {
		if isDuplicate(err) {
			return nil, nil // another worker claimed it first
		}
		return nil, fmt.Errorf("claim render job: %w", err)
	}
	until := now.Add(lease)
	var qd queueDoc
	err := q.queues().FindOneAndUpdate(ctx, byID(queueID(j.WorkspaceID)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "running." + j.ID, Value: until}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&qd)
	if err != nil {
		return nil, fmt.Errorf("take a render slot: %w", err)
	}
	set := bson.D{{Key: "epoch", Value: epoch}}
	if qd.runningExcept(now, j.ID) >= limit {
		// Over the workspace's limit: give the job back under the epoch
		// we own, so the next claim uses the one after.
		if _, err := q.jobs().UpdateOne(ctx, byID(j.ID), bson.D{{Key: "$set", Value: set}}); err != nil {
			return nil, fmt.Errorf("give back render job: %w", err)
		}
		q.unsetRunning(ctx, j.WorkspaceID, j.ID)
		return nil, nil
	}
	j.Epoch, j.State, j.Worker, j.LeaseUntil = epoch, shotline.JobRunning, worker, until
	j.Attempt++
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	set = append(set, bson.D{{Key: "state", Value: j.State}, {Key: "worker", Value: worker}, {Key: "leaseuntil", Value: until},
		{Key: "attempt", Value: j.Attempt}, {Key: "startedat", Value: j.StartedAt}, {Key: "notbefore", Value: time.Time{}}}...)
	if _, err := q.jobs().UpdateOne(ctx, byID(j.ID), bson.D{{Key: "$set", Value: set}}); err != nil {
		return nil, fmt.Errorf("start render job: %w", err)
	}
	return j, nil
}

func (q *RenderQueue) unsetRunning(ctx context.Context, ws, jobID string) {
	_, _ = q.queues().UpdateOne(ctx, byID(queueID(ws)), bson.D{{Key: "$unset", Value: bson.D{{Key: "running." + jobID, Value: ""}}}})
}

// unlist removes a finished job from its workspace's queue.
func (q *RenderQueue) unlist(ctx context.Context, ws, jobID string) {
	_, _ = q.queues().UpdateOne(ctx, byID(queueID(ws)), bson.D{
		{Key: "$pull", Value: bson.D{{Key: "jobs", Value: jobID}}},
		{Key: "$unset", Value: bson.D{{Key: "running." + jobID, Value: ""}}}})
}

// current reads the job and checks that the claim j.Epoch still owns it.
func (q *RenderQueue) current(ctx context.Context, j *shotline.RenderJob) (*shotline.RenderJob, error) {
	cur, err := q.Job(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	if cur.Epoch != j.Epoch || cur.State.Terminal() {
		return nil, shotline.ErrLeaseLost
	}
	return cur, nil
}

// Heartbeat: a read and an update of the job by _id, and one of its
// workspace's queue document.
func (q *RenderQueue) Heartbeat(ctx context.Context, j *shotline.RenderJob, lease time.Duration, progress float64) (*shotline.RenderJob, error) {
	cur, err := q.current(ctx, j)
	if err != nil {
		return nil, err
	}
	until := q.Now().Add(lease)
	if _, err := q.jobs().UpdateOne(ctx, byID(j.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "leaseuntil", Value: until}, {Key: "progress", Value: progress}}}}); err != nil {
		return nil, fmt.Errorf("extend render lease: %w", err)
	}
	if _, err := q.queues().UpdateOne(ctx, byID(queueID(j.WorkspaceID)), bson.D{{Key: "$set", Value: bson.D{
		{Key: "running." + j.ID, Value: until}}}}); err != nil {
		return nil, fmt.Errorf("extend render slot: %w", err)
	}
	cur.LeaseUntil, cur.Progress = until, progress
	return cur, nil
}

// Retry: the job goes back to queued (still listed in its queue) with its
// claim's slot freed.
func (q *RenderQueue) Retry(ctx context.Context, j *shotline.RenderJob, notBefore time.Time, reason string) error {
	if _, err := q.current(ctx, j); err != nil {
		return err
	}
	if _, err := q.jobs().UpdateOne(ctx, byID(j.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: shotline.JobQueued}, {Key: "notbefore", Value: notBefore}, {Key: "error", Value: reason},
		{Key: "errorkind", Value: shotline.ErrTransient}, {Key: "leaseuntil", Value: time.Time{}}, {Key: "progress", Value: 0.0}}}}); err != nil {
		return fmt.Errorf("requeue render job: %w", err)
	}
	q.unsetRunning(ctx, j.WorkspaceID, j.ID)
	return nil
}

type outcomeDoc struct {
	State      shotline.JobState  `bson:"state"`
	Kind       shotline.ErrorKind `bson:"kind"`
	Message    string             `bson:"message"`
	ResultKey  string             `bson:"resultKey"`
	ResultSize int64              `bson:"resultSize"`
	ExpiresAt  time.Time          `bson:"expiresAt"`
	At         time.Time          `bson:"at"`
}

func (q *RenderQueue) outcome(ctx context.Context, jobID string) (*outcomeDoc, error) {
	var d outcomeDoc
	err := q.claims().FindOne(ctx, byID(jobID+":done")).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read render outcome: %w", err)
	}
	return &d, nil
}

// Finish inserts the outcome under the unique _id "<job>:done" (so exactly
// one finisher wins, whoever it is), then writes it to the job, unlists it
// and files its expiry. Every step after the insert is idempotent and is
// redone by the next claimant if a crash interrupts it.
func (q *RenderQueue) Finish(ctx context.Context, j *shotline.RenderJob, state shotline.JobState, kind shotline.ErrorKind, msg string) (*shotline.RenderJob, error) {
	if _, err := q.current(ctx, j); err != nil {
		return nil, err
	}
	return q.finish(ctx, j, state, kind, msg)
}

func (q *RenderQueue) finish(ctx context.Context, j *shotline.RenderJob, state shotline.JobState, kind shotline.ErrorKind, msg string) (*shotline.RenderJob, error) {
	o := outcomeDoc{State: state, Kind: kind, Message: msg, ResultKey: j.ResultKey, ResultSize: j.ResultSize, ExpiresAt: j.ExpiresAt, At: q.Now()}
	doc := bson.D{{Key: "_id", Value: j.ID + ":done"}, {Key: "state", Value: o.State}, {Key: "kind", Value: o.Kind}, {Key: "message", Value: o.Message},
		{Key: "resultKey", Value: o.ResultKey}, {Key: "resultSize", Value: o.ResultSize}, {Key: "expiresAt", Value: o.ExpiresAt}, {Key: "at", Value: o.At}}
	if _, err := q.claims().InsertOne(ctx, doc); err != nil {
		if isDuplicate(err) {
			return nil, shotline.ErrLeaseLost
		}
		return nil, fmt.Errorf("record render outcome: %w", err)
	}
	return q.applyOutcome(ctx, j, &o), nil
}

func (q *RenderQueue) applyOutcome(ctx context.Context, j *shotline.RenderJob, o *outcomeDoc) *shotline.RenderJob {
	out := *j
	out.State, out.ErrorKind, out.Error, out.FinishedAt = o.State, o.Kind, o.Message, o.At
	out.ResultKey, out.ResultSize, out.ExpiresAt = o.ResultKey, o.ResultSize, o.ExpiresAt
	if o.State == shotline.JobSucceeded {
		out.Progress = 1
	}
	_, err := q.jobs().UpdateOne(ctx, byID(j.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: out.State}, {Key: "errorkind", Value: out.ErrorKind}, {Key: "error", Value: out.Error},
		{Key: "finishedat", Value: out.FinishedAt}, {Key: "resultkey", Value: out.ResultKey}, {Key: "resultsize", Value: out.ResultSize},
		{Key: "expiresat", Value: out.ExpiresAt}, {Key: "progress", Value: out.Progress}, {Key: "leaseuntil", Value: time.Time{}}}}})
	if err == nil && !out.ExpiresAt.IsZero() {
		// Redone after a crash, this may file the job twice: the sweep
		// finds it gone the second time.
		err = q.db.renderExpiry().add(ctx, out.ExpiresAt, j.ID)
	}
	if err != nil {
		// The job stays listed; the next claimant finds the outcome and
		// applies it again.
		return &out
	}
	if q.OnFinish != nil {
		q.OnFinish(ctx, &out)
	}
	q.unlist(ctx, j.WorkspaceID, j.ID)
	return &out
}

// RequestCancel marks the job; a job that is not running under a live
// lease is finished as canceled at once (a worker that claims it meanwhile
// loses at Finish).
func (q *RenderQueue) RequestCancel(ctx context.Context, id string) (*shotline.RenderJob, error) {
	j, err := q.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State.Terminal() {
		return j, nil
	}
	if _, err := q.jobs().UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "cancel", Value: true}}}}); err != nil {
		return nil, fmt.Errorf("cancel render job: %w", err)
	}
	j.Cancel = true
	if j.State == shotline.JobRunning && j.LeaseUntil.After(q.Now()) {
		return j, nil // its worker sees the flag at its next heartbeat
	}
	out, err := q.finish(ctx, j, shotline.JobCanceled, shotline.ErrCanceled, "Canceled.")
	if errors.Is(err, shotline.ErrLeaseLost) {
		return q.Job(ctx, id)
	}
	return out, err
}

// ShotRenders: _id equality on board_renders.
func (q *RenderQueue) ShotRenders(ctx context.Context, boardID string) (map[string][]string, error) {
	var d struct {
		Shots map[string][]string `bson:"shots"`
	}
	err := q.history().FindOne(ctx, byID(boardID)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || d.Shots == nil {
		return map[string][]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read render history: %w", err)
	}
	return d.Shots, nil
}

// SweepExpired calls remove with every job (render or export) whose file
// expired by now, day by day through the expiry ledger, and returns how
// many it removed. It stops at the first error; the next sweep resumes
// where this one stopped (the entries already handled are gone). Its cost
// is what it removes, today's expiring jobs and one lookup per day since
// the last sweep.
func (q *RenderQueue) SweepExpired(ctx context.Context, now time.Time, remove func(ctx context.Context, j *shotline.RenderJob) error) (int, error) {
	e := q.db.renderExpiry()
	n, err := e.sweep(ctx, now, func(ctx context.Context, id string, over bool) (expiryOutcome, error) {
		j, err := q.Job(ctx, id)
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			return expiryGone, nil
		} else if err != nil {
			return expiryLater, err
		}
		if j.ExpiresAt.IsZero() {
			return expiryGone, nil // kept for good: nothing to expire
		}
		if j.ExpiresAt.After(now) {
			if !over {
				return expiryLater, nil
			}
			// Filed under a day before its own (it cannot be, unless
			// written so by hand): file it under its day, so it is
			// not lost with this day's counter.
			if err := e.add(ctx, j.ExpiresAt, j.ID); err != nil {
				return expiryLater, err
			}
			return expiryGone, nil
		}
		if err := remove(ctx, j); err != nil {
			return expiryLater, fmt.Errorf("expire %s: %w", j.ID, err)
		}
		return expiryDeleted, nil
	})
	return int(n), err
}

// Delete removes a finished job: its record, its claims, and its id in its
// shot's history or its export list. All by _id. Its expiry entry stays
// until the sweep reaches its day and finds the job gone.
func (q *RenderQueue) Delete(ctx context.Context, j *shotline.RenderJob) error {
	var errs []error
	var err error
	if j.Kind == shotline.JobExport {
		_, err = q.exports().UpdateOne(ctx, byID(shotline.ExportScope(j.ProjectID, j.BoardID)), bson.D{{Key: "$pull", Value: bson.D{{Key: "jobs", Value: j.ID}}}})
	} else {
		_, err = q.history().UpdateOne(ctx, byID(j.BoardID), bson.D{{Key: "$pull", Value: bson.D{{Key: "shots." + j.ShotID, Value: j.ID}}}})
	}
	errs = append(errs, err)
	for e := 1; e <= j.Epoch; e++ {
		_, err := q.claims().DeleteOne(ctx, byID(fmt.Sprintf("%s:%d", j.ID, e)))
		errs = append(errs, err)
	}
	_, err = q.claims().DeleteOne(ctx, byID(j.ID+":done"))
	errs = append(errs, err)
	_, err = q.jobs().DeleteOne(ctx, byID(j.ID))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete render job: %w", err)
	}
	return nil
}

// Depth counts the unfinished jobs by state for metrics: the "active"
// document and one queue document per workspace with work (no job reads;
// a job with a live lease counts as running).
func (q *RenderQueue) Depth(ctx context.Context) (map[shotline.JobState]int, error) {
	out := map[shotline.JobState]int{shotline.JobQueued: 0, shotline.JobRunning: 0}
	var active queueDoc
	if err := q.queues().FindOne(ctx, byID(activeID)).Decode(&active); errors.Is(err, mongo.ErrNoDocuments) {
		return out, nil
	} else if err != nil {
		return nil, fmt.Errorf("read active workspaces: %w", err)
	}
	now := q.Now()
	for _, ws := range active.Spaces {
		qd, err := q.queue(ctx, ws)
		if err != nil {
			return nil, err
		}
		running := qd.runningExcept(now, "")
		out[shotline.JobRunning] += running
		out[shotline.JobQueued] += max(len(qd.Jobs)-running, 0)
	}
	return out, nil
}

// Record stores a job that finished elsewhere (an imported render): the
// job, its shot's history (an export: its export list) and its expiry
// entry, all by _id. It never enters
// a queue.
func (q *RenderQueue) Record(ctx context.Context, j *shotline.RenderJob) error {
	if !j.State.Terminal() {
		return errors.New("record render job: not finished")
	}
	if _, err := q.jobs().InsertOne(ctx, jobDoc{ID: j.ID, RenderJob: *j}); err != nil {
		return fmt.Errorf("insert render job: %w", err)
	}
	if j.Kind == shotline.JobExport {
		if err := pushCapped(ctx, q.exports(), shotline.ExportScope(j.ProjectID, j.BoardID), "jobs", j.ID, shotline.MaxExportsPerScope); err != nil {
			return err
		}
	} else if err := q.addToHistory(ctx, j); err != nil {
		return err
	}
	if !j.ExpiresAt.IsZero() {
		if err := q.db.renderExpiry().add(ctx, j.ExpiresAt, j.ID); err != nil {
			return fmt.Errorf("record render expiry: %w", err)
		}
	}
	return nil
}
