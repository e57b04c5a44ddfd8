// Command ferretdb runs FerretDB v1.24 with its SQLite handler: a local
// MongoDB-protocol server for development and tests, so neither needs a real
// MongoDB. It embeds FerretDB's package rather than building its cmd/ferretdb,
// which panics without a generated version file.
//
// Usage:
//
//	ferretdb -listen-addr 127.0.0.1:27017 -sqlite-dir .data/ferretdb
//
// By default clients reach FerretDB through a relay that lets one request at
// a time through, because FerretDB's own writes are not atomic (see
// serializer), that gives every collection an index its _id lookups use
// (see idIndexer), that answers a find by a unique index's fields through
// that index (see uniqueFinder) and that checkpoints SQLite's write-ahead
// logs beside the writes rather than inside them (see checkpointer);
// -serialize=false turns all four off. -write-stats 10s logs, every 10 s, how long each kind of
// write held the relay.
//
// It stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run() error {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "data/ferretdb", "directory for the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	serialize := flag.Bool("serialize", true, "let one request at a time through, so that single-document writes are atomic")
	syncMode := flag.String("sync", "normal", "SQLite's synchronous setting: normal (a commit survives a crash of any process; like MongoDB's default write concern, the last moments may be lost if the machine loses power) or full (an fsync per commit)")
	writeStatsEvery := flag.Duration("write-stats", 0, "if set, log every this often how long each kind of write held the relay")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(&lazyHandler{base: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		return fmt.Errorf("-sqlite-dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create sqlite dir: %w", err)
	}
	if *syncMode != "normal" && *syncMode != "full" {
		return fmt.Errorf("-sync: %q is neither normal nor full", *syncMode)
	}
	// The SQLite handler wants a file: URI naming a directory, ending in "/".
	// Building it with net/url escapes any unusual characters in the path.
	// FerretDB opens every database in WAL mode; SQLite's default there
	// (synchronous FULL) fsyncs the WAL at every commit, which on this
	// class of disk costs a few ms per write and serializes behind the
	// relay (docs/benchmarks.md). NORMAL syncs at checkpoints only: a
	// committed write is in the WAL, so it survives the app, FerretDB or
	// this launcher being killed.
	q := url.Values{"_pragma": {"synchronous(" + *syncMode + ")"}}
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/", RawQuery: q.Encode()}).String()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if !*serialize {
		f, err := newFerretDB(logger, ferretdb.ListenerConfig{TCP: *listenAddr}, sqliteURL)
		if err != nil {
			return err
		}
		logger.Info("ferretdb listening", "addr", *listenAddr, "sqlite_dir", dir)
		// Run returns once ctx is canceled and the listener, every
		// connection and the SQLite backend are closed.
		_ = f.Run(ctx)
		logger.Info("ferretdb stopped")
		return nil
	}

	listen := func() (net.Listener, error) { return net.Listen("tcp", *listenAddr) }
	var stats *writeStats
	if *writeStatsEvery > 0 {
		stats = newWriteStats()
		go stats.logEvery(ctx, logger, *writeStatsEvery)
	}
	return serveSerialized(ctx, logger, listen, dir, sqliteURL, stats)
}

// serveSerialized runs FerretDB on a private Unix socket and, once it
// answers, relays the clients that connect to the listener listen opens
// to it through the serializer, until ctx is done. The launcher, not
// FerretDB, checkpoints SQLite's write-ahead logs (see checkpointer).
func serveSerialized(ctx context.Context, logger *slog.Logger, listen func() (net.Listener, error), dir, sqliteURL string, stats *writeStats) error {
	u, err := url.Parse(sqliteURL)
	if err != nil {
		return fmt.Errorf("sqlite URL: %w", err)
	}
	q := u.Query()
	q.Add("_pragma", walPragma)
	// SQLite keeps the statement journal of a multi-row write (what it
	// rolls back if a row breaks a unique index) in memory until it
	// outgrows 64 KiB, then in a temporary file: with it in memory, an
	// insert of a hundred ops no longer writes that file (17% of FerretDB's
	// time under live editing, docs/benchmarks.md).
	q.Add("_pragma", "temp_store(memory)")
	u.RawQuery = q.Encode()
	sqliteURL = u.String()
	sockDir, err := os.MkdirTemp("", "shotline-ferretdb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "ferretdb.sock")
	f, err := newFerretDB(logger, ferretdb.ListenerConfig{Unix: sock}, sqliteURL)
	if err != nil {
		return err
	}
	fctx, stopFerret := context.WithCancel(context.Background())
	ferretDone := make(chan struct{})
	go func() {
		defer close(ferretDone)
		_ = f.Run(fctx)
	}()
	defer func() {
		stopFerret()
		<-ferretDone
		logger.Info("ferretdb stopped")
	}()
	dial := func() (net.Conn, error) { return net.Dial("unix", sock) }
	// Accept clients only once FerretDB answers, so that "the port is open"
	// means "ready".
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := dial()
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ferretdb did not start: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ferretDone:
			return errors.New("ferretdb stopped while starting")
		case <-time.After(20 * time.Millisecond):
		}
	}
	ids := newIDIndexer(dir, logger)
	defer ids.close()
	if err := ids.ensureAll(ctx); err != nil {
		return fmt.Errorf("index _id of existing collections: %w", err)
	}
	ln, err := listen()
	if err != nil {
		return err
	}
	logger.Info("ferretdb listening", "addr", ln.Addr().String(), "sqlite_dir", dir, "serialized", true)
	unique := newUniqueFinder(dir)
	defer unique.close()
	s := &serializer{upstream: dial, log: logger, ids: ids, unique: unique, stats: stats}
	if serving != nil {
		serving(s)
	}
	ck := &checkpointer{ids: ids, writes: &s.mu, log: logger, interval: checkpointEvery, restartFrames: checkpointRestartFrames, stats: stats}
	ckCtx, stopCheckpoints := context.WithCancel(ctx)
	ckDone := make(chan struct{})
	go func() {
		defer close(ckDone)
		ck.run(ckCtx)
	}()
	defer func() {
		stopCheckpoints()
		<-ckDone
	}()
	// serve returns when ctx is canceled, after closing every client
	// connection; then FerretDB stops (deferred above).
	s.serve(ctx, ln)
	return nil
}

// serving, if set (by tests), is handed the relay before it serves.
var serving func(*serializer)

func newFerretDB(logger *slog.Logger, l ferretdb.ListenerConfig, sqliteURL string) (*ferretdb.FerretDB, error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  l,
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	return f, nil
}
