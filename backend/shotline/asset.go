package shotline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AssetKind says what an asset is for.
type AssetKind string

// Asset kinds.
const (
	AssetImage AssetKind = "image" // a reference image (PNG, JPEG, WebP)
	AssetClip  AssetKind = "clip"  // a reference clip (MP4, MOV, WebM)
)

// assetTypes maps each accepted content type, as sniffed from the bytes, to
// its kind. Anything else is refused.
var assetTypes = map[string]AssetKind{
	"image/png":       AssetImage,
	"image/jpeg":      AssetImage,
	"image/webp":      AssetImage,
	"video/mp4":       AssetClip,
	"video/quicktime": AssetClip,
	"video/webm":      AssetClip,
}

// AssetKindOf returns the kind of an accepted content type (sniffed, never
// taken from the file name or the request), and false for any other type.
func AssetKindOf(contentType string) (AssetKind, bool) {
	k, ok := assetTypes[contentType]
	return k, ok
}

// AssetLimits bound uploads. Zero fields get the defaults of DefaultAssetLimits.
type AssetLimits struct {
	MaxImage int64 // bytes per reference image
	MaxClip  int64 // bytes per clip
	Quota    int64 // bytes per workspace, uploads and renders together
}

// DefaultAssetLimits are the limits when nothing else is configured.
var DefaultAssetLimits = AssetLimits{MaxImage: 20 << 20, MaxClip: 1 << 30, Quota: 10 << 30}

// WithDefaults fills zero fields from DefaultAssetLimits.
func (l AssetLimits) WithDefaults() AssetLimits {
	if l.MaxImage <= 0 {
		l.MaxImage = DefaultAssetLimits.MaxImage
	}
	if l.MaxClip <= 0 {
		l.MaxClip = DefaultAssetLimits.MaxClip
	}
	if l.Quota <= 0 {
		l.Quota = DefaultAssetLimits.Quota
	}
	return l
}

// Max returns the size limit of kind.
func (l AssetLimits) Max(kind AssetKind) int64 {
	if kind == AssetImage {
		return l.MaxImage
	}
	return l.MaxClip
}

// Largest is the largest size any kind may have: the bound on a declared
// size before the bytes tell the type.
func (l AssetLimits) Largest() int64 { return max(l.MaxImage, l.MaxClip) }

// MaxAssetName bounds an asset's file name, in bytes.
const MaxAssetName = 255

// ValidateAssetName checks a file name as the user gave it: a plain name,
// no path, no control characters. It is only shown, never used as a key.
// Returns EINVALID naming what is wrong.
func ValidateAssetName(name string) error {
	switch {
	case name == "" || strings.TrimSpace(name) == "":
		return Invalid("name", "is empty")
	case len(name) > MaxAssetName:
		return Invalid("name", "is longer than 255 bytes")
	case !utf8.ValidString(name):
		return Invalid("name", "is not valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return Invalid("name", "contains a path separator")
	case name == "." || name == "..":
		return Invalid("name", "is not a file name")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return Invalid("name", "contains a control character")
		}
	}
	return nil
}

// Asset is an uploaded file in the object store, with its metadata here.
// An asset belongs to one board; shots refer to it by id (ShotID is the
// shot it was first attached to). It is deleted only when nothing refers
// to it any more.
type Asset struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspaceId"`
	BoardID     string    `json:"boardId"`
	ShotID      string    `json:"shotId,omitempty"`
	Kind        AssetKind `json:"kind"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	Name        string    `json:"name"`
	ObjectKey   string    `json:"-"`
	ThumbKey    string    `json:"-"` // a JPEG thumbnail or poster frame; "" if none could be made
	CreatedBy   string    `json:"createdBy"`
	CreatedAt   time.Time `json:"createdAt"`
}

// UploadKind is what an upload is for.
type UploadKind string

// Upload kinds.
const (
	UploadAsset  UploadKind = ""       // a reference file of BoardID: an Asset once complete
	UploadBundle UploadKind = "bundle" // a project bundle imported into WorkspaceID once complete, then deleted
)

// Upload is an upload in flight: the object store's multipart upload and the
// bytes reserved against the workspace's quota. It becomes an Asset when it
// completes (or, a bundle, is imported and deleted); aborted, failed and
// abandoned uploads leave nothing behind.
type Upload struct {
	ID          string // also the asset's id once complete; a bundle's import id
	Kind        UploadKind
	WorkspaceID string
	BoardID     string // "" for a bundle
	ShotID      string
	Name        string
	Size        int64 // declared, reserved against the quota, checked at the end
	PartSize    int64
	ContentType string // sniffed from the first part; "" before it arrives
	ObjectKey   string
	MultipartID string         // the object store's upload id
	Parts       map[int]string // part number → ETag
	CreatedBy   string
	CreatedAt   time.Time
	TouchedAt   time.Time // when its last part arrived; zero before the first
}

// LastActive is when the upload last moved: its last part, else its start.
func (u *Upload) LastActive() time.Time {
	if u.TouchedAt.After(u.CreatedAt) {
		return u.TouchedAt
	}
	return u.CreatedAt
}

// Parts returns how many parts an upload of size bytes has in parts of partSize.
func PartCount(size, partSize int64) int { return int((size + partSize - 1) / partSize) }

// ObjectPart is one uploaded part of a multipart upload.
type ObjectPart struct {
	Number int
	ETag   string
}

// ObjectStore keeps blobs. Implementations use only the plain S3 API.
type ObjectStore interface {
	// Put stores size bytes from r at key.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens key for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Remove deletes key; removing a missing key is not an error.
	Remove(ctx context.Context, key string) error
	// Size returns the size of key, ENOTFOUND if there is none.
	Size(ctx context.Context, key string) (int64, error)
	// StartMultipart begins a multipart upload to key and returns its id.
	StartMultipart(ctx context.Context, key, contentType string) (string, error)
	// PutPart uploads part number n (1-based) and returns its ETag.
	PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (string, error)
	// CompleteMultipart assembles the parts into the object at key.
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []ObjectPart) error
	// AbortMultipart drops an unfinished multipart upload and its parts.
	AbortMultipart(ctx context.Context, key, uploadID string) error
	// PresignGet returns a URL that reads key for ttl, served with the
	// given download file name ("" for inline use).
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error)
}

// AssetStore keeps asset and upload metadata and each workspace's usage.
// Every method reaches its documents by _id (docs/storage.md).
type AssetStore interface {
	// CreateUpload stores u.
	CreateUpload(ctx context.Context, u *Upload) error
	// FindUpload returns ENOTFOUND if there is no such upload.
	FindUpload(ctx context.Context, id string) (*Upload, error)
	// SetUploadType records the content type sniffed from the first part.
	SetUploadType(ctx context.Context, id, contentType string) error
	// SetUploadPart records the ETag of part n and the time it arrived
	// (TouchedAt).
	SetUploadPart(ctx context.Context, id string, n int, etag string) error
	// DeleteUpload forgets an upload (done, aborted or swept).
	DeleteUpload(ctx context.Context, id string) error
	// StaleUploads returns uploads of every kind that have not moved since
	// cutoff (Upload.LastActive). The collection holds only uploads in
	// flight, so this reads no history.
	StaleUploads(ctx context.Context, cutoff time.Time) ([]*Upload, error)

	// Reserve adds n bytes to the workspace's usage if that stays within
	// quota; returns ETOOLARGE (with the numbers) otherwise. Negative n
	// releases bytes.
	Reserve(ctx context.Context, workspaceID string, n, quota int64) error
	// Usage returns the bytes a workspace uses.
	Usage(ctx context.Context, workspaceID string) (int64, error)

	// CreateAsset stores a and lists it under its board and shot.
	CreateAsset(ctx context.Context, a *Asset) error
	// FindAsset returns ENOTFOUND if there is no such asset.
	FindAsset(ctx context.Context, id string) (*Asset, error)
	// BoardAssets returns the ids of the assets each shot of a board refers
	// to, in the order they were attached.
	BoardAssets(ctx context.Context, boardID string) (map[string][]string, error)
	// AttachAsset adds assetID to shotID's list (once).
	AttachAsset(ctx context.Context, boardID, shotID, assetID string) error
	// DetachAsset removes assetID from shotID's list and reports whether any
	// shot of the board still refers to it.
	DetachAsset(ctx context.Context, boardID, shotID, assetID string) (stillUsed bool, err error)
	// DeleteAsset deletes the asset's record.
	DeleteAsset(ctx context.Context, id string) error
	// ShotFrames returns the frame chosen for each shot of a board that has
	// one: the asset id a person picked (pasted or dropped on the card) to
	// stand for the shot, ahead of its renders and other references.
	ShotFrames(ctx context.Context, boardID string) (map[string]string, error)
	// SetShotFrame chooses assetID as shotID's frame; an empty assetID
	// clears the choice (the shot's frame is automatic again).
	SetShotFrame(ctx context.Context, boardID, shotID, assetID string) error
}

// FormatBytes renders n for people: "1.5 GiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
