package mongo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// AssetStore keeps asset metadata. Every query is an _id equality
// (docs/storage.md, "Assets, render jobs, credits"):
//
//	uploads          _id = upload id; only uploads in flight (deleted when done)
//	assets           _id = asset id
//	board_assets     _id = board id; shot id → asset ids (bounded per board)
//	workspace_usage  _id = workspace id; bytes used
type AssetStore struct{ db *DB }

var _ shotline.AssetStore = (*AssetStore)(nil)

// NewAssetStore returns an AssetStore on db.
func NewAssetStore(db *DB) *AssetStore { return &AssetStore{db: db} }

func (s *AssetStore) uploads() *mongo.Collection     { return s.db.db.Collection("uploads") }
func (s *AssetStore) assets() *mongo.Collection      { return s.db.db.Collection("assets") }
func (s *AssetStore) boardAssets() *mongo.Collection { return s.db.db.Collection("board_assets") }
func (s *AssetStore) usage() *mongo.Collection       { return s.db.db.Collection("workspace_usage") }

// MaxBoardAssets bounds the asset references one board holds, and so the
// size of its board_assets document.
const MaxBoardAssets = 2000

type uploadDoc struct {
	ID          string            `bson:"_id"`
	Kind        string            `bson:"kind,omitempty"`
	WorkspaceID string            `bson:"workspaceId"`
	BoardID     string            `bson:"boardId"`
	ShotID      string            `bson:"shotId"`
	Name        string            `bson:"name"`
	Size        int64             `bson:"size"`
	PartSize    int64             `bson:"partSize"`
	ContentType string            `bson:"contentType"`
	ObjectKey   string            `bson:"objectKey"`
	MultipartID string            `bson:"multipartId"`
	Parts       map[string]string `bson:"parts"`
	CreatedBy   string            `bson:"createdBy"`
	CreatedAt   time.Time         `bson:"createdAt"`
	TouchedAt   time.Time         `bson:"touchedAt"`
}

// CreateUpload stores u.
func (s *AssetStore) CreateUpload(ctx context.Context, u *shotline.Upload) error {
	d := uploadDoc{ID: u.ID, Kind: string(u.Kind), WorkspaceID: u.WorkspaceID, BoardID: u.BoardID, ShotID: u.ShotID, Name: u.Name, Size: u.Size,
		PartSize: u.PartSize, ContentType: u.ContentType, ObjectKey: u.ObjectKey, MultipartID: u.MultipartID,
		Parts: map[string]string{}, CreatedBy: u.CreatedBy, CreatedAt: u.CreatedAt}
	if _, err := s.uploads().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert upload: %w", err)
	}
	return nil
}

// FindUpload: _id equality.
func (s *AssetStore) FindUpload(ctx context.Context, id string) (*shotline.Upload, error) {
	var d uploadDoc
	if err := s.uploads().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Upload not found.", "find upload")
	}
	return d.upload(), nil
}

func (d *uploadDoc) upload() *shotline.Upload {
	u := &shotline.Upload{ID: d.ID, Kind: shotline.UploadKind(d.Kind), WorkspaceID: d.WorkspaceID, BoardID: d.BoardID, ShotID: d.ShotID, Name: d.Name, Size: d.Size,
		PartSize: d.PartSize, ContentType: d.ContentType, ObjectKey: d.ObjectKey, MultipartID: d.MultipartID,
		Parts: map[int]string{}, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), TouchedAt: d.TouchedAt.UTC()}
	for k, v := range d.Parts {
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "p")); err == nil {
			u.Parts[n] = v
		}
	}
	return u
}

func (s *AssetStore) setUpload(ctx context.Context, id string, set bson.D) error {
	res, err := s.uploads().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("update upload: %w", err)
	} else if res.MatchedCount == 0 {
		return shotline.Errorf(shotline.ENOTFOUND, "Upload not found.")
	}
	return nil
}

// SetUploadType: _id equality.
func (s *AssetStore) SetUploadType(ctx context.Context, id, contentType string) error {
	return s.setUpload(ctx, id, bson.D{{Key: "contentType", Value: contentType}})
}

// SetUploadPart: _id equality.
func (s *AssetStore) SetUploadPart(ctx context.Context, id string, n int, etag string) error {
	// "p1", not "1": a numeric path element reads as an array index.
	return s.setUpload(ctx, id, bson.D{{Key: "parts.p" + strconv.Itoa(n), Value: etag}, {Key: "touchedAt", Value: time.Now().UTC()}})
}

// DeleteUpload: _id equality.
func (s *AssetStore) DeleteUpload(ctx context.Context, id string) error {
	if _, err := s.uploads().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete upload: %w", err)
	}
	return nil
}

// StaleUploads reads the uploads collection, which holds only uploads in
// flight (each is deleted when it completes or is aborted): the sweeper's
// scan is bounded by the uploads under way, never by history. It runs
// every few minutes.
func (s *AssetStore) StaleUploads(ctx context.Context, cutoff time.Time) ([]*shotline.Upload, error) {
	docs, err := findAll[uploadDoc](ctx, s.uploads(), bson.D{}, options.Find().SetComment("scan: uploads in flight (the collection holds only those)"))
	if err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	var out []*shotline.Upload
	for i := range docs {
		if u := docs[i].upload(); u.LastActive().Before(cutoff) {
			out = append(out, u)
		}
	}
	return out, nil
}

// Reserve adds n bytes with one $inc on the workspace's usage document and
// checks the answer: over quota, it gives the bytes back and refuses. Each
// step is an atomic single-document update, so concurrent reservations
// never exceed the quota together (at worst one is refused that a serial
// order would have let in).
func (s *AssetStore) Reserve(ctx context.Context, workspaceID string, n, quota int64) error {
	filter := bson.D{{Key: "_id", Value: workspaceID}}
	var d struct {
		Used int64 `bson:"used"`
	}
	err := s.usage().FindOneAndUpdate(ctx, filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "used", Value: n}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return fmt.Errorf("reserve storage: %w", err)
	}
	if n > 0 && d.Used > quota {
		if _, err := s.usage().UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "used", Value: -n}}}}); err != nil {
			return fmt.Errorf("release storage: %w", err)
		}
		return shotline.Errorf(shotline.ETOOLARGE, "This workspace's storage is full: %s used of %s, and this file needs %s more.",
			shotline.FormatBytes(d.Used-n), shotline.FormatBytes(quota), shotline.FormatBytes(n))
	}
	// The total of all workspaces, for metrics (one more $inc by _id).
	if _, err := s.usage().UpdateOne(ctx, bson.D{{Key: "_id", Value: totalUsageID}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "used", Value: n}}}},
		options.UpdateOne().SetUpsert(true)); err != nil {
		return fmt.Errorf("count total storage: %w", err)
	}
	return nil
}

// totalUsageID is the usage document that sums every workspace's.
const totalUsageID = "_total"

// TotalUsage returns the bytes all workspaces use: _id equality.
func (s *AssetStore) TotalUsage(ctx context.Context) (int64, error) {
	return s.Usage(ctx, totalUsageID)
}

// Usage: _id equality.
func (s *AssetStore) Usage(ctx context.Context, workspaceID string) (int64, error) {
	var d struct {
		Used int64 `bson:"used"`
	}
	err := s.usage().FindOne(ctx, bson.D{{Key: "_id", Value: workspaceID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read storage usage: %w", err)
	}
	return d.Used, nil
}

type assetDoc struct {
	ID          string             `bson:"_id"`
	WorkspaceID string             `bson:"workspaceId"`
	BoardID     string             `bson:"boardId"`
	ShotID      string             `bson:"shotId"`
	Kind        shotline.AssetKind `bson:"kind"`
	ContentType string             `bson:"contentType"`
	Size        int64              `bson:"size"`
	Name        string             `bson:"name"`
	ObjectKey   string             `bson:"objectKey"`
	ThumbKey    string             `bson:"thumbKey"`
	CreatedBy   string             `bson:"createdBy"`
	CreatedAt   time.Time          `bson:"createdAt"`
}

// CreateAsset inserts the asset, then adds its id to its shot's list in the
// board's board_assets document ($push by _id, upserted). The list is
// checked against MaxBoardAssets first; a crash between the two writes
// leaves an unlisted asset record, which the upload sweeper cannot see but
// which costs only its own document (its object is kept and counted).
func (s *AssetStore) CreateAsset(ctx context.Context, a *shotline.Asset) error {
	refs, err := s.BoardAssets(ctx, a.BoardID)
	if err != nil {
		return err
	}
	n := 0
	for _, ids := range refs {
		n += len(ids)
	}
	if n >= MaxBoardAssets {
		return shotline.Errorf(shotline.ECONFLICT, "This board has reached its limit of %d assets.", MaxBoardAssets)
	}
	d := assetDoc{ID: a.ID, WorkspaceID: a.WorkspaceID, BoardID: a.BoardID, ShotID: a.ShotID, Kind: a.Kind, ContentType: a.ContentType,
		Size: a.Size, Name: a.Name, ObjectKey: a.ObjectKey, ThumbKey: a.ThumbKey, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt}
	if _, err := s.assets().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert asset: %w", err)
	}
	shot := a.ShotID
	if shot == "" {
		shot = "-" // the board itself
	}
	_, err = s.boardAssets().UpdateOne(ctx, bson.D{{Key: "_id", Value: a.BoardID}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "shots." + shot, Value: a.ID}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("list asset: %w", err)
	}
	return nil
}

// FindAsset: _id equality.
func (s *AssetStore) FindAsset(ctx context.Context, id string) (*shotline.Asset, error) {
	var d assetDoc
	if err := s.assets().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Asset not found.", "find asset")
	}
	a := shotline.Asset(d)
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// BoardAssets: _id equality on board_assets.
func (s *AssetStore) BoardAssets(ctx context.Context, boardID string) (map[string][]string, error) {
	var d struct {
		Shots map[string][]string `bson:"shots"`
	}
	err := s.boardAssets().FindOne(ctx, bson.D{{Key: "_id", Value: boardID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return map[string][]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read board assets: %w", err)
	}
	if d.Shots == nil {
		d.Shots = map[string][]string{}
	}
	return d.Shots, nil
}

// AttachAsset: $addToSet by _id.
func (s *AssetStore) AttachAsset(ctx context.Context, boardID, shotID, assetID string) error {
	_, err := s.boardAssets().UpdateOne(ctx, bson.D{{Key: "_id", Value: boardID}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "shots." + shotID, Value: assetID}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("attach asset: %w", err)
	}
	return nil
}

// DetachAsset: $pull by _id, then reads the board's lists from the answer.
func (s *AssetStore) DetachAsset(ctx context.Context, boardID, shotID, assetID string) (bool, error) {
	var d struct {
		Shots map[string][]string `bson:"shots"`
	}
	err := s.boardAssets().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: boardID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "shots." + shotID, Value: assetID}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("detach asset: %w", err)
	}
	for _, ids := range d.Shots {
		for _, id := range ids {
			if id == assetID {
				return true, nil
			}
		}
	}
	return false, nil
}

// ShotFrames: _id equality on board_assets (the frames map beside the
// shots' lists).
func (s *AssetStore) ShotFrames(ctx context.Context, boardID string) (map[string]string, error) {
	var d struct {
		Frames map[string]string `bson:"frames"`
	}
	err := s.boardAssets().FindOne(ctx, bson.D{{Key: "_id", Value: boardID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read shot frames: %w", err)
	}
	if d.Frames == nil {
		d.Frames = map[string]string{}
	}
	return d.Frames, nil
}

// SetShotFrame: $set (or $unset) frames.<shotId> by _id, upserted.
func (s *AssetStore) SetShotFrame(ctx context.Context, boardID, shotID, assetID string) error {
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "frames." + shotID, Value: assetID}}}}
	if assetID == "" {
		update = bson.D{{Key: "$unset", Value: bson.D{{Key: "frames." + shotID, Value: ""}}}}
	}
	if _, err := s.boardAssets().UpdateOne(ctx, bson.D{{Key: "_id", Value: boardID}}, update, options.UpdateOne().SetUpsert(assetID != "")); err != nil {
		return fmt.Errorf("set shot frame: %w", err)
	}
	return nil
}

// DeleteAsset: _id equality.
func (s *AssetStore) DeleteAsset(ctx context.Context, id string) error {
	if _, err := s.assets().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete asset: %w", err)
	}
	return nil
}
