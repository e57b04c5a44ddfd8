package export

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// BundleFormat and BundleVersion name the bundle's manifest. An importer
// refuses a version newer than its own.
const (
	BundleFormat  = "shotline-bundle"
	BundleVersion = 1
	ManifestName  = "manifest.json"
)

// Manifest is a bundle's manifest.json: what it holds and, for every other
// file of the archive, its size and SHA-256.
type Manifest struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	CreatedAt time.Time      `json:"createdAt"`
	Project   BundleProject  `json:"project"`
	Boards    []BundleBoard  `json:"boards"`
	Files     []ManifestFile `json:"files"`
}

// BundleProject is the project a bundle came from (for a board's bundle,
// the board's project).
type BundleProject struct {
	Name string `json:"name"`
}

// BundleBoard is a board with its reference files and renders.
type BundleBoard struct {
	Board
	Assets  []BundleAsset  `json:"assets"`
	Renders []BundleRender `json:"renders"`
}

// BundleAsset is a reference file and the shots it is attached to.
type BundleAsset struct {
	ID          string             `json:"id"`
	ShotIDs     []string           `json:"shotIds"`
	Kind        shotline.AssetKind `json:"kind"`
	ContentType string             `json:"contentType"`
	Name        string             `json:"name"`
	Size        int64              `json:"size"`
	File        string             `json:"file"`
	Thumb       string             `json:"thumb,omitempty"`
	CreatedAt   time.Time          `json:"createdAt"`
}

// BundleRender is a successful render of a shot, with what made it.
type BundleRender struct {
	ID          string    `json:"id"`
	ShotID      string    `json:"shotId"`
	Title       string    `json:"title"`
	Prompt      string    `json:"prompt"`
	Notes       string    `json:"notes"`
	Duration    float64   `json:"duration"`
	AspectRatio string    `json:"aspectRatio"`
	Resolution  string    `json:"resolution"`
	Provider    string    `json:"provider"`
	Model       string    `json:"model"`
	Settings    string    `json:"settings"`
	Size        int64     `json:"size"`
	File        string    `json:"file"`
	CreatedAt   time.Time `json:"createdAt"`
}

// ManifestFile is one file of the archive besides the manifest.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bundle writes a ZIP of the project (boardID "") or of one board: every
// reference file and successful render, streamed from the object store
// into the archive one at a time, then manifest.json. Memory holds the
// manifest, never a file.
func (e *Exporter) Bundle(ctx context.Context, projectID, boardID string, w io.Writer, progress func(float64)) error {
	man := Manifest{Format: BundleFormat, Version: BundleVersion, CreatedAt: e.now(), Boards: []BundleBoard{}, Files: []ManifestFile{}}
	p, err := e.Source.Project(ctx, projectID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return shotline.Permanent("The project was deleted.", err)
	} else if err != nil {
		return shotline.Transient("The project could not be read.", err)
	}
	man.Project.Name = p.Name
	ids := p.BoardIDs
	if boardID != "" {
		ids = []string{boardID}
	}
	var blobs [][2]string // object key, path in the archive
	var total int64
	for _, id := range ids {
		b, err := e.Source.Board(ctx, id)
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			if boardID != "" {
				return shotline.Permanent("The board was deleted.", err)
			}
			continue // deleted since the project was read
		} else if err != nil {
			return shotline.Transient("The board could not be read.", err)
		}
		bb, bl, n, err := e.bundleBoard(ctx, b)
		if err != nil {
			return shotline.Transient("The board's files could not be listed.", err)
		}
		man.Boards = append(man.Boards, bb)
		blobs = append(blobs, bl...)
		total += n
	}
	zw := zip.NewWriter(w)
	var written int64
	for _, bl := range blobs {
		f, err := e.copyBlob(ctx, zw, bl[0], bl[1])
		if err != nil {
			return err
		}
		man.Files = append(man.Files, f)
		written += f.Size
		if total > 0 {
			progress(0.99 * float64(written) / float64(total))
		}
	}
	mw, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: man.CreatedAt})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(man); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	progress(1)
	return nil
}

// bundleBoard lists a board's assets and successful renders and the
// objects to copy (object key, path in the archive), with their bytes.
func (e *Exporter) bundleBoard(ctx context.Context, b *Board) (BundleBoard, [][2]string, int64, error) {
	bb := BundleBoard{Board: *b, Assets: []BundleAsset{}, Renders: []BundleRender{}}
	if bb.Shots == nil {
		bb.Shots = []Shot{}
	}
	if bb.Comments == nil {
		bb.Comments = []Comment{}
	}
	var blobs [][2]string
	var total int64
	refs, err := e.Assets.BoardAssets(ctx, b.ID)
	if err != nil {
		return bb, nil, 0, err
	}
	seen := map[string]int{}
	for _, sh := range b.Shots {
		for _, id := range refs[sh.ID] {
			if i, ok := seen[id]; ok {
				bb.Assets[i].ShotIDs = append(bb.Assets[i].ShotIDs, sh.ID)
				continue
			}
			a, err := e.Assets.FindAsset(ctx, id)
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return bb, nil, 0, err
			}
			ba := BundleAsset{ID: a.ID, ShotIDs: []string{sh.ID}, Kind: a.Kind, ContentType: a.ContentType, Name: a.Name, Size: a.Size,
				File: fmt.Sprintf("boards/%s/assets/%s", b.ID, a.ID), CreatedAt: a.CreatedAt}
			blobs = append(blobs, [2]string{a.ObjectKey, ba.File})
			total += a.Size
			if a.ThumbKey != "" {
				ba.Thumb = ba.File + ".thumb.jpg"
				blobs = append(blobs, [2]string{a.ThumbKey, ba.Thumb})
			}
			seen[id] = len(bb.Assets)
			bb.Assets = append(bb.Assets, ba)
		}
	}
	hist, err := e.Queue.ShotRenders(ctx, b.ID)
	if err != nil {
		return bb, nil, 0, err
	}
	for _, sh := range b.Shots {
		for _, id := range hist[sh.ID] {
			j, err := e.Queue.Job(ctx, id)
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				continue
			} else if err != nil {
				return bb, nil, 0, err
			}
			if j.State != shotline.JobSucceeded || j.ResultKey == "" {
				continue
			}
			br := BundleRender{ID: j.ID, ShotID: sh.ID, Title: j.Title, Prompt: j.Prompt, Notes: j.Notes, Duration: j.Duration,
				AspectRatio: j.AspectRatio, Resolution: j.Resolution, Provider: j.Provider, Model: j.Model, Settings: j.Settings,
				Size: j.ResultSize, File: fmt.Sprintf("boards/%s/%s", b.ID, RenderFile(sh, j)), CreatedAt: j.CreatedAt}
			blobs = append(blobs, [2]string{j.ResultKey, br.File})
			total += j.ResultSize
			bb.Renders = append(bb.Renders, br)
		}
	}
	return bb, blobs, total, nil
}

// copyBlob streams one object into the archive (stored, not compressed:
// media is compressed already) and returns its manifest entry.
func (e *Exporter) copyBlob(ctx context.Context, zw *zip.Writer, key, name string) (ManifestFile, error) {
	r, err := e.Objects.Get(ctx, key)
	if err != nil {
		return ManifestFile{}, shotline.Transient("A file of the board could not be read.", err)
	}
	defer r.Close()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: path.Clean(name), Method: zip.Store, Modified: e.now()})
	if err != nil {
		return ManifestFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, h), r)
	if err != nil {
		return ManifestFile{}, shotline.Transient("A file of the board could not be read.", err)
	}
	return ManifestFile{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
