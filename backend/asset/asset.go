// Package asset runs uploads of reference images and clips: each file goes
// to the object store as an S3 multipart upload, one part per request, so
// the app never holds more than one part of it; its type is sniffed from its
// first bytes; its size is checked against its type's limit and its
// workspace's quota; a thumbnail (images) or poster frame (clips) is made
// with ffmpeg. A failed, aborted or abandoned upload leaves no object and no
// record behind (Sweep removes what a crash leaves).
package asset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/shotline"
)

// DefaultPartSize is the size of every part but the last. S3 requires at
// least 5 MiB for all parts but the last.
const DefaultPartSize = 8 << 20

// sniffBytes is how much of the first part the type is sniffed from.
const sniffBytes = 3072

// Service runs uploads. Fields must be set before use.
type Service struct {
	Store    shotline.AssetStore
	Objects  shotline.ObjectStore
	Limits   shotline.AssetLimits
	PartSize int64            // default DefaultPartSize
	FFmpeg   string           // path of ffmpeg; default "ffmpeg"
	URLTTL   time.Duration    // lifetime of presigned URLs; default 15 minutes
	Now      func() time.Time // default time.Now
	Log      *slog.Logger
}

func (s *Service) partSize() int64 {
	if s.PartSize > 0 {
		return s.PartSize
	}
	return DefaultPartSize
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Begin is what a caller asks to upload.
type Begin struct {
	WorkspaceID, BoardID, ShotID string
	Name                         string
	Size                         int64
	UserID                       string
}

// Begin checks the name and the declared size, reserves the bytes against
// the workspace's quota and starts the multipart upload.
// Returns EINVALID for a bad name or an empty file, ETOOLARGE over the
// largest type's limit or the quota.
func (s *Service) Begin(ctx context.Context, b Begin) (*shotline.Upload, error) {
	limits := s.Limits.WithDefaults()
	if err := shotline.ValidateAssetName(b.Name); err != nil {
		return nil, err
	}
	if b.Size <= 0 {
		return nil, shotline.Invalid("size", "the file is empty")
	}
	if b.Size > limits.Largest() {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "This file is %s; files may be at most %s.",
			shotline.FormatBytes(b.Size), shotline.FormatBytes(limits.Largest()))
	}
	id := uuid.Must(uuid.NewV7()).String()
	return s.begin(ctx, &shotline.Upload{ID: id, WorkspaceID: b.WorkspaceID, BoardID: b.BoardID, ShotID: b.ShotID, Name: b.Name,
		Size: b.Size, ObjectKey: ObjectKey(b.WorkspaceID, b.BoardID, id), CreatedBy: b.UserID}, limits.Quota, "application/octet-stream")
}

// begin reserves u's size against the workspace's quota, starts its
// multipart upload and stores its record; on failure nothing is left.
func (s *Service) begin(ctx context.Context, u *shotline.Upload, quota int64, contentType string) (*shotline.Upload, error) {
	if err := s.Store.Reserve(ctx, u.WorkspaceID, u.Size, quota); err != nil {
		return nil, err
	}
	u.PartSize, u.Parts, u.CreatedAt = s.partSize(), map[int]string{}, s.now()
	mpID, err := s.Objects.StartMultipart(ctx, u.ObjectKey, contentType)
	if err != nil {
		s.release(ctx, u)
		return nil, err
	}
	u.MultipartID = mpID
	if err := s.Store.CreateUpload(ctx, u); err != nil {
		s.cleanup(ctx, u)
		return nil, err
	}
	return u, nil
}

// ObjectKey is where an asset's bytes live; ThumbKey is its thumbnail's.
func ObjectKey(workspaceID, boardID, assetID string) string {
	return "workspaces/" + workspaceID + "/boards/" + boardID + "/assets/" + assetID
}

// ThumbKey is where an asset's thumbnail lives.
func ThumbKey(objectKey string) string { return objectKey + ".thumb.jpg" }

// Find returns the upload id of board boardID; ENOTFOUND if there is none.
func (s *Service) Find(ctx context.Context, boardID, id string) (*shotline.Upload, error) {
	u, err := s.Store.FindUpload(ctx, id)
	if err != nil {
		return nil, err
	} else if u.Kind != shotline.UploadAsset || u.BoardID != boardID {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Upload not found.")
	}
	return u, nil
}

// PutPart uploads part n (1-based) of size bytes read from r. Of an asset,
// part 1 comes first: its bytes give the type, which must be one Shotline accepts and
// whose size limit the declared size must respect; otherwise the whole
// upload is aborted. Returns EINVALID for a wrong part number or size or an
// unsupported type, ETOOLARGE over the type's limit.
func (s *Service) PutPart(ctx context.Context, u *shotline.Upload, n int, r io.Reader, size int64) error {
	count := shotline.PartCount(u.Size, u.PartSize)
	if n < 1 || n > count {
		return shotline.Invalid("part", fmt.Sprintf("must be between 1 and %d", count))
	}
	want := u.PartSize
	if n == count {
		want = u.Size - int64(count-1)*u.PartSize
	}
	if size != want {
		return shotline.Invalid("part", fmt.Sprintf("part %d must be %d bytes, not %d", n, want, size))
	}
	if n > 1 && u.ContentType == "" {
		return shotline.Invalid("part", "send part 1 first")
	}
	if n == 1 && u.Kind == shotline.UploadAsset {
		head := make([]byte, min(int64(sniffBytes), size))
		if _, err := io.ReadFull(r, head); err != nil {
			return shotline.Invalid("part", "the body is shorter than declared")
		}
		ct, err := s.checkType(u, head)
		if err != nil {
			s.Abort(ctx, u)
			return err
		}
		if err := s.Store.SetUploadType(ctx, u.ID, ct); err != nil {
			return err
		}
		u.ContentType = ct
		r = io.MultiReader(bytes.NewReader(head), r)
	}
	etag, err := s.Objects.PutPart(ctx, u.ObjectKey, u.MultipartID, n, r, size)
	if err != nil {
		return fmt.Errorf("upload part: %w", err)
	}
	if err := s.Store.SetUploadPart(ctx, u.ID, n, etag); err != nil {
		return err
	}
	u.Parts[n] = etag
	return nil
}

// checkType sniffs the content type from the first bytes and checks it and
// the declared size against the limits.
func (s *Service) checkType(u *shotline.Upload, head []byte) (string, error) {
	mt := mimetype.Detect(head)
	ct, _, _ := strings.Cut(mt.String(), ";")
	kind, ok := shotline.AssetKindOf(ct)
	if !ok {
		return "", &shotline.Error{Code: shotline.EINVALID, Message: fmt.Sprintf(
			"%q is %s, which Shotline does not accept: upload a PNG, JPEG or WebP image, or an MP4, MOV or WebM clip.", u.Name, describe(ct)),
			Details: []shotline.FieldError{{Field: "file", Message: "unsupported type " + ct}}}
	}
	limits := s.Limits.WithDefaults()
	if u.Size > limits.Max(kind) {
		return "", shotline.Errorf(shotline.ETOOLARGE, "This %s is %s; %ss may be at most %s.",
			kind, shotline.FormatBytes(u.Size), kind, shotline.FormatBytes(limits.Max(kind)))
	}
	return ct, nil
}

func describe(ct string) string {
	switch {
	case ct == "text/plain" || strings.HasPrefix(ct, "text/"):
		return "text (" + ct + ")"
	case ct == "application/octet-stream":
		return "of an unknown type"
	}
	return ct
}

// Complete assembles the parts, checks the size, makes the thumbnail and
// records the asset. On any failure nothing is left of the upload.
// Returns EINVALID if parts are missing or the file cannot be decoded.
func (s *Service) Complete(ctx context.Context, u *shotline.Upload) (*shotline.Asset, error) {
	count := shotline.PartCount(u.Size, u.PartSize)
	if len(u.Parts) != count || u.ContentType == "" {
		return nil, shotline.Invalid("parts", fmt.Sprintf("%d of %d parts uploaded", len(u.Parts), count))
	}
	parts := make([]shotline.ObjectPart, 0, count)
	for n, etag := range u.Parts {
		parts = append(parts, shotline.ObjectPart{Number: n, ETag: etag})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	fail := func(err error) (*shotline.Asset, error) {
		s.cleanup(context.WithoutCancel(ctx), u)
		return nil, err
	}
	if err := s.Objects.CompleteMultipart(ctx, u.ObjectKey, u.MultipartID, parts); err != nil {
		return fail(err)
	}
	if size, err := s.Objects.Size(ctx, u.ObjectKey); err != nil {
		return fail(err)
	} else if size != u.Size {
		return fail(shotline.Invalid("size", fmt.Sprintf("stored %d bytes, declared %d", size, u.Size)))
	}
	kind, _ := shotline.AssetKindOf(u.ContentType)
	thumb, err := s.thumbnail(ctx, u.ObjectKey)
	if err != nil {
		return fail(err)
	}
	a := &shotline.Asset{ID: u.ID, WorkspaceID: u.WorkspaceID, BoardID: u.BoardID, ShotID: u.ShotID, Kind: kind,
		ContentType: u.ContentType, Size: u.Size, Name: u.Name, ObjectKey: u.ObjectKey, ThumbKey: ThumbKey(u.ObjectKey),
		CreatedBy: u.CreatedBy, CreatedAt: s.now()}
	if err := s.Objects.Put(ctx, a.ThumbKey, bytes.NewReader(thumb), int64(len(thumb)), "image/jpeg"); err != nil {
		return fail(err)
	}
	if err := s.Store.CreateAsset(ctx, a); err != nil {
		return fail(err)
	}
	if err := s.Store.DeleteUpload(ctx, u.ID); err != nil {
		// The asset is complete; the sweeper would take it for abandoned.
		// Remove the record as well, so that the two never disagree.
		_ = s.Store.DeleteAsset(context.WithoutCancel(ctx), a.ID)
		return fail(err)
	}
	return a, nil
}

// Abort drops an upload: its parts, any object, its reservation and record.
func (s *Service) Abort(ctx context.Context, u *shotline.Upload) {
	s.cleanup(context.WithoutCancel(ctx), u)
}

// cleanup removes everything an upload may have left. Each step is
// idempotent; the record goes last, so a crash midway leaves it for Sweep.
func (s *Service) cleanup(ctx context.Context, u *shotline.Upload) {
	var errs []error
	if u.MultipartID != "" {
		errs = append(errs, s.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID))
	}
	errs = append(errs, s.Objects.Remove(ctx, u.ObjectKey))
	if u.Kind == shotline.UploadAsset {
		errs = append(errs, s.Objects.Remove(ctx, ThumbKey(u.ObjectKey)))
	}
	if err := errors.Join(errs...); err != nil {
		s.log().Warn("clean up upload; the sweeper retries", "upload_id", u.ID, "err", err)
		return
	}
	s.release(ctx, u)
	if err := s.Store.DeleteUpload(ctx, u.ID); err != nil {
		s.log().Warn("delete upload record", "upload_id", u.ID, "err", err)
	}
}

func (s *Service) release(ctx context.Context, u *shotline.Upload) {
	if err := s.Store.Reserve(ctx, u.WorkspaceID, -u.Size, 0); err != nil {
		s.log().Warn("release reserved storage", "workspace_id", u.WorkspaceID, "err", err)
	}
}

// Sweep aborts uploads of every kind (assets and bundles) that have not
// moved for maxAge: no part arrived since (abandoned by their client or
// left by a crash). It returns how many it removed.
func (s *Service) Sweep(ctx context.Context, maxAge time.Duration) (int, error) {
	stale, err := s.Store.StaleUploads(ctx, s.now().Add(-maxAge))
	if err != nil {
		return 0, err
	}
	for _, u := range stale {
		s.cleanup(ctx, u)
	}
	return len(stale), nil
}

// URLs are the presigned URLs of an asset.
type URLs struct {
	URL      string    `json:"url"`
	ThumbURL string    `json:"thumbUrl,omitempty"`
	Expires  time.Time `json:"expires"`
}

// URLs presigns the asset's object (as a download under its name when
// download is set, else for inline playback) and its thumbnail.
func (s *Service) URLs(ctx context.Context, a *shotline.Asset, download bool) (URLs, error) {
	ttl := s.URLTTL
	if ttl <= 0 {
		ttl = 15 * time.Minute
	}
	name := ""
	if download {
		name = a.Name
	}
	out := URLs{Expires: s.now().Add(ttl)}
	var err error
	if out.URL, err = s.Objects.PresignGet(ctx, a.ObjectKey, ttl, name); err != nil {
		return URLs{}, err
	}
	if a.ThumbKey != "" {
		if out.ThumbURL, err = s.Objects.PresignGet(ctx, a.ThumbKey, ttl, ""); err != nil {
			return URLs{}, err
		}
	}
	return out, nil
}

// ChooseFrame makes a the frame of shotID. Returns ENOTFOUND if a is not
// attached to that shot, and EINVALID if it has no picture (a file that is
// neither an image nor a clip with a poster frame).
func (s *Service) ChooseFrame(ctx context.Context, a *shotline.Asset, shotID string) error {
	refs, err := s.Store.BoardAssets(ctx, a.BoardID)
	if err != nil {
		return err
	}
	if !slices.Contains(refs[shotID], a.ID) {
		return shotline.Errorf(shotline.ENOTFOUND, "That file is not attached to this shot.")
	}
	if a.ThumbKey == "" {
		return shotline.Errorf(shotline.EINVALID, "That file has no picture to show as a frame.")
	}
	return s.Store.SetShotFrame(ctx, a.BoardID, shotID, a.ID)
}

// Detach removes an asset from a shot (and, if it was the shot's chosen
// frame, that choice); when no shot of the board refers to it any more,
// its objects and record are deleted and its bytes released.
func (s *Service) Detach(ctx context.Context, a *shotline.Asset, shotID string) error {
	used, err := s.Store.DetachAsset(ctx, a.BoardID, shotID, a.ID)
	if err != nil {
		return err
	}
	frames, err := s.Store.ShotFrames(ctx, a.BoardID)
	if err != nil {
		return err
	}
	if frames[shotID] == a.ID {
		if err := s.Store.SetShotFrame(ctx, a.BoardID, shotID, ""); err != nil {
			return err
		}
	}
	if used {
		return nil
	}
	if err := errors.Join(s.Objects.Remove(ctx, a.ObjectKey), s.Objects.Remove(ctx, a.ThumbKey)); err != nil {
		return err
	}
	if err := s.Store.DeleteAsset(ctx, a.ID); err != nil {
		return err
	}
	return s.Store.Reserve(ctx, a.WorkspaceID, -a.Size, 0)
}
