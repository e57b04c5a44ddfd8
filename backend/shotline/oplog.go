package shotline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// StoredOp is one realtime op as the op log keeps it: applied to a board in
// order, numbered by the board's sequence, and kept as the JSON the realtime
// protocol defines (the log does not interpret it).
type StoredOp struct {
	BoardID   string
	Seq       int64  // 1, 2, 3, … per board, no gaps
	OpID      string // client-generated; a re-sent op is recognised by it
	ActorID   string // user who sent it
	Op        []byte // JSON of the applied op
	CreatedAt time.Time
}

// BoardSnapshot is a board's whole realtime state at a sequence number, kept
// so that loading a room replays only the ops after it.
type BoardSnapshot struct {
	BoardID string
	Seq     int64
	State   []byte // JSON of the room's state
	// Head says that no op of the board is logged after Seq. A room marks
	// its snapshot so when it unloads with every op written, and clears
	// the mark before it writes another op; loading a board from a head
	// snapshot skips reading the op log.
	Head      bool
	CreatedAt time.Time
}

// OpLog stores a board's ops durably. The (board, seq) pair is unique, so two
// writers can never both store an op at one sequence number; so is the
// (board, op id) pair. Every method costs what its answer holds, never
// what the whole log holds (docs/storage.md).
type OpLog interface {
	// AppendOps stores ops in order, in as few round trips as it can.
	// Returns ECONFLICT if any (board, seq) or (board, opId) is already
	// stored; ops before the conflicting one may have been stored, none
	// after it (the error wraps a *StoredPrefix when it knows how many).
	AppendOps(ctx context.Context, ops []StoredOp) error
	// OpsSince returns up to limit ops of a board with Seq > after, in order.
	OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]StoredOp, error)
	// FindOpByOpID returns ENOTFOUND if no op of the board has that op id.
	// An op is found by its id as soon as it is stored.
	FindOpByOpID(ctx context.Context, boardID, opID string) (*StoredOp, error)
	// LastSeq returns the highest stored Seq of a board, 0 if none.
	LastSeq(ctx context.Context, boardID string) (int64, error)
	// SaveSnapshot replaces the board's snapshot unless the stored one is
	// newer (a higher Seq).
	SaveSnapshot(ctx context.Context, s BoardSnapshot) error
	// SaveOpPage stores a board's ops from seq k·OpPageSize+1 to
	// (k+1)·OpPageSize, all already stored, once more as one document,
	// so that OpsSince reads them back in one lookup. Returns EINVALID
	// unless ops are exactly such a page; saving a page again is a no-op.
	SaveOpPage(ctx context.Context, ops []StoredOp) error
	// ClearHead takes the Head mark off the board's snapshot, if it has one.
	ClearHead(ctx context.Context, boardID string) error
	// FindSnapshot returns ENOTFOUND if the board has no snapshot yet.
	FindSnapshot(ctx context.Context, boardID string) (*BoardSnapshot, error)
}

// OpPageSize is how many ops of a board an op page holds (SaveOpPage).
const OpPageSize = 100

// IsOpPage reports whether ops are one board's ops from seq k·OpPageSize+1
// to (k+1)·OpPageSize, in order.
func IsOpPage(ops []StoredOp) bool {
	if len(ops) != OpPageSize || (ops[0].Seq-1)%OpPageSize != 0 {
		return false
	}
	for i, o := range ops {
		if o.BoardID != ops[0].BoardID || o.Seq != ops[0].Seq+int64(i) {
			return false
		}
	}
	return true
}

// StoredPrefix says how many ops, from the start, AppendOps stored before
// it failed. Err is the failure.
type StoredPrefix struct {
	Stored int
	Err    error
}

func (p *StoredPrefix) Error() string { return fmt.Sprintf("%d ops stored: %v", p.Stored, p.Err) }
func (p *StoredPrefix) Unwrap() error { return p.Err }

// StoredBefore returns how many ops AppendOps stored before err, if err
// says so.
func StoredBefore(err error) (int, bool) {
	var p *StoredPrefix
	if errors.As(err, &p) {
		return p.Stored, true
	}
	return 0, false
}

// BoardVersion is a named snapshot of a board that can be restored.
type BoardVersion struct {
	ID        string
	BoardID   string
	Name      string
	Seq       int64
	State     []byte // JSON of the board as clients see it
	CreatedBy string
	CreatedAt time.Time
}

// VersionStore keeps named versions of boards.
type VersionStore interface {
	// CreateVersion stores v, setting its ID and CreatedAt.
	CreateVersion(ctx context.Context, v *BoardVersion) error
	// FindVersions lists a board's versions, newest first, without State.
	FindVersions(ctx context.Context, boardID string) ([]*BoardVersion, error)
	// FindVersion returns ENOTFOUND unless the board has that version.
	FindVersion(ctx context.Context, boardID, id string) (*BoardVersion, error)
}
