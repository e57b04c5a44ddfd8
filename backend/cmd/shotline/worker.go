package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/metrics"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
	"github.com/shotline/shotline/policies"
)

// openStores connects to the database (and, with migrate, creates its
// indexes) and to the object store's bucket (created if missing), waiting
// up to a minute for each to answer.
func openStores(ctx context.Context, cfg config, log *slog.Logger, migrate bool) (*mongo.DB, *objectstore.Store, error) {
	db, err := mongo.Open(ctx, cfg.MongoURI, cfg.MongoDB)
	if err != nil {
		return nil, nil, err
	}
	check := db.Ping
	if migrate {
		check = db.Migrate
	}
	if err := retry(ctx, log, "mongodb", check); err != nil {
		_ = db.Close(context.Background())
		return nil, nil, err
	}
	store, err := objectstore.Open(objectstore.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Bucket: cfg.S3Bucket, Secure: cfg.S3Secure, Region: cfg.S3Region})
	if err == nil {
		err = retry(ctx, log, "object store", store.EnsureBucket)
	}
	if err != nil {
		_ = db.Close(context.Background())
		return nil, nil, err
	}
	return db, store, nil
}

// newRenders builds the render service and its queue on the database and
// object store: the providers, the content policy, credits and settings.
func newRenders(cfg config, db *mongo.DB, store *objectstore.Store, fonts typeset.Fonts, log *slog.Logger) (*render.Service, *mongo.RenderQueue, error) {
	policy, err := render.LoadPolicy(cfg.ModerationPolicy)
	if errors.Is(err, fs.ErrNotExist) {
		// No file deployed: the policy shipped in the binary, fixed.
		log.Warn("moderation policy file not found; using the built-in policy, which does not reload", "path", cfg.ModerationPolicy)
		policy, err = render.StaticPolicy(policies.Moderation)
	}
	if err != nil {
		return nil, nil, err
	}
	queue := mongo.NewRenderQueue(db)
	svc := &render.Service{Queue: queue, Credits: mongo.NewCreditStore(db), Assets: mongo.NewAssetStore(db), Objects: store,
		Settings: renderSettings(db, cfg), Policy: policy, Welcome: cfg.WelcomeCredits, Log: log,
		Providers: map[string]render.Provider{"animatic": &render.Animatic{FFmpeg: cfg.FFmpeg, Fonts: fonts}}}
	if cfg.OpenAIAPIKey != "" {
		svc.Providers["openai"] = &render.OpenAI{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, Model: cfg.OpenAIModel, Rate: cfg.RemoteCreditsPerSec}
	}
	if cfg.FalKey != "" {
		svc.Providers["fal"] = &render.Fal{BaseURL: cfg.FalBaseURL, APIKey: cfg.FalKey, Model: cfg.FalModel, ImageModel: cfg.FalImageModel,
			Rate: cfg.RemoteCreditsPerSec}
	}
	names := make([]string, 0, len(svc.Providers))
	for n := range svc.Providers {
		names = append(names, n)
	}
	log.Info("render providers", "providers", names) // names only, never keys
	queue.OnFinish = svc.Finished
	return svc, queue, nil
}

// newExporter builds what export jobs run on: the board's state through
// snapshot (the hub's in the app, the stored one in a worker process).
func newExporter(cfg config, db *mongo.DB, store *objectstore.Store, queue *mongo.RenderQueue, fonts typeset.Fonts, log *slog.Logger,
	snapshot func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error)) *export.Exporter {
	return &export.Exporter{
		Source: &shttp.ExportSource{Boards: mongo.NewBoardService(db), Projects: mongo.NewProjectService(db), Snapshot: snapshot},
		Queue:  queue, Assets: mongo.NewAssetStore(db), Objects: store, FFmpeg: cfg.FFmpeg, Log: log,
		Fonts: fonts,
	}
}

// fontsOf is the fonts exports and the animatic's title cards draw text
// with, without the fallback (CJK) if its file is not there.
func fontsOf(cfg config, log *slog.Logger) typeset.Fonts {
	fallback := cfg.FontFallback
	if _, err := os.Stat(fallback); err != nil {
		log.Warn("fallback font not found; CJK text in storyboards and title cards is drawn as boxes", "path", fallback)
		fallback = ""
	}
	return typeset.Fonts{Regular: cfg.FontRegular, Bold: cfg.FontBold, Fallback: fallback}
}

// storedSnapshot reads a board's state from the store (no hub).
func storedSnapshot(oplog shotline.OpLog) func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error) {
	return func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error) {
		snap, _, err := realtime.StoredSnapshot(ctx, b, oplog)
		return snap, err
	}
}

// renderSettings is the workspaces' render settings store, whose default
// concurrency is the workers' (SHOTLINE_RENDER_CONCURRENCY).
func renderSettings(db *mongo.DB, cfg config) *mongo.RenderSettingsStore {
	s := mongo.NewRenderSettingsStore(db)
	if cfg.RenderConcurrency > 0 {
		s.Default.Concurrency = cfg.RenderConcurrency
	}
	return s
}

// startWorkers runs cfg.Workers render workers until ctx ends; Wait on the
// result waits for them to stop.
func startWorkers(ctx context.Context, cfg config, svc *render.Service, kick <-chan struct{}, met *metrics.Metrics) *sync.WaitGroup {
	var wg sync.WaitGroup
	host, _ := os.Hostname()
	for i := range cfg.Workers {
		w := &render.Worker{ID: fmt.Sprintf("%s/%d/%s", host, i, uuid.NewString()[:8]), Service: svc, Lease: cfg.RenderLease,
			Limit: cfg.RenderConcurrency, Kick: kick,
			Observe: func(j *shotline.RenderJob, outcome string, d time.Duration) { met.RenderRun(j.Provider, outcome, d) }}
		wg.Go(func() { w.Run(ctx) })
	}
	return &wg
}

// runWorker is `shotline worker`: render workers only, no HTTP server.
// Several may run against one database, beside app processes or instead of
// their in-process workers (SHOTLINE_WORKERS=0 there).
func runWorker() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.level()}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, store, err := openStores(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	fonts := fontsOf(cfg, log)
	svc, queue, err := newRenders(cfg, db, store, fonts, log)
	if err != nil {
		return err
	}
	svc.Exporter = newExporter(cfg, db, store, queue, fonts, log, storedSnapshot(mongo.NewOpLog(db)))
	n := max(cfg.Workers, 1)
	cfg.Workers = n
	log.Info("shotline worker started", "workers", n, "mongo_db", cfg.MongoDB)
	met := metrics.New()
	if cfg.DebugAddr != "" {
		go serveDebug(log, cfg.DebugAddr, met)
	}
	startWorkers(ctx, cfg, svc, nil, met).Wait()
	log.Info("worker stopped")
	return nil
}
