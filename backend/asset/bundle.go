package asset

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/shotline"
)

// A project bundle to import arrives as an upload like any other (begin,
// parts, complete) into the object store, so that its parts may reach any
// app instance and no request body is larger than a part. Completing it
// copies the object out (CompleteBundle) for the import to read, and
// deletes it; Abort and Sweep drop it as they drop any upload.

// BundleKey is where a bundle being imported lives until it is imported.
func BundleKey(workspaceID, uploadID string) string {
	return "workspaces/" + workspaceID + "/imports/" + uploadID + ".zip"
}

// BeginBundle starts the upload of a bundle of size bytes to import into
// workspaceID. Its bytes are reserved against the workspace's quota until
// the bundle is copied out: unpacked, the import needs about as much.
// Returns EINVALID for an empty bundle, ETOOLARGE above maxSize or the
// quota.
func (s *Service) BeginBundle(ctx context.Context, workspaceID, userID string, size, maxSize int64) (*shotline.Upload, error) {
	if size <= 0 {
		return nil, shotline.Invalid("size", "the bundle is empty")
	}
	if size > maxSize {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "The bundle is %s; this server imports bundles of at most %s.",
			shotline.FormatBytes(size), shotline.FormatBytes(maxSize))
	}
	id := uuid.Must(uuid.NewV7()).String()
	return s.begin(ctx, &shotline.Upload{ID: id, Kind: shotline.UploadBundle, WorkspaceID: workspaceID, Name: "bundle.zip", Size: size,
		ContentType: "application/zip", ObjectKey: BundleKey(workspaceID, id), CreatedBy: userID}, s.Limits.WithDefaults().Quota, "application/zip")
}

// FindBundle returns the bundle upload id that userID started in
// workspaceID; ENOTFOUND if there is none (or it is someone else's).
func (s *Service) FindBundle(ctx context.Context, workspaceID, userID, id string) (*shotline.Upload, error) {
	u, err := s.Store.FindUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Kind != shotline.UploadBundle || u.WorkspaceID != workspaceID || u.CreatedBy != userID {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "No such import upload.")
	}
	return u, nil
}

// CompleteBundle assembles the bundle's parts, checks its size, copies it
// to w (streamed: memory does not grow with it) and then deletes it and
// releases its reservation, whether the copy worked or not: the upload is
// over either way, and what w holds is the import's to read. Returns
// EINVALID if parts are missing (the upload stays, for them to come) or
// the stored size is not the declared one.
func (s *Service) CompleteBundle(ctx context.Context, u *shotline.Upload, w io.Writer) (int64, error) {
	count := shotline.PartCount(u.Size, u.PartSize)
	if len(u.Parts) != count {
		// The upload stays: the missing parts may still come.
		return 0, shotline.Invalid("parts", fmt.Sprintf("%d of %d parts uploaded", len(u.Parts), count))
	}
	defer s.cleanup(context.WithoutCancel(ctx), u)
	parts := make([]shotline.ObjectPart, 0, count)
	for n, etag := range u.Parts {
		parts = append(parts, shotline.ObjectPart{Number: n, ETag: etag})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	if err := s.Objects.CompleteMultipart(ctx, u.ObjectKey, u.MultipartID, parts); err != nil {
		return 0, err
	}
	r, err := s.Objects.Get(ctx, u.ObjectKey)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n, err := io.Copy(w, io.LimitReader(r, u.Size+1))
	if err != nil {
		return 0, fmt.Errorf("copy bundle: %w", err)
	}
	if n != u.Size {
		return 0, shotline.Invalid("size", fmt.Sprintf("stored %d bytes, declared %d", n, u.Size))
	}
	return n, nil
}
