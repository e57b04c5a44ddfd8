// Command ferretdb runs FerretDB v1.24 with its SQLite handler: a local
// MongoDB-protocol server for development and tests, so neither needs a real
// MongoDB. It embeds FerretDB's package rather than building its cmd/ferretdb,
// which panics without a generated version file.
//
// Usage:
//
//	ferretdb -listen-addr 127.0.0.1:27017 -sqlite-dir .data/ferretdb
//
// It stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

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
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		return fmt.Errorf("-sqlite-dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create sqlite dir: %w", err)
	}
	// The SQLite handler wants a file: URI naming a directory, ending in "/".
	// Building it with net/url escapes any unusual characters in the path.
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/"}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger.Info("ferretdb listening", "addr", *listenAddr, "sqlite_dir", dir)
	// Run returns once ctx is canceled and the listener, every connection and
	// the SQLite backend are closed.
	if err := f.Run(ctx); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	logger.Info("ferretdb stopped")
	return nil
}
