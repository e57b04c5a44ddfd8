// Command shotline runs the Shotline server: it reads its configuration from
// the environment, connects to MongoDB and the object store, serves the API
// and the frontend, and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles on SHOTLINE_DEBUG_ADDR only
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/metrics"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/nats"
	"github.com/shotline/shotline/backend/password"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

func main() {
	run := run
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		run = runWorker
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "shotline:", err)
		os.Exit(1)
	}
}

func run() error {
	setGCPercent(os.Getenv)
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.level()}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, store, err := openStores(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	enforcer, err := authz.New()
	if err != nil {
		return err
	}

	sessions, boards, links := mongo.NewSessionService(db), mongo.NewBoardService(db), mongo.NewShareLinkService(db)
	versions := mongo.NewVersionStore(db)
	met := metrics.New()
	hub := realtime.NewHub(boards, met.OpLog(mongo.NewOpLog(db)), versions, enforcer, realtime.Config{}, log)
	met.Rooms(hub.Rooms)
	ready := map[string]func(context.Context) error{"mongodb": db.Ping, "objectStore": store.Ping}
	if cfg.NATSURL != "" {
		broker, err := nats.Connect(cfg.NATSURL, cfg.NATSToken, log)
		if err != nil {
			return err
		}
		defer broker.Close()
		if err := hub.ShareRooms(broker); err != nil {
			return err
		}
		ready["nats"] = func(context.Context) error { return broker.Ping() }
	}
	assets := &asset.Service{Store: mongo.NewAssetStore(db), Objects: store, FFmpeg: cfg.FFmpeg, Log: log,
		Limits: shotline.AssetLimits{MaxImage: cfg.MaxImageBytes, MaxClip: cfg.MaxClipBytes, Quota: cfg.WorkspaceQuota}}
	fonts := fontsOf(cfg, log)
	renders, queue, err := newRenders(cfg, db, store, fonts, log)
	if err != nil {
		return err
	}
	met.QueueDepth(queue.Depth)
	met.BytesStored(mongo.NewAssetStore(db).TotalUsage)
	renders.Notify = hub.BroadcastRender
	kick := make(chan struct{}, 1)
	renders.Queued = func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	renders.Exporter = newExporter(cfg, db, store, queue, fonts, log, func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error) {
		snap, _, err := hub.BoardSnapshotOf(ctx, b)
		return snap, err
	})
	projects := mongo.NewProjectService(db)
	importer := &export.Importer{
		Target: &shttp.ImportTarget{Projects: projects, Boards: boards, OpLog: mongo.NewOpLog(db), Renders: queue,
			Settings: renderSettings(db, cfg)},
		Assets: mongo.NewAssetStore(db), Objects: store, Quota: cfg.WorkspaceQuota,
		// Unpacked, a bundle is about its size (its media are stored, not
		// compressed); twice leaves room for its JSON and thumbnails.
		Limits: export.ImportLimits{MaxSize: cfg.ImportMaxBytes, MaxTotal: 2 * cfg.ImportMaxBytes,
			MaxFile: max(cfg.MaxClipBytes, cfg.MaxImageBytes)},
		AssetKey: asset.ObjectKey, RenderKey: render.ResultKey,
	}
	srv := shttp.New(shttp.Services{
		Users: mongo.NewUserService(db), Sessions: sessions, Workspaces: mongo.NewWorkspaceService(db),
		Projects: projects, Boards: boards,
		Passwords: password.Default, Authz: enforcer, Hub: hub, Versions: versions, Assets: assets,
		Renders: renders, RenderSettings: renderSettings(db, cfg), Metrics: met,
		Links: links, Audit: mongo.NewAuditLog(db), Inbox: mongo.NewInboxService(db),
		Exports: &export.Requests{Queue: queue, Queued: renders.Queued}, Importer: importer,
		ImportProgress: mongo.NewImportProgressStore(db),
	}, shttp.Config{
		StaticDir: cfg.StaticDir, CookieSecure: cfg.CookieSecure, SessionTTL: cfg.SessionTTL, BodyLimit: cfg.BodyLimit,
		SignInAttempts: cfg.SignInAttempts, SignInWindow: cfg.SignInWindow, PublicOrigins: cfg.PublicOrigins,
		MetricsToken: cfg.MetricsToken, MediaOrigins: []string{cfg.s3Origin()}, LinkAttempts: cfg.LinkAttempts,
		ImportLimit: cfg.ImportMaxBytes, ImportDir: cfg.ImportDir,
		Ready: func(ctx context.Context) map[string]error {
			errs := make(map[string]error, len(ready))
			for name, ping := range ready {
				errs[name] = ping(ctx)
			}
			return errs
		},
	}, log)

	go sweepSessions(ctx, log, sessions, links)
	workers := startWorkers(ctx, cfg, renders, kick, met)
	relay := &render.Relay{Service: renders, Boards: hub.OpenBoards, Send: hub.BroadcastRender,
		Workspace: func(ctx context.Context, id string) (string, error) {
			b, err := boards.FindBoardByID(ctx, id)
			if err != nil {
				return "", err
			}
			return b.WorkspaceID, nil
		}}
	go relay.Run(ctx, time.Second)
	retention := &render.Retention{Service: renders, Expirer: queue}
	go every(ctx, time.Hour, func() {
		if n, err := retention.Sweep(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			log.Warn("sweep expired renders and exports", "err", err)
		} else if n > 0 {
			log.Info("deleted expired renders and exports", "count", n)
		}
	})
	go every(ctx, 10*time.Minute, func() {
		// An upload (a reference file or a bundle to import) no part of
		// which has come for an hour is abandoned: its client went away,
		// or the server that was completing it crashed.
		if n, err := assets.Sweep(ctx, time.Hour); err != nil && ctx.Err() == nil {
			log.Warn("sweep uploads", "err", err)
		} else if n > 0 {
			log.Info("swept abandoned uploads", "count", n)
		}
	})
	if cfg.DebugAddr != "" {
		go serveDebug(log, cfg.DebugAddr, met)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(cfg.Addr) }()
	log.Info("shotline started", "addr", cfg.Addr, "mongo_db", cfg.MongoDB, "bucket", cfg.S3Bucket, "static_dir", cfg.StaticDir, "shared_rooms", cfg.NATSURL != "")

	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	// Rooms first: they write pending ops and close the sockets, whose
	// handlers would otherwise keep the server waiting.
	if err := hub.Shutdown(shutdownCtx); err != nil {
		log.Warn("realtime shutdown", "err", err)
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Workers stop with ctx; a render cut short is taken over after its lease.
	workers.Wait()
	log.Info("stopped")
	return nil
}

// retry runs fn until it succeeds, for up to a minute, so the app can start
// while its database or object store is still coming up.
func retry(ctx context.Context, log *slog.Logger, what string, fn func(context.Context) error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := fn(attemptCtx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("%s not reachable: %w", what, err)
		}
		log.Warn("waiting for dependency", "dependency", what, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// sweepSessions deletes expired sessions and guest sessions every hour.
// They are already refused on read; this only reclaims space (no TTL
// index, so that FerretDB works too).
func sweepSessions(ctx context.Context, log *slog.Logger, sessions *mongo.SessionService, links *mongo.ShareLinkService) {
	every(ctx, time.Hour, func() {
		now := time.Now().UTC()
		if n, err := sessions.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
			log.Warn("sweep sessions", "err", err)
		} else if n > 0 {
			log.Info("swept expired sessions", "count", n)
		}
		if n, err := links.DeleteExpiredGuestSessions(ctx, now); err != nil && ctx.Err() == nil {
			log.Warn("sweep guest sessions", "err", err)
		} else if n > 0 {
			log.Info("swept expired guest sessions", "count", n)
		}
	})
}

// every runs fn now and then every period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveDebug serves net/http/pprof's profiles on addr, for profiling a
// running server (docs/benchmarks.md).
func serveDebug(log *slog.Logger, addr string, met *metrics.Metrics) {
	log.Info("serving profiles and metrics", "addr", addr)
	http.Handle("/metrics", met.Handler())
	srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Warn("debug listener", "err", err)
	}
}
