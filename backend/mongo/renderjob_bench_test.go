package mongo_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	drv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// BenchmarkClaim measures one claim (Claim, then Finish to keep the queue
// at one job) with 1k, 10k and 100k finished jobs in the collections: a
// claim reads only unfinished jobs, so its cost must not grow with them.
//
//	go test ./backend/mongo -run '^$' -bench BenchmarkClaim -benchtime 200x
func BenchmarkClaim(b *testing.B) {
	for _, finished := range []int{1_000, 10_000, 100_000} {
		b.Run(strconv.Itoa(finished), func(b *testing.B) {
			name := testenv.Database(b)
			db := openNamedDB(b, name)
			fillFinishedJobs(b, name, finished)
			q := mongo.NewRenderQueue(db)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				j := &shotline.RenderJob{ID: fmt.Sprintf("bench-%d", i), WorkspaceID: "w", BoardID: "b", ShotID: "s", Duration: 1}
				if err := q.Enqueue(ctx, j); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				got, err := q.Claim(ctx, "worker", time.Minute, 4)
				if err != nil || got == nil {
					b.Fatalf("claim: %v %v", got, err)
				}
				b.StopTimer()
				if _, err := q.Finish(ctx, got, shotline.JobSucceeded, "", ""); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// fillFinishedJobs inserts n finished jobs with their claim and outcome
// documents and their board history, as n renders would leave them.
func fillFinishedJobs(b *testing.B, dbName string, n int) {
	b.Helper()
	ctx := context.Background()
	client, err := drv.Connect(options.Client().ApplyURI(testenv.Get(b).MongoURI))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(dbName)
	const batch = 1000
	for start := 0; start < n; start += batch {
		var jobs, claims []any
		for i := start; i < min(start+batch, n); i++ {
			id := fmt.Sprintf("old-%07d", i)
			ws := fmt.Sprintf("ws-%d", i%50)
			jobs = append(jobs, bson.D{{Key: "_id", Value: id}, {Key: "id", Value: id}, {Key: "workspaceid", Value: ws},
				{Key: "boardid", Value: "board-" + ws}, {Key: "shotid", Value: "shot"}, {Key: "prompt", Value: "an old render of a lake at dawn"},
				{Key: "state", Value: "succeeded"}, {Key: "epoch", Value: 1}, {Key: "attempt", Value: 1}, {Key: "progress", Value: 1.0}})
			claims = append(claims, bson.D{{Key: "_id", Value: id + ":1"}, {Key: "worker", Value: "w"}},
				bson.D{{Key: "_id", Value: id + ":done"}, {Key: "state", Value: "succeeded"}})
		}
		if _, err := db.Collection("render_jobs").InsertMany(ctx, jobs); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Collection("render_claims").InsertMany(ctx, claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueDrain queues 1,000 jobs in ten workspaces and lets four
// workers drain them; every job must run exactly once.
//
//	go test ./backend/mongo -run '^$' -bench BenchmarkQueueDrain -benchtime 1x
func BenchmarkQueueDrain(b *testing.B) {
	const jobs, workers = 1000, 4
	for range b.N {
		b.StopTimer()
		q := mongo.NewRenderQueue(openDB(b))
		ctx := context.Background()
		runs := make(map[string]*atomic.Int32, jobs)
		for i := range jobs {
			id := fmt.Sprintf("job-%04d", i)
			runs[id] = &atomic.Int32{}
			if err := q.Enqueue(ctx, &shotline.RenderJob{ID: id, WorkspaceID: fmt.Sprintf("ws-%d", i%10), BoardID: "b", ShotID: "s"}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for {
					j, err := q.Claim(ctx, fmt.Sprint(w), time.Minute, 2)
					if err != nil {
						b.Error(err)
						return
					}
					if j == nil {
						return
					}
					runs[j.ID].Add(1)
					if _, err := q.Finish(ctx, j, shotline.JobSucceeded, "", ""); err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(jobs)/time.Since(start).Seconds(), "jobs/s")
		for id, n := range runs {
			if n.Load() != 1 {
				b.Fatalf("job %s ran %d times", id, n.Load())
			}
		}
	}
}
