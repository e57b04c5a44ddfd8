package objectstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/shotline/shotline/backend/shotline"
)

var _ shotline.ObjectStore = (*Store)(nil)

// Put stores size bytes from r at key in one request (or minio-go's own
// multipart upload when size is large), streaming.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if _, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType}); err != nil {
		return fmt.Errorf("put object %s: %w", key, err)
	}
	return nil
}

// Get opens key for reading. The first read reports a missing key.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get object %s: %w", key, err)
	}
	return obj, nil
}

// Remove deletes key. S3 answers a delete of a missing key with success.
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove object %s: %w", key, err)
	}
	return nil
}

// Size returns the size of key, ENOTFOUND if there is none.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == 404 {
			return 0, shotline.Errorf(shotline.ENOTFOUND, "Object not found.")
		}
		return 0, fmt.Errorf("stat object %s: %w", key, err)
	}
	return info.Size, nil
}

func (s *Store) core() minio.Core { return minio.Core{Client: s.client} }

// StartMultipart begins a multipart upload (S3 CreateMultipartUpload).
func (s *Store) StartMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := s.core().NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return "", fmt.Errorf("start multipart upload %s: %w", key, err)
	}
	return id, nil
}

// PutPart uploads one part (S3 UploadPart), streaming size bytes from r.
func (s *Store) PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (string, error) {
	p, err := s.core().PutObjectPart(ctx, s.bucket, key, uploadID, n, r, size, minio.PutObjectPartOptions{})
	if err != nil {
		return "", fmt.Errorf("put part %d of %s: %w", n, key, err)
	}
	return p.ETag, nil
}

// CompleteMultipart assembles the parts (S3 CompleteMultipartUpload).
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []shotline.ObjectPart) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	if _, err := s.core().CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cp, minio.PutObjectOptions{}); err != nil {
		return fmt.Errorf("complete multipart upload %s: %w", key, err)
	}
	return nil
}

// AbortMultipart drops an unfinished multipart upload (S3
// AbortMultipartUpload). An upload the server no longer knows is gone
// already, which is what we want.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := s.core().AbortMultipartUpload(ctx, s.bucket, key, uploadID)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchUpload" {
		return fmt.Errorf("abort multipart upload %s: %w", key, err)
	}
	return nil
}

// PresignGet returns a presigned GET URL valid for ttl. With downloadName
// the response asks the browser to save the file under that name.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error) {
	params := url.Values{}
	if downloadName != "" {
		params.Set("response-content-disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName}))
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return u.String(), nil
}

// IsNotFound reports whether err says an object does not exist.
func IsNotFound(err error) bool {
	var e minio.ErrorResponse
	return errors.As(err, &e) && (e.StatusCode == 404 || e.Code == "NoSuchKey")
}
