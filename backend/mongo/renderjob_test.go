package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

// clock is a settable time for lease tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newQueue(t *testing.T) (*mongo.RenderQueue, *clock) {
	t.Helper()
	q := mongo.NewRenderQueue(openDB(t))
	c := &clock{now: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
	q.Now = c.Now
	return q, c
}

func enqueue(t *testing.T, q *mongo.RenderQueue, ws string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s-job-%04d", ws, i)
		j := &shotline.RenderJob{ID: ids[i], WorkspaceID: ws, BoardID: "b-" + ws, ShotID: fmt.Sprintf("s%d", i%3), Prompt: "p", Duration: 1}
		if err := q.Enqueue(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// Four workers drain a queue of jobs from several workspaces: every job
// runs exactly once and ends succeeded.
func TestRenderQueueRunsEachJobOnce(t *testing.T) {
	q, _ := newQueue(t)
	ctx := context.Background()
	var ids []string
	for _, ws := range []string{"w1", "w2", "w3"} {
		ids = append(ids, enqueue(t, q, ws, 40)...)
	}
	runs := map[string]*atomic.Int32{}
	for _, id := range ids {
		runs[id] = &atomic.Int32{}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for {
				j, err := q.Claim(ctx, fmt.Sprintf("worker-%d", w), time.Minute, 100)
				if err != nil {
					t.Error(err)
					return
				}
				if j == nil {
					return
				}
				runs[j.ID].Add(1)
				if _, err := q.Finish(ctx, j, shotline.JobSucceeded, "", ""); err != nil {
					t.Errorf("finish %s: %v", j.ID, err)
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if n := runs[id].Load(); n != 1 {
			t.Errorf("job %s ran %d times", id, n)
		}
		j, err := q.Job(ctx, id)
		if err != nil {
			t.Fatal(err)
		} else if j.State != shotline.JobSucceeded {
			t.Errorf("job %s is %s", id, j.State)
		}
	}
	if active, _ := q.Active(ctx, "w1"); len(active) != 0 {
		t.Errorf("w1 still lists %d unfinished jobs", len(active))
	}
}

// A worker that stops heartbeating loses its job after the lease; the one
// that takes over finishes it, and the first one's late Finish changes
// nothing.
func TestRenderQueueTakesOverAfterTheLease(t *testing.T) {
	q, c := newQueue(t)
	ctx := context.Background()
	enqueue(t, q, "w", 1)
	first, err := q.Claim(ctx, "a", 30*time.Second, 4)
	if err != nil || first == nil {
		t.Fatalf("first claim: %v %v", first, err)
	}
	if j, _ := q.Claim(ctx, "b", 30*time.Second, 4); j != nil {
		t.Fatal("a job under a live lease was claimed again")
	}
	c.Add(20 * time.Second)
	if _, err := q.Heartbeat(ctx, first, 30*time.Second, 0.5); err != nil {
		t.Fatal(err)
	}
	c.Add(20 * time.Second)
	if j, _ := q.Claim(ctx, "b", 30*time.Second, 4); j != nil {
		t.Fatal("the heartbeat did not extend the lease")
	}
	c.Add(31 * time.Second)
	second, err := q.Claim(ctx, "b", 30*time.Second, 4)
	if err != nil || second == nil {
		t.Fatalf("takeover: %v %v", second, err)
	}
	if second.Epoch != first.Epoch+1 || second.Attempt != 2 {
		t.Errorf("takeover epoch %d attempt %d, want %d and 2", second.Epoch, second.Attempt, first.Epoch+1)
	}
	if _, err := q.Heartbeat(ctx, first, time.Minute, 0.9); !errors.Is(err, shotline.ErrLeaseLost) {
		t.Errorf("the old worker's heartbeat: %v, want ErrLeaseLost", err)
	}
	if _, err := q.Finish(ctx, first, shotline.JobFailed, shotline.ErrPermanent, "late"); !errors.Is(err, shotline.ErrLeaseLost) {
		t.Errorf("the old worker's finish: %v, want ErrLeaseLost", err)
	}
	if _, err := q.Finish(ctx, second, shotline.JobSucceeded, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Finish(ctx, second, shotline.JobSucceeded, "", ""); !errors.Is(err, shotline.ErrLeaseLost) {
		t.Errorf("a second finish: %v, want ErrLeaseLost", err)
	}
	if j, _ := q.Job(ctx, second.ID); j.State != shotline.JobSucceeded {
		t.Errorf("state %s", j.State)
	}
}

func TestRenderQueueKeepsTheWorkspaceLimit(t *testing.T) {
	q, _ := newQueue(t)
	ctx := context.Background()
	enqueue(t, q, "w", 3)
	a, _ := q.Claim(ctx, "a", time.Minute, 2)
	b, _ := q.Claim(ctx, "b", time.Minute, 2)
	if a == nil || b == nil {
		t.Fatal("two claims under a limit of two failed")
	}
	if c, _ := q.Claim(ctx, "c", time.Minute, 2); c != nil {
		t.Fatal("a third job ran in a workspace limited to two")
	}
	if _, err := q.Finish(ctx, a, shotline.JobSucceeded, "", ""); err != nil {
		t.Fatal(err)
	}
	if c, _ := q.Claim(ctx, "c", time.Minute, 2); c == nil {
		t.Fatal("a slot freed but the third job was not claimed")
	}
}

// Many workers race for few jobs under a limit of one: never two at once.
func TestRenderQueueLimitUnderRace(t *testing.T) {
	q, _ := newQueue(t)
	ctx := context.Background()
	enqueue(t, q, "w", 8)
	var claimed atomic.Int32
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			if j, err := q.Claim(ctx, fmt.Sprint(w), time.Minute, 1); err != nil {
				t.Error(err)
			} else if j != nil {
				claimed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := claimed.Load(); n > 1 {
		t.Errorf("%d jobs running in a workspace limited to one", n)
	}
}

func TestRenderQueueRetryWaitsForBackoff(t *testing.T) {
	q, c := newQueue(t)
	ctx := context.Background()
	enqueue(t, q, "w", 1)
	j, _ := q.Claim(ctx, "a", time.Minute, 4)
	if err := q.Retry(ctx, j, c.Now().Add(8*time.Second), "429"); err != nil {
		t.Fatal(err)
	}
	if again, _ := q.Claim(ctx, "a", time.Minute, 4); again != nil {
		t.Fatal("claimed before its backoff ended")
	}
	c.Add(9 * time.Second)
	again, err := q.Claim(ctx, "a", time.Minute, 4)
	if err != nil || again == nil || again.Attempt != 2 {
		t.Fatalf("after the backoff: %+v %v", again, err)
	}
}

func TestRenderQueueCancel(t *testing.T) {
	q, _ := newQueue(t)
	ctx := context.Background()
	ids := enqueue(t, q, "w", 2)
	j, err := q.RequestCancel(ctx, ids[0])
	if err != nil || j.State != shotline.JobCanceled {
		t.Fatalf("cancel of a queued job: %+v %v", j, err)
	}
	running, _ := q.Claim(ctx, "a", time.Minute, 4)
	if running == nil || running.ID != ids[1] {
		t.Fatalf("claimed %+v, want the job that was not canceled", running)
	}
	j, err = q.RequestCancel(ctx, ids[1])
	if err != nil || j.State != shotline.JobRunning || !j.Cancel {
		t.Fatalf("cancel of a running job: %+v %v", j, err)
	}
	hb, err := q.Heartbeat(ctx, running, time.Minute, 0.1)
	if err != nil || !hb.Cancel {
		t.Fatalf("the worker's heartbeat does not see the cancel: %+v %v", hb, err)
	}
	if _, err := q.Finish(ctx, running, shotline.JobCanceled, shotline.ErrCanceled, "Canceled."); err != nil {
		t.Fatal(err)
	}
	hist, err := q.ShotRenders(ctx, "b-w")
	if err != nil || len(hist["s0"]) != 1 || len(hist["s1"]) != 1 {
		t.Errorf("history %v %v", hist, err)
	}
}

// A workspace's own concurrency limit (its render settings) replaces the
// workers' limit for its jobs, and only for its jobs.
func TestRenderQueueUsesTheWorkspacesOwnLimit(t *testing.T) {
	db := openDB(t)
	q := mongo.NewRenderQueue(db)
	c := &clock{now: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
	q.Now = c.Now
	ctx := context.Background()
	settings := mongo.NewRenderSettingsStore(db)
	if err := settings.Set(ctx, "one", shotline.RenderSettings{RetentionDays: 30, Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	if rs, err := settings.Get(ctx, "one"); err != nil || rs.Concurrency != 1 {
		t.Fatalf("settings %+v %v", rs, err)
	}
	enqueue(t, q, "one", 3)
	claim := func() *shotline.RenderJob {
		t.Helper()
		j, err := q.Claim(ctx, "w", time.Minute, 5)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if claim() == nil {
		t.Fatal("no first claim")
	}
	if j := claim(); j != nil {
		t.Fatalf("claimed %s past the workspace's limit of 1 (workers allow 5)", j.ID)
	}
	if err := settings.Set(ctx, "one", shotline.RenderSettings{RetentionDays: 30, Concurrency: 3}); err != nil {
		t.Fatal(err)
	}
	if claim() == nil || claim() == nil {
		t.Fatal("the raised limit of 3 did not let two more run")
	}
	// A workspace without settings runs up to the workers' limit.
	enqueue(t, q, "other", 3)
	for i := range 3 {
		if j, err := q.Claim(ctx, "w", time.Minute, 2); err != nil || (j == nil) != (i == 2) {
			t.Fatalf("claim %d in a workspace on the workers' limit of 2: %v %v", i+1, j, err)
		}
	}
}
