package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// OpLog keeps realtime ops in the board_ops collection and the latest
// snapshot of each board in board_snapshots.
type OpLog struct{ db *DB }

var _ shotline.OpLog = (*OpLog)(nil)

// NewOpLog returns an OpLog on db.
func NewOpLog(db *DB) *OpLog { return &OpLog{db: db} }

func (l *OpLog) ops() *mongo.Collection       { return l.db.db.Collection("board_ops") }
func (l *OpLog) snapshots() *mongo.Collection { return l.db.db.Collection("board_snapshots") }

// opDoc is one op in board_ops. Its _id is an ObjectID the driver adds:
// the unique (board, seq) and (board, opId) indexes identify ops. (A
// document that carries its own _id costs the driver a full decode, with a
// 4 KiB buffer, per document inserted.) Ops stored before that have string
// ids; nothing reads them.
type opDoc struct {
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

func (d *opDoc) storedOp() shotline.StoredOp {
	return shotline.StoredOp{BoardID: d.BoardID, Seq: d.Seq, OpID: d.OpID, ActorID: d.ActorID, Op: []byte(d.Op), CreatedAt: d.CreatedAt.UTC()}
}

func (l *OpLog) migrate(ctx context.Context) error {
	for _, m := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "boardId", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "boardId", Value: 1}, {Key: "opId", Value: 1}}, Options: options.Index().SetUnique(true)},
	} {
		if _, err := l.ops().Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create board_ops index: %w", err)
		}
	}
	return nil
}

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
	for len(ops) > 0 {
		n := min(len(ops), maxOpsPerInsert)
		docs := make([]any, n)
		for i, o := range ops[:n] {
			docs[i] = opDoc{BoardID: o.BoardID, Seq: o.Seq, OpID: o.OpID, ActorID: o.ActorID, Op: string(o.Op), CreatedAt: o.CreatedAt}
		}
		_, err := l.ops().InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
		if isDuplicate(err) {
			var bwe mongo.BulkWriteException
			if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 {
				err = &shotline.StoredPrefix{Stored: stored + bwe.WriteErrors[0].Index, Err: err}
			}
			return &shotline.Error{Code: shotline.ECONFLICT, Message: "Op already stored.", Err: err}
		} else if err != nil {
			return fmt.Errorf("append ops: %w", err)
		}
		stored += n
		ops = ops[n:]
	}
	return nil
}

// OpsSince implements shotline.OpLog.
func (l *OpLog) OpsSince(ctx context.Context, boardID string, after int64, limit int) ([]shotline.StoredOp, error) {
	filter := bson.D{{Key: "boardId", Value: boardID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}}
	docs, err := findAll[opDoc](ctx, l.ops(), filter, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("ops since %d: %w", after, err)
	}
	out := make([]shotline.StoredOp, len(docs))
	for i := range docs {
		out[i] = docs[i].storedOp()
	}
	return out, nil
}

// FindOpByOpID implements shotline.OpLog.
func (l *OpLog) FindOpByOpID(ctx context.Context, boardID, opID string) (*shotline.StoredOp, error) {
	var d opDoc
	if err := l.ops().FindOne(ctx, bson.D{{Key: "boardId", Value: boardID}, {Key: "opId", Value: opID}}).Decode(&d); err != nil {
		return nil, notFound(err, "Op not found.", "find op")
	}
	o := d.storedOp()
	return &o, nil
}

// LastSeq implements shotline.OpLog.
func (l *OpLog) LastSeq(ctx context.Context, boardID string) (int64, error) {
	var d opDoc
	err := l.ops().FindOne(ctx, bson.D{{Key: "boardId", Value: boardID}}, options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("last seq: %w", err)
	}
	return d.Seq, nil
}

// SaveSnapshot implements shotline.OpLog.
func (l *OpLog) SaveSnapshot(ctx context.Context, s shotline.BoardSnapshot) error {
	d := snapshotDoc{ID: s.BoardID, Seq: s.Seq, State: string(s.State), Head: s.Head, CreatedAt: s.CreatedAt}
	// Only move forward: an older snapshot never replaces a newer one. One
	// at the same seq may (the state is the same; the Head mark may differ).
	_, err := l.snapshots().ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.BoardID}, {Key: "seq", Value: bson.D{{Key: "$lte", Value: s.Seq}}}}, d)
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	// No match: either there is no snapshot yet or a newer one is there.
	if _, err := l.snapshots().InsertOne(ctx, d); err != nil && !isDuplicate(err) {
		return fmt.Errorf("save first snapshot: %w", err)
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
