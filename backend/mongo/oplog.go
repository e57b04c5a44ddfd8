package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// OpLog keeps realtime ops in board_ops and the latest snapshot of each
// board in board_snapshots.
//
// Every read is a lookup by _id (docs/storage.md): an op's _id is its
// board and seq, a snapshot's is its board. The one exception is a find
// by op id, on board_ops' unique (board, op id) index: MongoDB answers it
// from that index, and so does the local store's launcher (its
// uniqueFinder), so it too costs one index search. A board's seqs have no gaps, so "the ops after seq N" are the
// lookups of N+1, N+2, … up to the first that is missing: what a read
// costs depends on its answer only, never on how many ops the log holds.
// Rooms also store each full page of 100 ops as one document
// (board_op_pages), and a read takes a page whole where there is one: a
// client 5,000 ops behind costs 50 lookups, not 5,000.
type OpLog struct {
	db *DB

	// snapMu serializes a board's snapshot writes in this process, so
	// that the read-then-replace in SaveSnapshot never lets an older
	// snapshot win over a newer one.
	snapMu   sync.Mutex
	snapLock map[string]*boardLock
}

type boardLock struct {
	mu    sync.Mutex
	users int
}

var _ shotline.OpLog = (*OpLog)(nil)

// NewOpLog returns an OpLog on db.
func NewOpLog(db *DB) *OpLog { return &OpLog{db: db, snapLock: map[string]*boardLock{}} }

func (l *OpLog) ops() *mongo.Collection       { return l.db.db.Collection("board_ops") }
func (l *OpLog) snapshots() *mongo.Collection { return l.db.db.Collection("board_snapshots") }
func (l *OpLog) pages() *mongo.Collection     { return l.db.db.Collection("board_op_pages") }

// pageDoc holds a page of a board's ops (shotline.OpPageSize of them), as
// one string of JSON (pageJSON): the store handles one field rather than
// seven per op, which made a page's insert a third of its cost on the
// local store (docs/benchmarks.md). Pages written before that hold Ops.
type pageDoc struct {
	ID   string  `bson:"_id"` // pageKey(board, first seq)
	Data string  `bson:"data,omitempty"`
	Ops  []opDoc `bson:"ops,omitempty"`
}

// pageOp is one op in a page's JSON; the board is the page's.
type pageOp struct {
	Seq     int64  `json:"s"`
	OpID    string `json:"i"`
	ActorID string `json:"a"`
	Op      string `json:"o"` // its bytes exactly as stored in board_ops
	At      int64  `json:"t"` // Unix ms, the precision of the op's own createdAt
}

// storedOps returns the page's ops.
func (d *pageDoc) storedOps(boardID string) ([]shotline.StoredOp, error) {
	if d.Data == "" {
		out := make([]shotline.StoredOp, len(d.Ops))
		for i := range d.Ops {
			out[i] = d.Ops[i].storedOp()
		}
		return out, nil
	}
	var ops []pageOp
	if err := json.Unmarshal([]byte(d.Data), &ops); err != nil {
		return nil, fmt.Errorf("op page %s: %w", d.ID, err)
	}
	out := make([]shotline.StoredOp, len(ops))
	for i, o := range ops {
		out[i] = shotline.StoredOp{BoardID: boardID, Seq: o.Seq, OpID: o.OpID, ActorID: o.ActorID, Op: []byte(o.Op), CreatedAt: time.UnixMilli(o.At).UTC()}
	}
	return out, nil
}

// pageKey is the _id of the page holding seq.
func pageKey(boardID string, seq int64) string {
	return fmt.Sprintf("%s:p%d", boardID, (seq-1)/shotline.OpPageSize)
}

// opDoc is one op in board_ops.
type opDoc struct {
	ID        string    `bson:"_id"` // opKey(board, seq)
	BoardID   string    `bson:"boardId"`
	Seq       int64     `bson:"seq"`
	OpID      string    `bson:"opId"`
	ActorID   string    `bson:"actorId"`
	Op        string    `bson:"op"`
	CreatedAt time.Time `bson:"createdAt"`
}

type snapshotDoc struct {
	ID        string    `bson:"_id"` // board id
	Seq       int64     `bson:"seq"`
	State     string    `bson:"state"`
	Head      bool      `bson:"head"`
	CreatedAt time.Time `bson:"createdAt"`
}

// opKey is the _id of a board's op at seq. The seq is zero-padded, so
// _id order is seq order; ops stored before op documents briefly had
// ObjectIDs had this same key (migrateOpIDs gives it back to those).
func opKey(boardID string, seq int64) string { return fmt.Sprintf("%s:%020d", boardID, seq) }

func (d *opDoc) storedOp() shotline.StoredOp {
	return shotline.StoredOp{BoardID: d.BoardID, Seq: d.Seq, OpID: d.OpID, ActorID: d.ActorID, Op: []byte(d.Op), CreatedAt: d.CreatedAt.UTC()}
}

func (l *OpLog) migrate(ctx context.Context) error {
	// (board, seq) is the _id now; the old index only slows inserts.
	if err := l.ops().Indexes().DropOne(ctx, "boardId_1_seq_1"); err != nil && !isIndexNotFound(err) {
		return fmt.Errorf("drop the board_ops (board, seq) index: %w", err)
	}
	if err := l.db.once(ctx, "board_ops: board:seq ids, op ids indexed", l.migrateOpIDs); err != nil {
		return err
	}
	// The unique (board, op id) index keeps a re-sent op from being
	// stored twice, and FindOpByOpID queries it.
	m := mongo.IndexModel{Keys: bson.D{{Key: "boardId", Value: 1}, {Key: "opId", Value: 1}}, Options: options.Index().SetUnique(true).SetName(opIDIndex)}
	if _, err := l.ops().Indexes().CreateOne(ctx, m); err != nil {
		return fmt.Errorf("create board_ops index: %w", err)
	}
	// Op ids were indexed a second time, in board_op_ids, until
	// FindOpByOpID could use the index above on the local store too.
	return l.db.once(ctx, "board_op_ids: dropped, op ids found through board_ops' index", func(ctx context.Context) error {
		return l.db.db.Collection("board_op_ids").Drop(ctx)
	})
}

// opIDIndex is the name of board_ops' unique (board, op id) index (the
// name MongoDB gives it by default).
const opIDIndex = "boardId_1_opId_1"

// maxOpsPerInsert is the most ops one insert command carries. The driver
// splits a larger insertMany into several commands itself and, against
// FerretDB, sends the later ones even after one failed, which would store
// ops after a conflict; AppendOps sends them one by one and stops instead.
const maxOpsPerInsert = 100

// AppendOps implements shotline.OpLog. It is an ordered insertMany (in
// commands of at most maxOpsPerInsert ops): the group commit of everything
// rooms applied since their last write. On a conflict, what is stored is a
// prefix of ops.
func (l *OpLog) AppendOps(ctx context.Context, ops []shotline.StoredOp) error {
	stored := 0
	var err error
	for stored < len(ops) {
		n := min(len(ops)-stored, maxOpsPerInsert)
		docs := make([]any, n)
		for i, o := range ops[stored : stored+n] {
			docs[i] = opDoc{ID: opKey(o.BoardID, o.Seq), BoardID: o.BoardID, Seq: o.Seq, OpID: o.OpID, ActorID: o.ActorID, Op: string(o.Op), CreatedAt: o.CreatedAt}
		}
		_, err = l.ops().InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
		if isDuplicate(err) {
			var bwe mongo.BulkWriteException
			if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 {
				stored += bwe.WriteErrors[0].Index
				err = &shotline.StoredPrefix{Stored: stored, Err: err}
			}
			err = &shotline.Error{Code: shotline.ECONFLICT, Message: "Op already stored.", Err: err}
			break
		} else if err != nil {
			return fmt.Errorf("append ops: %w", err)
		}
		stored += n
	}
	return err
}

// findOp returns the op of a board at seq, or nil.
func (l *OpLog) findOp(ctx context.Context, boardID string, seq int64) (*opDoc, error) {
	var d opDoc
	err := l.ops().FindOne(ctx, bson.D{{Key: "_id", Value: opKey(boardID, seq)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &d, nil
}

// readAhead is how many lookups OpsSince keeps in flight: enough to hide
// a round trip's latency, few enough that a read past the last op wastes
// little.
const readAhead = 16

// OpsSince implements shotline.OpLog: page by page, from the page document
// where there is one, else by lookups of each seq (in parallel windows)
// up to the page's end, limit or the first seq not stored.
func (l *OpLog) OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]shotline.StoredOp, error) {
	var out []shotline.StoredOp
	for len(out) < limit {
		seq := after + int64(len(out)) + 1
		var page pageDoc
		err := l.pages().FindOne(ctx, bson.D{{Key: "_id", Value: pageKey(boardID, seq)}}).Decode(&page)
		switch {
		case err == nil:
			ops, err := page.storedOps(boardID)
			if err != nil {
				return nil, fmt.Errorf("ops since %d: %w", after, err)
			}
			if page.Data == "" && len(ops) > 0 {
				l.rewritePage(ctx, page.ID, ops)
			}
			for _, o := range ops {
				if o.Seq >= seq && len(out) < limit {
					out = append(out, o)
				}
			}
			continue
		case !errors.Is(err, mongo.ErrNoDocuments):
			return nil, fmt.Errorf("ops since %d: %w", after, err)
		}
		pageEnd := (seq-1)/shotline.OpPageSize*shotline.OpPageSize + shotline.OpPageSize
		more, complete, err := l.opsByID(ctx, boardID, seq, min(limit-len(out), int(pageEnd-seq+1)))
		if err != nil {
			return nil, fmt.Errorf("ops since %d: %w", after, err)
		}
		out = append(out, more...)
		if !complete {
			return out, nil
		}
	}
	return out, nil
}

// opsByID looks up n ops of a board from seq on, in parallel windows;
// complete is false if it met a seq not stored (and stopped there).
func (l *OpLog) opsByID(ctx context.Context, boardID string, seq int64, n int) (ops []shotline.StoredOp, complete bool, err error) {
	for len(ops) < n {
		window := min(n-len(ops), readAhead)
		if len(ops) == 0 && window > 2 {
			// A log that ends here (the usual load) needs one lookup;
			// read one first, then widen.
			window = 1
		}
		from := seq + int64(len(ops))
		docs := make([]*opDoc, window)
		errs := make([]error, window)
		var wg sync.WaitGroup
		for i := range window {
			wg.Add(1)
			go func() {
				defer wg.Done()
				docs[i], errs[i] = l.findOp(ctx, boardID, from+int64(i))
			}()
		}
		wg.Wait()
		for i, d := range docs {
			if errs[i] != nil {
				return nil, false, errs[i]
			}
			if d == nil {
				return ops, false, nil
			}
			ops = append(ops, d.storedOp())
		}
	}
	return ops, true, nil
}

// SaveOpPage implements shotline.OpLog.
func (l *OpLog) SaveOpPage(ctx context.Context, ops []shotline.StoredOp) error {
	if !shotline.IsOpPage(ops) {
		return shotline.Errorf(shotline.EINVALID, "Not a page of ops.")
	}
	d, err := newPageDoc(pageKey(ops[0].BoardID, ops[0].Seq), ops)
	if err != nil {
		return fmt.Errorf("save op page: %w", err)
	}
	if _, err := l.pages().InsertOne(ctx, d); err != nil && !isDuplicate(err) {
		return fmt.Errorf("save op page: %w", err)
	}
	return nil
}

// newPageDoc is the page document with _id id holding ops.
func newPageDoc(id string, ops []shotline.StoredOp) (pageDoc, error) {
	page := make([]pageOp, len(ops))
	for i, o := range ops {
		page[i] = pageOp{Seq: o.Seq, OpID: o.OpID, ActorID: o.ActorID, Op: string(o.Op), At: o.CreatedAt.UnixMilli()}
	}
	data, err := json.Marshal(page)
	return pageDoc{ID: id, Data: string(data)}, err
}

// rewritePage stores a page read in the old format (an array of op
// documents) again as one string of JSON, with the same ops: the local
// store decodes an old page field by field, which made each read of one
// about 11 ms against 2–3 ms (docs/benchmarks.md). Pages never change once
// written, so whoever rewrites a page writes the same document. A failure
// costs nothing but the next read's time, so the read goes on regardless.
func (l *OpLog) rewritePage(ctx context.Context, id string, ops []shotline.StoredOp) {
	d, err := newPageDoc(id, ops)
	if err != nil {
		return
	}
	_, _ = l.pages().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, d)
}

// FindOpByOpID implements shotline.OpLog: one find on the unique (board,
// op id) index.
func (l *OpLog) FindOpByOpID(ctx context.Context, boardID, opID string) (*shotline.StoredOp, error) {
	var d opDoc
	filter := bson.D{{Key: "boardId", Value: boardID}, {Key: "opId", Value: opID}}
	err := l.ops().FindOne(ctx, filter, options.FindOne().SetComment(uniqueComment+opIDIndex)).Decode(&d)
	if err != nil {
		return nil, notFound(err, "Op not found.", "find op id")
	}
	o := d.storedOp()
	return &o, nil
}

// LastSeq implements shotline.OpLog: a galloping search over the _ids
// (seqs have no gaps), about 2·log2(seq) lookups.
func (l *OpLog) LastSeq(ctx context.Context, boardID string) (int64, error) {
	exists := func(seq int64) (bool, error) {
		d, err := l.findOp(ctx, boardID, seq)
		return d != nil, err
	}
	var lo, hi int64 = 0, 1 // lo is stored (0: nothing), hi is the next to try
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, fmt.Errorf("last seq: %w", err)
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, fmt.Errorf("last seq: %w", err)
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// lockBoard holds the board's snapshot lock until the returned func runs.
func (l *OpLog) lockBoard(boardID string) func() {
	l.snapMu.Lock()
	bl := l.snapLock[boardID]
	if bl == nil {
		bl = &boardLock{}
		l.snapLock[boardID] = bl
	}
	bl.users++
	l.snapMu.Unlock()
	bl.mu.Lock()
	return func() {
		bl.mu.Unlock()
		l.snapMu.Lock()
		if bl.users--; bl.users == 0 {
			delete(l.snapLock, boardID)
		}
		l.snapMu.Unlock()
	}
}

// SaveSnapshot implements shotline.OpLog. It reads the stored snapshot and
// replaces it, both by _id (a filter on seq as well would make the local
// store read every snapshot). Writes of one board are serialized in this
// process; two instances writing one board's snapshot at once may leave
// the older, which only makes the next load replay more ops (ops are never
// deleted, and a load always reads the log after the snapshot).
func (l *OpLog) SaveSnapshot(ctx context.Context, s shotline.BoardSnapshot) error {
	defer l.lockBoard(s.BoardID)()
	var cur struct {
		Seq int64 `bson:"seq"`
	}
	err := l.snapshots().FindOne(ctx, bson.D{{Key: "_id", Value: s.BoardID}}, options.FindOne().SetProjection(bson.D{{Key: "seq", Value: 1}})).Decode(&cur)
	switch {
	case err == nil && cur.Seq > s.Seq:
		return nil // a newer one is stored
	case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("read snapshot: %w", err)
	}
	d := snapshotDoc{ID: s.BoardID, Seq: s.Seq, State: string(s.State), Head: s.Head, CreatedAt: s.CreatedAt}
	if _, err := l.snapshots().ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.BoardID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	return nil
}

// FindSnapshot implements shotline.OpLog.
func (l *OpLog) FindSnapshot(ctx context.Context, boardID string) (*shotline.BoardSnapshot, error) {
	var d snapshotDoc
	if err := l.snapshots().FindOne(ctx, bson.D{{Key: "_id", Value: boardID}}).Decode(&d); err != nil {
		return nil, notFound(err, "Snapshot not found.", "find snapshot")
	}
	return &shotline.BoardSnapshot{BoardID: d.ID, Seq: d.Seq, State: []byte(d.State), Head: d.Head, CreatedAt: d.CreatedAt.UTC()}, nil
}

// ClearHead implements shotline.OpLog.
func (l *OpLog) ClearHead(ctx context.Context, boardID string) error {
	_, err := l.snapshots().UpdateOne(ctx, bson.D{{Key: "_id", Value: boardID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "head", Value: false}}}})
	if err != nil {
		return fmt.Errorf("clear snapshot head: %w", err)
	}
	return nil
}

// migrateOpIDs gives ops stored with ObjectIDs (for a few days in
// November 2026) their board:seq key back and indexes the op ids of every
// stored op. It reads the whole op log, the one time it runs (db.once),
// with the unique (board, op id) index dropped while an op has two copies.
func (l *OpLog) migrateOpIDs(ctx context.Context) error {
	if err := l.ops().Indexes().DropOne(ctx, "boardId_1_opId_1"); err != nil && !isIndexNotFound(err) {
		return fmt.Errorf("drop the board_ops (board, op id) index: %w", err)
	}
	cur, err := l.ops().Find(ctx, bson.D{}, options.Find().SetComment("scan: one-time migration of the op log"))
	if err != nil {
		return fmt.Errorf("read the op log: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var old struct {
			ID        bson.RawValue `bson:"_id"`
			BoardID   string        `bson:"boardId"`
			Seq       int64         `bson:"seq"`
			OpID      string        `bson:"opId"`
			ActorID   string        `bson:"actorId"`
			Op        string        `bson:"op"`
			CreatedAt time.Time     `bson:"createdAt"`
		}
		if err := cur.Decode(&old); err != nil {
			return fmt.Errorf("decode op: %w", err)
		}
		d := opDoc{ID: opKey(old.BoardID, old.Seq), BoardID: old.BoardID, Seq: old.Seq, OpID: old.OpID, ActorID: old.ActorID, Op: old.Op, CreatedAt: old.CreatedAt}
		if old.ID.Type == bson.TypeObjectID {
			if _, err := l.ops().InsertOne(ctx, d); err != nil && !isDuplicate(err) {
				return fmt.Errorf("rekey op %d of %s: %w", d.Seq, d.BoardID, err)
			}
			if _, err := l.ops().DeleteOne(ctx, bson.D{{Key: "_id", Value: old.ID}}); err != nil {
				return fmt.Errorf("delete rekeyed op: %w", err)
			}
		}
	}
	return cur.Err()
}
