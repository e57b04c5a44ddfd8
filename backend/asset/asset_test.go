package asset_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is an asset service on a fresh database and a fresh bucket of one
// S3 server, with a raw client to look inside the bucket.
type fixture struct {
	svc    *asset.Service
	store  *mongo.AssetStore
	raw    *minio.Client
	bucket string
}

func newFixture(t *testing.T, srv testenv.S3Server, limits shotline.AssetLimits) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	bucket := srv.Bucket(t)
	objects, err := objectstore.Open(objectstore.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	store := mongo.NewAssetStore(db)
	return &fixture{svc: &asset.Service{Store: store, Objects: objects, Limits: limits, PartSize: 5 << 20}, store: store, raw: raw, bucket: bucket}
}

func eachS3Server(t *testing.T, test func(t *testing.T, srv testenv.S3Server)) {
	t.Helper()
	for _, srv := range testenv.S3Servers(t) {
		t.Run(srv.Name, func(t *testing.T) { test(t, srv) })
	}
}

// upload sends data as the client does: begin, every part, complete.
func (f *fixture) upload(t *testing.T, name string, data []byte) (*shotline.Asset, error) {
	t.Helper()
	ctx := context.Background()
	u, err := f.svc.Begin(ctx, asset.Begin{WorkspaceID: "ws1", BoardID: "board1", ShotID: "shot1", Name: name, Size: int64(len(data)), UserID: "u1"})
	if err != nil {
		return nil, err
	}
	for n := 1; n <= shotline.PartCount(u.Size, u.PartSize); n++ {
		start := int64(n-1) * u.PartSize
		end := min(start+u.PartSize, u.Size)
		if err := f.svc.PutPart(ctx, u, n, bytes.NewReader(data[start:end]), end-start); err != nil {
			return nil, err
		}
	}
	return f.svc.Complete(ctx, u)
}

// assertNothingStored checks that no object, no unfinished multipart upload,
// no upload record and no reserved byte is left.
func (f *fixture) assertNothingStored(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for obj := range f.raw.ListObjects(ctx, f.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		t.Errorf("object left behind: %s", obj.Key)
	}
	for up := range f.raw.ListIncompleteUploads(ctx, f.bucket, "", true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		t.Errorf("unfinished multipart upload left behind: %s", up.Key)
	}
	if stale, err := f.store.StaleUploads(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	} else if len(stale) != 0 {
		t.Errorf("%d upload records left behind", len(stale))
	}
	if used, err := f.store.Usage(ctx, "ws1"); err != nil {
		t.Fatal(err)
	} else if used != 0 {
		t.Errorf("workspace usage = %d bytes, want 0", used)
	}
}

func pngBytes(t *testing.T, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x), uint8(y), 128, 255}
			if noise {
				c = color.RGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// clipBytes makes a one-second clip with ffmpeg in the given container.
func clipBytes(t *testing.T, ext string, args ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip."+ext)
	cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10:duration=1"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestUploadStoresAssetThumbnailAndServesPresignedURLs(t *testing.T) {
	cases := []struct {
		name, file, contentType string
		kind                    shotline.AssetKind
		data                    func(t *testing.T) []byte
	}{
		{"png over three parts", "ref.png", "image/png", shotline.AssetImage, func(t *testing.T) []byte { return pngBytes(t, 1600, 1600, true) }},
		{"jpeg", "ref.jpg", "image/jpeg", shotline.AssetImage, jpegBytes},
		{"mp4", "clip.mp4", "video/mp4", shotline.AssetClip, func(t *testing.T) []byte { return clipBytes(t, "mp4", "-pix_fmt", "yuv420p") }},
		{"mov", "clip.mov", "video/quicktime", shotline.AssetClip, func(t *testing.T) []byte { return clipBytes(t, "mov") }},
		{"webm", "clip.webm", "video/webm", shotline.AssetClip, func(t *testing.T) []byte { return clipBytes(t, "webm", "-c:v", "libvpx", "-b:v", "200k") }},
	}
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, srv, shotline.AssetLimits{})
				ctx := context.Background()
				data := tc.data(t)
				a, err := f.upload(t, tc.file, data)
				if err != nil {
					t.Fatalf("upload: %v", err)
				}
				if a.ContentType != tc.contentType || a.Kind != tc.kind || a.Size != int64(len(data)) {
					t.Errorf("asset = %s %s %d bytes, want %s %s %d", a.ContentType, a.Kind, a.Size, tc.contentType, tc.kind, len(data))
				}
				got, err := f.store.FindAsset(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				} else if got.ObjectKey != a.ObjectKey || got.Name != tc.file {
					t.Errorf("stored asset = %+v", got)
				}
				refs, err := f.store.BoardAssets(ctx, "board1")
				if err != nil {
					t.Fatal(err)
				} else if ids := refs["shot1"]; len(ids) != 1 || ids[0] != a.ID {
					t.Errorf("shot1's assets = %v, want [%s]", ids, a.ID)
				}
				urls, err := f.svc.URLs(ctx, a, false)
				if err != nil {
					t.Fatal(err)
				}
				if body := httpGet(t, urls.URL); !bytes.Equal(body, data) {
					t.Errorf("presigned URL served %d bytes, want the %d uploaded", len(body), len(data))
				}
				thumb := httpGet(t, urls.ThumbURL)
				if img, err := jpeg.Decode(bytes.NewReader(thumb)); err != nil {
					t.Errorf("thumbnail is not a JPEG: %v", err)
				} else if w := img.Bounds().Dx(); w > 320 || w == 0 {
					t.Errorf("thumbnail is %d px wide, want 1..320", w)
				}
				if used, _ := f.store.Usage(ctx, "ws1"); used != int64(len(data)) {
					t.Errorf("usage = %d, want %d", used, len(data))
				}
				if stale, _ := f.store.StaleUploads(ctx, time.Now().Add(time.Hour)); len(stale) != 0 {
					t.Errorf("the upload record outlived its upload")
				}
			})
		}
	})
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET presigned URL: %d %s", resp.StatusCode, body)
	}
	return body
}

// Each bad file gets its stable code, and leaves nothing anywhere.
func TestBadUploadsAreRefusedAndLeaveNothing(t *testing.T) {
	validPNG := pngBytes(t, 64, 64, false)
	truncated := append(append([]byte{}, validPNG[:100]...), bytes.Repeat([]byte("x"), 500)...)
	cases := []struct {
		name, file string
		data       []byte
		code       string
	}{
		{"script named png", "evil.png", []byte("#!/bin/sh\nrm -rf / --no-preserve-root\n"), shotline.EINVALID},
		{"html named jpg", "page.jpg", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), shotline.EINVALID},
		{"zero bytes", "empty.png", nil, shotline.EINVALID},
		{"gif is unsupported", "anim.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), shotline.EINVALID},
		{"pdf is unsupported", "doc.png", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), shotline.EINVALID},
		{"png over the image limit", "big.png", pngBytes(t, 200, 200, true), shotline.ETOOLARGE},
		{"over every limit", "huge.mp4", make([]byte, 3<<20+1), shotline.ETOOLARGE},
		{"damaged png", "broken.png", truncated, shotline.EINVALID},
		{"path separator", "../../etc/passwd.png", validPNG, shotline.EINVALID},
		{"backslash", `..\evil.png`, validPNG, shotline.EINVALID},
		{"control character", "bell\a.png", validPNG, shotline.EINVALID},
		{"newline", "two\nlines.png", validPNG, shotline.EINVALID},
	}
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, srv, shotline.AssetLimits{MaxImage: 64 << 10, MaxClip: 3 << 20})
				_, err := f.upload(t, tc.file, tc.data)
				if got := shotline.ErrorCode(err); got != tc.code {
					t.Fatalf("error = %v (%s), want %s", err, got, tc.code)
				}
				if shotline.ErrorMessage(err) == "" {
					t.Error("no message for the user")
				}
				f.assertNothingStored(t)
			})
		}
	})
}

func TestQuotaRefusesWithTheNumbers(t *testing.T) {
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		img := jpegBytes(t)
		f := newFixture(t, srv, shotline.AssetLimits{Quota: int64(len(img)) + 100})
		if _, err := f.upload(t, "a.jpg", img); err != nil {
			t.Fatal(err)
		}
		_, err := f.upload(t, "b.jpg", img)
		if shotline.ErrorCode(err) != shotline.ETOOLARGE {
			t.Fatalf("second upload over quota: %v", err)
		}
		if msg := shotline.ErrorMessage(err); !bytes.Contains([]byte(msg), []byte("storage is full")) {
			t.Errorf("message %q does not say the storage is full", msg)
		}
		if used, _ := f.store.Usage(context.Background(), "ws1"); used != int64(len(img)) {
			t.Errorf("usage = %d after a refused upload, want %d", used, len(img))
		}
	})
}

// An upload its client abandoned (or whose server crashed) midway is removed
// by the sweeper: parts, record and reservation.
func TestSweepRemovesAbandonedUploads(t *testing.T) {
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		f := newFixture(t, srv, shotline.AssetLimits{})
		ctx := context.Background()
		data := pngBytes(t, 1600, 1600, true)
		u, err := f.svc.Begin(ctx, asset.Begin{WorkspaceID: "ws1", BoardID: "board1", Name: "a.png", Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.PutPart(ctx, u, 1, bytes.NewReader(data[:u.PartSize]), u.PartSize); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("Sweep of a fresh upload removed %d (%v), want 0", n, err)
		}
		if n, err := f.svc.Sweep(ctx, 0); err != nil || n != 1 {
			t.Fatalf("Sweep removed %d (%v), want 1", n, err)
		}
		f.assertNothingStored(t)
	})
}

// Detaching an asset from one shot keeps it while another shot refers to
// it; the last detach deletes its objects and record and frees its bytes.
func TestDetachKeepsAssetsStillReferred(t *testing.T) {
	srv := testenv.S3Servers(t)[0]
	f := newFixture(t, srv, shotline.AssetLimits{})
	ctx := context.Background()
	a, err := f.upload(t, "a.jpg", jpegBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.AttachAsset(ctx, "board1", "shot2", a.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Detach(ctx, a, "shot1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.FindAsset(ctx, a.ID); err != nil {
		t.Fatalf("asset gone while shot2 still refers to it: %v", err)
	}
	if _, err := f.raw.StatObject(ctx, f.bucket, a.ObjectKey, minio.StatObjectOptions{}); err != nil {
		t.Fatalf("object gone while shot2 still refers to it: %v", err)
	}
	if err := f.svc.Detach(ctx, a, "shot2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.FindAsset(ctx, a.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("asset still recorded after its last reference went: %v", err)
	}
	f.assertNothingStored(t)
}

// A bundle to import is uploaded like an asset: limited in size, in parts,
// and completing it copies it out and leaves nothing stored; one abandoned
// midway is swept like an asset's, but not while its parts keep coming.
func TestBundleUploadsAreCopiedOutAndSwept(t *testing.T) {
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		f := newFixture(t, srv, shotline.AssetLimits{})
		ctx := context.Background()
		data := bytes.Repeat([]byte("bundle-bytes "), (11<<20)/13) // 3 parts of 5 MiB
		if _, err := f.svc.BeginBundle(ctx, "ws1", "u1", int64(len(data)), int64(len(data)-1)); shotline.ErrorCode(err) != shotline.ETOOLARGE {
			t.Fatalf("a bundle over the limit: %v, want ETOOLARGE", err)
		}
		if _, err := f.svc.BeginBundle(ctx, "ws1", "u1", 0, 1<<30); shotline.ErrorCode(err) != shotline.EINVALID {
			t.Fatalf("an empty bundle: %v, want EINVALID", err)
		}
		u, err := f.svc.BeginBundle(ctx, "ws1", "u1", int64(len(data)), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if used, _ := f.store.Usage(ctx, "ws1"); used != int64(len(data)) {
			t.Errorf("reserved %d bytes, want the bundle's %d", used, len(data))
		}
		// Only its user finds it, and never as an asset.
		if _, err := f.svc.FindBundle(ctx, "ws1", "u2", u.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Errorf("another user's FindBundle: %v, want ENOTFOUND", err)
		}
		if _, err := f.svc.FindBundle(ctx, "ws2", "u1", u.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Errorf("FindBundle in another workspace: %v, want ENOTFOUND", err)
		}
		if _, err := f.svc.Find(ctx, "", u.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Errorf("Find of a bundle as an asset: %v, want ENOTFOUND", err)
		}
		count := shotline.PartCount(u.Size, u.PartSize)
		if count != 3 {
			t.Fatalf("%d parts, want 3", count)
		}
		for n := 1; n <= count; n++ {
			start := int64(n-1) * u.PartSize
			end := min(start+u.PartSize, u.Size)
			if n == 2 { // completing before every part is there keeps the upload
				if _, err := f.svc.CompleteBundle(ctx, u, io.Discard); shotline.ErrorCode(err) != shotline.EINVALID {
					t.Fatalf("CompleteBundle with parts missing: %v, want EINVALID", err)
				}
				if u, err = f.svc.FindBundle(ctx, "ws1", "u1", u.ID); err != nil {
					t.Fatalf("the upload is gone after an early complete: %v", err)
				}
			}
			if err := f.svc.PutPart(ctx, u, n, bytes.NewReader(data[start:end]), end-start); err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		if n, err := f.svc.CompleteBundle(ctx, u, &out); err != nil || n != int64(len(data)) {
			t.Fatalf("CompleteBundle = %d, %v", n, err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Error("the bundle copied out is not the one uploaded")
		}
		f.assertNothingStored(t)

		// Abandoned after its first part: swept, but only once no part
		// has come for the sweeper's age, however old the upload.
		f.svc.Now = func() time.Time { return time.Now().UTC().Add(-3 * time.Hour) }
		u, err = f.svc.BeginBundle(ctx, "ws1", "u1", int64(len(data)), 1<<30)
		f.svc.Now = nil
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.PutPart(ctx, u, 1, bytes.NewReader(data[:u.PartSize]), u.PartSize); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("Sweep of an upload whose part just came removed %d (%v), want 0", n, err)
		}
		if n, err := f.svc.Sweep(ctx, 0); err != nil || n != 1 {
			t.Fatalf("Sweep removed %d (%v), want 1", n, err)
		}
		f.assertNothingStored(t)

		// A server that crashed while completing one, its parts already
		// assembled into the object: swept too, object and all.
		u, err = f.svc.BeginBundle(ctx, "ws1", "u1", int64(len(data)), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		var parts []shotline.ObjectPart
		for n := 1; n <= shotline.PartCount(u.Size, u.PartSize); n++ {
			start := int64(n-1) * u.PartSize
			end := min(start+u.PartSize, u.Size)
			if err := f.svc.PutPart(ctx, u, n, bytes.NewReader(data[start:end]), end-start); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, shotline.ObjectPart{Number: n, ETag: u.Parts[n]})
		}
		if err := f.svc.Objects.CompleteMultipart(ctx, u.ObjectKey, u.MultipartID, parts); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.Sweep(ctx, 0); err != nil || n != 1 {
			t.Fatalf("Sweep removed %d (%v), want 1", n, err)
		}
		f.assertNothingStored(t)
	})
}
