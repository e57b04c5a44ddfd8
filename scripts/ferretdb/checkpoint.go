package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// checkpointer copies SQLite's write-ahead log back into the database files
// beside the relay's writes instead of inside them.
//
// By default SQLite checkpoints in the statement that pushes the WAL past
// 1,000 pages, so one write in a few dozen also copies every page written
// since the last checkpoint, while the relay holds all the others
// (measured under live editing: 15% of FerretDB's time, docs/benchmarks.md).
// With FerretDB's own checkpoints off (wal_autocheckpoint(0)), the launcher
// runs a PASSIVE checkpoint on its own connection every interval, which
// copies what is committed without holding up readers or the writer. Under
// a steady stream of writes such a checkpoint never catches up with the
// end of the log, and SQLite only starts the log again from its beginning
// after one that did; so once the log holds more than restartFrames, the
// checkpointer takes the relay's write lock and checkpoints the few frames
// written since, which lets the next write restart the log.
type checkpointer struct {
	ids      *idIndexer  // its connections (one per database) do the checkpoints
	writes   sync.Locker // the relay's write lock
	log      *slog.Logger
	interval time.Duration
	// restartFrames is the log's length (in pages) past which a checkpoint
	// is finished under the write lock.
	restartFrames int
	// stats, if set, counts the time a checkpoint held the write lock.
	stats *writeStats
}

// The checkpointer's settings (variables for the tests): a checkpoint five
// times a second, finished under the write lock once the log holds 16 MiB
// (4,096 pages of 4 KiB), four times SQLite's default.
var (
	checkpointEvery         = 200 * time.Millisecond
	checkpointRestartFrames = 4096
)

// walPragma turns FerretDB's own checkpoints off when the checkpointer runs.
const walPragma = "wal_autocheckpoint(0)"

// run checkpoints every database of the directory every interval until ctx
// is done.
func (c *checkpointer) run(ctx context.Context) {
	every(ctx, c.interval, func() {
		files, err := filepath.Glob(filepath.Join(c.ids.files.dir, "*.sqlite"))
		if err != nil {
			c.log.Warn("checkpoint: list databases", "err", err)
			return
		}
		for _, f := range files {
			if err := c.checkpoint(ctx, strings.TrimSuffix(filepath.Base(f), ".sqlite")); err != nil && ctx.Err() == nil {
				c.log.Warn("checkpoint", "database", filepath.Base(f), "err", err)
			}
		}
	})
}

// checkpoint copies database's log into its file, and finishes under the
// write lock if the log has grown past restartFrames.
func (c *checkpointer) checkpoint(ctx context.Context, database string) error {
	frames, done, err := c.passive(ctx, database)
	if err != nil || frames <= c.restartFrames || done {
		return err
	}
	c.writes.Lock()
	defer c.writes.Unlock()
	if c.stats != nil {
		defer c.stats.add(command{name: "checkpoint", collection: database}, time.Now()) // logged as "checkpoint <database>"
	}
	_, _, err = c.passive(ctx, database)
	return err
}

// passive runs one PASSIVE checkpoint: frames is how long the log is, done
// whether every frame is now in the database file.
func (c *checkpointer) passive(ctx context.Context, database string) (frames int, done bool, err error) {
	db, err := c.ids.files.open(database)
	if err != nil {
		return 0, false, nil // dropped meanwhile: nothing to do
	}
	var busy, copied int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0, false, fmt.Errorf("wal_checkpoint: %w", err)
	}
	// frames is -1 when the database is not in WAL mode (yet): nothing to
	// copy.
	return frames, frames <= copied, nil
}
