package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// envValue returns the value of key in a KEY=value list (the last wins).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// startWorkerProcess runs `shotline worker` with the server's settings, in
// a process group of its own, so that the ffmpeg runs a killed worker
// leaves behind (SIGKILL does not reach children) are ended with it at
// cleanup rather than left to run.
func (s *server) startWorkerProcess(t *testing.T, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(s.bin, "worker")
	cmd.Env = s.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, _ := os.Create(filepath.Join(t.TempDir(), name+".log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL); _ = cmd.Wait() })
	return cmd
}

// A worker process SIGKILLed in the middle of a render: after its lease
// another worker process takes the job over and finishes it, once; the
// workspace is charged once and refunded nothing.
func TestKilledWorkersJobIsTakenOverAndFinishesOnce(t *testing.T) {
	s := newServer(t, "SHOTLINE_WORKERS=1", "SHOTLINE_RENDER_LEASE=2s", "SHOTLINE_MODERATION_POLICY=../../../policies/moderation.json")
	cfg := config{MongoURI: envValue(s.env, "SHOTLINE_MONGO_URI"), MongoDB: envValue(s.env, "SHOTLINE_MONGO_DB"),
		ModerationPolicy: "../../../policies/moderation.json", WelcomeCredits: 100, FFmpeg: "ffmpeg"}
	ctx := context.Background()
	db, err := mongo.Open(ctx, cfg.MongoURI, cfg.MongoDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	store, err := objectstore.Open(objectstore.Config{Endpoint: envValue(s.env, "SHOTLINE_S3_ENDPOINT"), AccessKey: envValue(s.env, "SHOTLINE_S3_ACCESS_KEY"),
		SecretKey: envValue(s.env, "SHOTLINE_S3_SECRET_KEY"), Bucket: envValue(s.env, "SHOTLINE_S3_BUCKET")})
	if err != nil {
		t.Fatal(err)
	}
	svc, queue, err := newRenders(cfg, db, store, typeset.Fonts{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// A long title card: long enough to be killed in the middle.
	job, err := svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", UserID: "u",
		Shot: board.NumberedShot{Number: 1, Shot: board.Shot{ID: "shot1", Title: "Long", Prompt: "A long slow shot", Duration: 60, AspectRatio: "16:9"}}})
	if err != nil {
		t.Fatal(err)
	}

	running := s.killWorkerMidJob(t, queue, job.ID)
	killedAt := time.Now()
	done := s.takeOver(t, queue, running, "job")
	if size, err := store.Size(ctx, done.ResultKey); err != nil || size != done.ResultSize || size == 0 {
		t.Errorf("video: %d bytes (%v), job says %d", size, err, done.ResultSize)
	}
	ledger, err := svc.Credits.Ledger(ctx, "ws", 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range ledger {
		keys = append(keys, e.Key)
	}
	if got, want := strings.Join(keys, " "), "charge:"+job.ID+" welcome"; got != want {
		t.Errorf("ledger %q, want %q: charged once, no refund", got, want)
	}
	if b, _ := svc.Credits.Balance(ctx, "ws"); b != 100-job.Cost {
		t.Errorf("balance %d, want %d", b, 100-job.Cost)
	}
	t.Logf("taken over and finished %v after the kill", time.Since(killedAt).Round(100*time.Millisecond))
}

// killWorkerMidJob runs a worker process until it is running job id and
// has made progress, then SIGKILLs it; it returns the job as it was then.
func (s *server) killWorkerMidJob(t *testing.T, q *mongo.RenderQueue, id string) *shotline.RenderJob {
	t.Helper()
	first := s.startWorkerProcess(t, "worker-a")
	running := waitJob(t, q, id, func(j *shotline.RenderJob) bool { return j.State == shotline.JobRunning && j.Progress > 0 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	return running
}

// takeOver starts a second worker process and waits for the job a killed
// worker was running (running, as it was then) to end: it must succeed,
// taken over once, after the killed worker's lease. It returns the job.
func (s *server) takeOver(t *testing.T, q *mongo.RenderQueue, running *shotline.RenderJob, what string) *shotline.RenderJob {
	t.Helper()
	s.startWorkerProcess(t, "worker-b")
	done := waitJob(t, q, running.ID, func(j *shotline.RenderJob) bool { return j.State.Terminal() })
	if done.State != shotline.JobSucceeded {
		t.Fatalf("%s ended %s: %s", what, done.State, done.Error)
	}
	if done.Attempt != 2 || done.Epoch != running.Epoch+1 {
		t.Errorf("attempt %d epoch %d, want 2 and %d: taken over once", done.Attempt, done.Epoch, running.Epoch+1)
	}
	if !done.FinishedAt.After(running.LeaseUntil) {
		t.Errorf("finished at %v, before the killed worker's lease ended at %v", done.FinishedAt, running.LeaseUntil)
	}
	return done
}

// waitJob polls the job until ok says so (a minute at most).
func waitJob(t *testing.T, q *mongo.RenderQueue, id string, ok func(*shotline.RenderJob) bool) *shotline.RenderJob {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		j, err := q.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s stuck: %s progress %.2f attempt %d", id, j.State, j.Progress, j.Attempt)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
