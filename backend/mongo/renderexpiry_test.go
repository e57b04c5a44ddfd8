package mongo_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// finished records a finished job that expires at expires; export makes it
// an export of its board.
func finished(t *testing.T, q *mongo.RenderQueue, id string, export bool, expires time.Time) *shotline.RenderJob {
	t.Helper()
	j := &shotline.RenderJob{ID: id, WorkspaceID: "ws", BoardID: "b1", ShotID: "s1", State: shotline.JobSucceeded,
		ResultKey: "renders/" + id, FinishedAt: expires.Add(-30 * 24 * time.Hour), ExpiresAt: expires}
	if export {
		j.Kind, j.ShotID, j.Format = shotline.JobExport, "", "csv"
	}
	if err := q.Record(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

// sweeper runs q's sweep with a remove that deletes the record (as the
// retention does after the object) and notes what it was asked to remove;
// fail, when set, decides whether a removal fails instead.
type sweeper struct {
	q       *mongo.RenderQueue
	removed []string
	fail    func(id string) bool
}

func (s *sweeper) sweep(t *testing.T, now time.Time) (int, error) {
	t.Helper()
	return s.q.SweepExpired(context.Background(), now, func(ctx context.Context, j *shotline.RenderJob) error {
		if s.fail != nil && s.fail(j.ID) {
			return errors.New("object store away")
		}
		s.removed = append(s.removed, j.ID)
		return s.q.Delete(ctx, j)
	})
}

func exists(t *testing.T, q *mongo.RenderQueue, id string) bool {
	t.Helper()
	_, err := q.Job(context.Background(), id)
	if err != nil && shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatal(err)
	}
	return err == nil
}

// Renders and exports past their retention are removed, records and list
// entries both; the others stay until their own day; a sweep repeated
// removes nothing twice.
func TestRetentionSweepRemovesExpiredRendersAndExports(t *testing.T) {
	q, c := newQueue(t)
	ctx := context.Background()
	now := c.Now()
	finished(t, q, "r-old", false, now.Add(24*time.Hour))
	finished(t, q, "e-old", true, now.Add(2*24*time.Hour))
	finished(t, q, "r-new", false, now.Add(40*24*time.Hour))
	finished(t, q, "e-new", true, now.Add(40*24*time.Hour))
	// One finished through the queue: Finish files its expiry too.
	enqueue(t, q, "ws", 1)
	j, err := q.Claim(ctx, "w", time.Minute, 2)
	if err != nil || j == nil {
		t.Fatalf("claim: %v %v", j, err)
	}
	j.ExpiresAt = now.Add(3 * 24 * time.Hour)
	if _, err := q.Finish(ctx, j, shotline.JobSucceeded, "", ""); err != nil {
		t.Fatal(err)
	}

	s := &sweeper{q: q}
	if n, err := s.sweep(t, now.Add(12*time.Hour)); err != nil || n != 0 {
		t.Fatalf("sweep before anything expired: %d %v", n, err)
	}
	if n, err := s.sweep(t, now.Add(4*24*time.Hour)); err != nil || n != 3 {
		t.Fatalf("sweep after four days: %d %v, want 3", n, err)
	}
	slices.Sort(s.removed)
	want := []string{"e-old", j.ID, "r-old"}
	slices.Sort(want)
	if !slices.Equal(s.removed, want) {
		t.Errorf("removed %v, want %v", s.removed, want)
	}
	for id, want := range map[string]bool{"r-old": false, "e-old": false, j.ID: false, "r-new": true, "e-new": true} {
		if got := exists(t, q, id); got != want {
			t.Errorf("job %s exists: %v, want %v", id, got, want)
		}
	}
	if exp, err := q.Exports(ctx, "board:b1"); err != nil || !slices.Equal(exp, []string{"e-new"}) {
		t.Errorf("export list %v %v, want only e-new", exp, err)
	}
	hist, err := q.ShotRenders(ctx, "b1")
	if err != nil || !slices.Equal(hist["s1"], []string{"r-new"}) {
		t.Errorf("shot history %v %v, want only r-new", hist, err)
	}

	s.removed = nil
	if n, err := s.sweep(t, now.Add(4*24*time.Hour)); err != nil || n != 0 || len(s.removed) != 0 {
		t.Fatalf("second sweep: %d %v, removed %v", n, err, s.removed)
	}
	if n, err := s.sweep(t, now.Add(41*24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("sweep after 41 days: %d %v, want 2", n, err)
	}
	if exists(t, q, "r-new") || exists(t, q, "e-new") {
		t.Error("renders past their retention are still there")
	}
}

// A job filed under its expiry day is not removed before its time on that
// very day.
func TestRetentionSweepKeepsTodaysLaterRenders(t *testing.T) {
	q, c := newQueue(t)
	now := c.Now() // 12:00
	finished(t, q, "morning", false, now.Add(-2*time.Hour))
	finished(t, q, "evening", false, now.Add(6*time.Hour))
	s := &sweeper{q: q}
	if n, err := s.sweep(t, now); err != nil || n != 1 || !slices.Equal(s.removed, []string{"morning"}) {
		t.Fatalf("sweep at noon: %d %v, removed %v", n, err, s.removed)
	}
	if !exists(t, q, "evening") {
		t.Fatal("the evening's render was removed at noon")
	}
	if n, err := s.sweep(t, now.Add(7*time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep in the evening: %d %v, want 1", n, err)
	}
	if exists(t, q, "evening") {
		t.Error("the evening's render is still there after its time")
	}
}

// A sweep stopped half way (the object store away) resumes where it
// stopped: what it removed is not asked for again, the rest is removed,
// the following days too.
func TestRetentionSweepResumesAfterAnInterruption(t *testing.T) {
	q, c := newQueue(t)
	now := c.Now()
	day := now.Add(24 * time.Hour)
	for _, id := range []string{"a", "b", "c"} {
		finished(t, q, id, false, day)
	}
	finished(t, q, "d", true, day.Add(24*time.Hour))
	s := &sweeper{q: q, fail: func(id string) bool { return id == "b" }}
	n, err := s.sweep(t, now.Add(5*24*time.Hour))
	if err == nil || n != 1 || !slices.Equal(s.removed, []string{"a"}) {
		t.Fatalf("interrupted sweep: %d %v, removed %v; want 1, an error, [a]", n, err, s.removed)
	}
	if !exists(t, q, "b") || !exists(t, q, "c") || !exists(t, q, "d") {
		t.Fatal("the sweep went on past its failure")
	}
	s.fail, s.removed = nil, nil
	if n, err := s.sweep(t, now.Add(5*24*time.Hour)); err != nil || n != 3 {
		t.Fatalf("resumed sweep: %d %v, want 3", n, err)
	}
	if want := []string{"b", "c", "d"}; !slices.Equal(s.removed, want) {
		t.Errorf("resumed sweep removed %v, want %v", s.removed, want)
	}
}

// A render whose expiry was filed by an earlier version (one list per day
// in render_expiry) is moved to the day ledger at start-up and swept.
func TestRetentionSweepsRendersFiledByEarlierVersions(t *testing.T) {
	ctx := context.Background()
	name := testenv.Database(t)
	client, err := driver.Connect(options.Client().ApplyURI(testenv.Get(t).MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	raw := client.Database(name)
	now := time.Now().UTC()
	past, later := now.Add(-24*time.Hour), now.Add(5*24*time.Hour)
	for id, exp := range map[string]time.Time{"old-past": past, "old-later": later} {
		if _, err := raw.Collection("render_jobs").InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "workspaceid", Value: "ws"},
			{Key: "boardid", Value: "b1"}, {Key: "shotid", Value: "s1"}, {Key: "state", Value: "succeeded"}, {Key: "expiresat", Value: exp}}); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Collection("render_expiry").InsertOne(ctx, bson.D{{Key: "_id", Value: "day:" + exp.Format(time.DateOnly)},
			{Key: "jobs", Value: []string{id}}}); err != nil {
			t.Fatal(err)
		}
	}
	q := mongo.NewRenderQueue(openNamedDB(t, name)) // migrates
	if n, err := raw.Collection("render_expiry").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("render_expiry holds %d lists (%v) after the migration, want none", n, err)
	}
	s := &sweeper{q: q}
	if n, err := s.sweep(t, now); err != nil || n != 1 || !slices.Equal(s.removed, []string{"old-past"}) {
		t.Fatalf("sweep now: %d %v, removed %v; want old-past", n, err, s.removed)
	}
	if n, err := s.sweep(t, later.Add(time.Hour)); err != nil || n != 1 || exists(t, q, "old-later") {
		t.Fatalf("sweep after the later one's day: %d %v", n, err)
	}
}
