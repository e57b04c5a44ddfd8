package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

// A worker process SIGKILLed in the middle of an MP4 export: after its
// lease another worker process takes the export over and finishes it, once,
// and the object store holds its one file and nothing else (no orphan
// object, no unfinished multipart upload).
func TestKilledWorkersExportIsTakenOverAndLeavesNoOrphan(t *testing.T) {
	s := newServer(t, "SHOTLINE_WORKERS=1", "SHOTLINE_RENDER_LEASE=2s", "SHOTLINE_MODERATION_POLICY=../../../policies/moderation.json")
	ctx := context.Background()
	db, err := mongo.Open(ctx, envValue(s.env, "SHOTLINE_MONGO_URI"), envValue(s.env, "SHOTLINE_MONGO_DB"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	queue := mongo.NewRenderQueue(db)
	projects, boards := mongo.NewProjectService(db), mongo.NewBoardService(db)

	// A board of title cards, long enough to be killed in the middle of.
	const ws = "ws-export-crash"
	target := &shttp.ImportTarget{Projects: projects, Boards: boards, OpLog: mongo.NewOpLog(db)}
	projectID, err := target.CreateProject(ctx, ws, "Crash")
	if err != nil {
		t.Fatal(err)
	}
	b := &export.Board{Title: "Killed mid-export", AspectRatio: "16:9", DefaultShotDuration: 8}
	for i := range 12 {
		b.Shots = append(b.Shots, export.Shot{ID: fmt.Sprintf("shot%d", i+1), Title: fmt.Sprintf("Shot %d", i+1),
			Prompt: "A slow push in on the harbour at dawn", Duration: 8, AspectRatio: "16:9", Status: shotline.ShotDraft})
	}
	boardID, err := target.CreateBoard(ctx, ws, projectID, "u", b)
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := (&export.Requests{Queue: queue}).Request(ctx, export.Request{WorkspaceID: ws, ProjectID: projectID, BoardID: boardID,
		Format: shotline.ExportMP4, Options: shotline.ExportOptions{Resolution: "360p", BurnIn: true}, UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}

	running := s.killWorkerMidJob(t, queue, job.ID)
	if j, err := queue.Job(ctx, job.ID); err != nil || j.State != shotline.JobRunning || j.Progress >= 0.95 {
		t.Fatalf("after the kill the export is %s at %.2f (%v): it was not killed in the middle", j.State, j.Progress, err)
	}

	done := s.takeOver(t, queue, running, "export")
	if want := render.ExportKey(done); done.ResultKey != want || done.ResultSize == 0 {
		t.Errorf("result %q (%d bytes), want %q", done.ResultKey, done.ResultSize, want)
	}
	if ids, err := queue.Exports(ctx, shotline.ExportScope(projectID, boardID)); err != nil || len(ids) != 1 || ids[0] != job.ID {
		t.Errorf("the board's exports are %v (%v), want the one export", ids, err)
	}

	// Everything the workspace has in the object store: the export's file.
	mc, err := minio.New(envValue(s.env, "SHOTLINE_S3_ENDPOINT"), &minio.Options{
		Creds: credentials.NewStaticV4(envValue(s.env, "SHOTLINE_S3_ACCESS_KEY"), envValue(s.env, "SHOTLINE_S3_SECRET_KEY"), "")})
	if err != nil {
		t.Fatal(err)
	}
	bucket, prefix := envValue(s.env, "SHOTLINE_S3_BUCKET"), "workspaces/"+ws+"/"
	var keys []string
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
		if o.Key == done.ResultKey && o.Size != done.ResultSize {
			t.Errorf("%s holds %d bytes, the job says %d", o.Key, o.Size, done.ResultSize)
		}
	}
	if len(keys) != 1 || keys[0] != done.ResultKey {
		t.Errorf("objects under %s: %q, want only %s", prefix, keys, done.ResultKey)
	}
	for u := range mc.ListIncompleteUploads(ctx, bucket, prefix, true) {
		t.Errorf("an unfinished multipart upload is left: %s (%v)", u.Key, u.Err)
	}
}
