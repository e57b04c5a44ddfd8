package export

import (
	"archive/zip"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/shotline"
)

// ImportLimits bound what an import reads. Zero fields get the defaults
// of DefaultImportLimits.
type ImportLimits struct {
	MaxSize     int64 // bytes of the archive
	MaxFiles    int   // files in the archive, the manifest included
	MaxFile     int64 // bytes of one file once unpacked
	MaxTotal    int64 // bytes of all files once unpacked
	MaxRatio    int64 // unpacked ÷ packed bytes of a compressed file (zip bombs)
	MaxManifest int64 // bytes of manifest.json once unpacked
	MaxBoards   int
}

// DefaultImportLimits are the limits when nothing else is configured.
var DefaultImportLimits = ImportLimits{MaxSize: 8 << 30, MaxFiles: 20000, MaxFile: 1 << 30, MaxTotal: 16 << 30, MaxRatio: 100,
	MaxManifest: 64 << 20, MaxBoards: 500}

// WithDefaults fills zero fields from DefaultImportLimits.
func (l ImportLimits) WithDefaults() ImportLimits {
	d := DefaultImportLimits
	return ImportLimits{MaxSize: cmp.Or(l.MaxSize, d.MaxSize), MaxFiles: cmp.Or(l.MaxFiles, d.MaxFiles), MaxFile: cmp.Or(l.MaxFile, d.MaxFile),
		MaxTotal: cmp.Or(l.MaxTotal, d.MaxTotal), MaxRatio: cmp.Or(l.MaxRatio, d.MaxRatio), MaxManifest: cmp.Or(l.MaxManifest, d.MaxManifest),
		MaxBoards: cmp.Or(l.MaxBoards, d.MaxBoards)}
}

// Bundle is a checked bundle: its manifest and its files by path.
type Bundle struct {
	Manifest Manifest
	Files    map[string]*zip.File
	Bytes    int64 // unpacked bytes of the files, the manifest aside
}

func refuse(format string, args ...any) error {
	return shotline.Invalid("bundle", fmt.Sprintf(format, args...))
}

// ReadBundle checks an archive before anything is stored: a ZIP (not
// truncated) within the limits, every name a plain relative path (no
// absolute path, no "..", no backslash), no symlink or other special
// file, no file that compresses suspiciously well, a manifest of a known
// format and version with no unknown field, whose files are exactly the
// archive's others, and boards that keep the domain's rules. Returns
// ETOOLARGE for a size over a limit, EINVALID naming what is wrong
// otherwise.
func ReadBundle(r io.ReaderAt, size int64, limits ImportLimits) (*Bundle, error) {
	limits = limits.WithDefaults()
	if size > limits.MaxSize {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "The bundle is %s; the limit is %s.", shotline.FormatBytes(size), shotline.FormatBytes(limits.MaxSize))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, refuse("not a ZIP archive, or a truncated one")
	}
	if len(zr.File) > limits.MaxFiles {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "The bundle holds %d files; the limit is %d.", len(zr.File), limits.MaxFiles)
	}
	b := &Bundle{Files: map[string]*zip.File{}}
	var manifest *zip.File
	var total uint64
	for _, f := range zr.File {
		if err := checkEntry(f, limits); err != nil {
			return nil, err
		}
		if _, dup := b.Files[f.Name]; dup || (f.Name == ManifestName && manifest != nil) {
			return nil, refuse("%q appears twice", f.Name)
		}
		if f.Name == ManifestName {
			manifest = f
			continue
		}
		total += f.UncompressedSize64
		if total > uint64(limits.MaxTotal) {
			return nil, shotline.Errorf(shotline.ETOOLARGE, "The bundle unpacks to more than %s.", shotline.FormatBytes(limits.MaxTotal))
		}
		b.Files[f.Name] = f
	}
	b.Bytes = int64(total)
	if manifest == nil {
		return nil, refuse("manifest.json is missing")
	}
	if manifest.UncompressedSize64 > uint64(limits.MaxManifest) {
		return nil, shotline.Errorf(shotline.ETOOLARGE, "manifest.json is larger than %s.", shotline.FormatBytes(limits.MaxManifest))
	}
	mr, err := manifest.Open()
	if err != nil {
		return nil, refuse("manifest.json cannot be read")
	}
	defer mr.Close()
	dec := json.NewDecoder(io.LimitReader(mr, limits.MaxManifest+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b.Manifest); err != nil {
		return nil, refuse("manifest.json is not a valid manifest: %s", jsonProblem(err))
	}
	if dec.More() {
		return nil, refuse("manifest.json has data after the manifest")
	}
	if _, err := io.Copy(io.Discard, mr); err != nil {
		return nil, refuse("manifest.json is damaged")
	}
	if err := b.check(limits); err != nil {
		return nil, err
	}
	return b, nil
}

// jsonProblem says what is wrong with a JSON document without echoing
// large parts of it.
func jsonProblem(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// checkEntry refuses names that could escape the import's root (zip slip),
// special files, and entries whose sizes are out of bounds or whose
// compression ratio gives a zip bomb away.
func checkEntry(f *zip.File, limits ImportLimits) error {
	name := f.Name
	switch {
	case name == "":
		return refuse("a file has no name")
	case strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || (len(name) > 1 && name[1] == ':'):
		return refuse("%q is an absolute path", name)
	case strings.HasSuffix(name, "/"):
		return refuse("%q is a directory entry", name)
	case path.Clean(name) != name || name == "." || strings.HasPrefix(name, "../") || name == ".." || strings.Contains(name, "/../"):
		return refuse("%q is not a plain relative path", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return refuse("%q escapes the bundle", name)
		}
	}
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return refuse("%q is a symbolic link", name)
	case mode.IsDir() || strings.HasSuffix(name, "/"):
		return refuse("%q is a directory entry", name)
	case !mode.IsRegular():
		return refuse("%q is not a regular file", name)
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return refuse("%q uses an unsupported compression method", name)
	case f.UncompressedSize64 > uint64(limits.MaxFile):
		return shotline.Errorf(shotline.ETOOLARGE, "%q unpacks to %s; the limit is %s.", name,
			shotline.FormatBytes(int64(min(f.UncompressedSize64, 1<<62))), shotline.FormatBytes(limits.MaxFile))
	case f.Method == zip.Store && f.CompressedSize64 != f.UncompressedSize64:
		return refuse("%q has inconsistent sizes", name)
	case f.Method == zip.Deflate && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > uint64(limits.MaxRatio)*max(f.CompressedSize64, 1):
		return shotline.Errorf(shotline.ETOOLARGE, "%q compresses more than %d to 1: refused as a zip bomb.", name, limits.MaxRatio)
	}
	return nil
}

// check validates the manifest against the archive and the domain's rules.
func (b *Bundle) check(limits ImportLimits) error {
	m := &b.Manifest
	switch {
	case m.Format != BundleFormat:
		return refuse("this is not a Shotline bundle (format %q)", m.Format)
	case m.Version > BundleVersion:
		return refuse("the bundle is version %d, newer than this server reads (%d); upgrade Shotline", m.Version, BundleVersion)
	case m.Version < 1:
		return refuse("the bundle's version %d is not valid", m.Version)
	case len(m.Boards) == 0:
		return refuse("the bundle holds no board")
	case len(m.Boards) > limits.MaxBoards:
		return shotline.Errorf(shotline.ETOOLARGE, "The bundle holds %d boards; the limit is %d.", len(m.Boards), limits.MaxBoards)
	}
	if _, err := shotline.ValidateName("project.name", m.Project.Name, shotline.MaxTitleLength); err != nil {
		return err
	}
	declared := map[string]ManifestFile{}
	for _, f := range m.Files {
		zf, ok := b.Files[f.Path]
		if !ok {
			return refuse("%q is declared but missing", f.Path)
		}
		if _, dup := declared[f.Path]; dup {
			return refuse("%q is declared twice", f.Path)
		}
		if uint64(f.Size) != zf.UncompressedSize64 || len(f.SHA256) != 64 {
			return refuse("%q does not match its declared size or checksum", f.Path)
		}
		declared[f.Path] = f
	}
	if len(b.Files) != len(declared) {
		return refuse("the archive holds %d files but the manifest declares %d", len(b.Files), len(declared))
	}
	used := map[string]bool{}
	use := func(p string) error {
		if _, ok := declared[p]; !ok {
			return refuse("%q is not a declared file", p)
		}
		if used[p] {
			return refuse("%q is used twice", p)
		}
		used[p] = true
		return nil
	}
	for i := range m.Boards {
		if err := m.Boards[i].check(use); err != nil {
			return err
		}
	}
	return nil
}

// check validates one board of a manifest; use claims a declared file.
func (bb *BundleBoard) check(use func(string) error) error {
	if _, err := shotline.ValidateName("board.title", bb.Title, shotline.MaxTitleLength); err != nil {
		return err
	}
	if err := shotline.ValidateAspectRatio(bb.AspectRatio); err != nil {
		return err
	}
	if len([]rune(bb.Description)) > shotline.MaxDescriptionLength {
		return refuse("board %q: the description is too long", bb.Title)
	}
	if bb.DefaultShotDuration != 0 {
		if err := shotline.ValidateDuration("board.defaultShotDuration", bb.DefaultShotDuration); err != nil {
			return err
		}
	}
	shots := map[string]bool{}
	for _, sh := range bb.Shots {
		if sh.ID == "" || shots[sh.ID] {
			return refuse("board %q: a shot id is empty or repeated", bb.Title)
		}
		shots[sh.ID] = true
		if err := shotline.ValidateDuration("shot.duration", sh.Duration); err != nil {
			return err
		}
		if sh.AspectRatio != "" {
			if err := shotline.ValidateAspectRatio(sh.AspectRatio); err != nil {
				return err
			}
		}
		switch sh.Status {
		case "", shotline.ShotDraft, shotline.ShotApproved, shotline.ShotChangesRequested:
		default:
			return refuse("shot %q: unknown status %q", sh.ID, sh.Status)
		}
		switch sh.Review {
		case "", "none", "approved", "changes_requested":
		default:
			return refuse("shot %q: unknown review status %q", sh.ID, sh.Review)
		}
		if len(sh.Settings) > 0 && !json.Valid(sh.Settings) {
			return refuse("shot %q: settings are not JSON", sh.ID)
		}
	}
	comments := map[string]bool{}
	for _, c := range bb.Comments {
		if c.ID == "" || comments[c.ID] || !shots[c.ShotID] || (c.ParentID != "" && !comments[c.ParentID]) {
			return refuse("board %q: comment %q is repeated or points at nothing", bb.Title, c.ID)
		}
		comments[c.ID] = true
	}
	assets := map[string]bool{}
	for _, a := range bb.Assets {
		if a.ID == "" || assets[a.ID] {
			return refuse("board %q: an asset id is empty or repeated", bb.Title)
		}
		assets[a.ID] = true
		if kind, ok := shotline.AssetKindOf(a.ContentType); !ok || kind != a.Kind {
			return refuse("asset %q: type %q is not accepted", a.Name, a.ContentType)
		}
		if err := shotline.ValidateAssetName(a.Name); err != nil {
			return err
		}
		if len(a.ShotIDs) == 0 {
			return refuse("asset %q is attached to no shot", a.Name)
		}
		for _, id := range a.ShotIDs {
			if !shots[id] {
				return refuse("asset %q is attached to an unknown shot", a.Name)
			}
		}
		if err := use(a.File); err != nil {
			return err
		}
		if a.Thumb != "" {
			if err := use(a.Thumb); err != nil {
				return err
			}
		}
	}
	for _, r := range bb.Renders {
		if r.ID == "" || !shots[r.ShotID] {
			return refuse("board %q: render %q points at no shot", bb.Title, r.ID)
		}
		if err := use(r.File); err != nil {
			return err
		}
	}
	return nil
}

// ImportTarget stores what an import makes.
type ImportTarget interface {
	// CreateProject creates an empty project and returns its id.
	CreateProject(ctx context.Context, workspaceID, name string) (string, error)
	// CreateBoard creates a board with its shots and comments (already
	// given new ids) in the project and returns its id.
	CreateBoard(ctx context.Context, workspaceID, projectID, userID string, b *Board) (string, error)
	// RecordRender stores a finished render (j.State succeeded, its video
	// stored at j.ResultKey), setting its expiry from the workspace's
	// retention.
	RecordRender(ctx context.Context, j *shotline.RenderJob) error
	// DeleteRender forgets a render RecordRender stored.
	DeleteRender(ctx context.Context, j *shotline.RenderJob) error
	// DeleteProject deletes a project and its boards.
	DeleteProject(ctx context.Context, projectID string) error
}

// Importer imports bundles into a workspace.
type Importer struct {
	Target  ImportTarget
	Assets  shotline.AssetStore
	Objects shotline.ObjectStore
	Limits  ImportLimits
	Quota   int64 // the workspace storage quota the files count against
	// AssetKey and RenderKey say where an imported file is stored.
	AssetKey  func(workspaceID, boardID, assetID string) string
	RenderKey func(j *shotline.RenderJob) string
	Now       func() time.Time
}

// ImportReport says what an import made.
type ImportReport struct {
	ProjectID   string              `json:"projectId"`
	ProjectName string              `json:"projectName"`
	Boards      []ImportBoardReport `json:"boards"`
	Files       int                 `json:"files"`
	Bytes       int64               `json:"bytes"`
}

// ImportBoardReport is one imported board.
type ImportBoardReport struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Shots    int    `json:"shots"`
	Comments int    `json:"comments"`
	Assets   int    `json:"assets"`
	Renders  int    `json:"renders"`
}

// importRun tracks what an import stored, to undo it on failure.
type importRun struct {
	im        *Importer
	src       io.ReaderAt // the archive
	ws, user  string
	projectID string
	objects   []string
	assets    []string
	renders   []*shotline.RenderJob
	reserved  int64
}

// ImportProgressFunc hears how far an import is: its phase and the
// counters of that phase (the ImportProgress's other fields are not set).
// It is called often (for every 4 MiB stored); throttle what it does.
type ImportProgressFunc func(shotline.ImportProgress)

// Import checks the bundle (ReadBundle), then stores it in the workspace
// as a new project with new ids everywhere: its boards, shots, comments,
// reference files and renders, files checked against their declared
// sizes and checksums as they are copied. Anything that fails undoes
// everything stored so far: nothing is left half imported. progress hears
// the phases checking, then storing with bytes and files done of the
// bundle's total.
func (im *Importer) Import(ctx context.Context, workspaceID, userID string, r io.ReaderAt, size int64, progress ImportProgressFunc) (*ImportReport, error) {
	progress(shotline.ImportProgress{Phase: shotline.ImportChecking, Total: size})
	b, err := ReadBundle(r, size, im.Limits)
	if err != nil {
		return nil, err
	}
	run := &importRun{im: im, ws: workspaceID, user: userID, src: r}
	rep, err := run.store(ctx, b, progress)
	if err != nil {
		if uerr := run.undo(context.WithoutCancel(ctx)); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo import: %w", uerr))
		}
		return nil, err
	}
	return rep, nil
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now().UTC()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (run *importRun) store(ctx context.Context, b *Bundle, progress ImportProgressFunc) (*ImportReport, error) {
	im := run.im
	if err := im.Assets.Reserve(ctx, run.ws, b.Bytes, im.Quota); err != nil {
		return nil, err
	}
	run.reserved = b.Bytes
	m := &b.Manifest
	var err error
	if run.projectID, err = im.Target.CreateProject(ctx, run.ws, m.Project.Name); err != nil {
		return nil, err
	}
	rep := &ImportReport{ProjectID: run.projectID, ProjectName: m.Project.Name, Boards: []ImportBoardReport{}}
	sums := map[string]string{}
	for _, f := range m.Files {
		sums[f.Path] = f.SHA256
	}
	now := shotline.ImportProgress{Phase: shotline.ImportStoring, Total: b.Bytes, FilesTotal: len(b.Files)}
	progress(now)
	put := func(file, key, contentType string) error {
		zf := b.Files[file]
		if err := run.copy(ctx, zf, key, contentType, sums[file], func(n int64) {
			now.Done += n
			progress(now)
		}); err != nil {
			return err
		}
		rep.Files++
		now.Files = rep.Files
		progress(now)
		return nil
	}
	for _, bb := range m.Boards {
		br, err := run.board(ctx, &bb, put)
		if err != nil {
			return nil, err
		}
		rep.Boards = append(rep.Boards, br)
	}
	rep.Bytes = b.Bytes
	return rep, nil
}

// board stores one board: new ids for it, its shots and comments, then its
// files.
func (run *importRun) board(ctx context.Context, bb *BundleBoard, put func(file, key, contentType string) error) (ImportBoardReport, error) {
	im := run.im
	shotIDs, commentIDs := map[string]string{}, map[string]string{}
	nb := bb.Board
	nb.Shots = make([]Shot, len(bb.Shots))
	for i, sh := range bb.Shots {
		shotIDs[sh.ID] = newID()
		sh.ID = shotIDs[sh.ID]
		nb.Shots[i] = sh
	}
	nb.Comments = make([]Comment, len(bb.Comments))
	for i, c := range bb.Comments {
		commentIDs[c.ID] = newID()
		c.ID, c.ShotID = commentIDs[c.ID], shotIDs[c.ShotID]
		if c.ParentID != "" {
			c.ParentID = commentIDs[c.ParentID]
		}
		nb.Comments[i] = c
	}
	boardID, err := im.Target.CreateBoard(ctx, run.ws, run.projectID, run.user, &nb)
	if err != nil {
		return ImportBoardReport{}, err
	}
	rep := ImportBoardReport{ID: boardID, Title: nb.Title, Shots: len(nb.Shots), Comments: len(nb.Comments)}
	for _, a := range bb.Assets {
		id := newID()
		na := &shotline.Asset{ID: id, WorkspaceID: run.ws, BoardID: boardID, ShotID: shotIDs[a.ShotIDs[0]], Kind: a.Kind,
			ContentType: a.ContentType, Size: a.Size, Name: a.Name, ObjectKey: im.AssetKey(run.ws, boardID, id), CreatedBy: run.user, CreatedAt: im.now()}
		if err := put(a.File, na.ObjectKey, a.ContentType); err != nil {
			return rep, err
		}
		if a.Thumb != "" {
			na.ThumbKey = na.ObjectKey + ".thumb.jpg"
			if err := put(a.Thumb, na.ThumbKey, "image/jpeg"); err != nil {
				return rep, err
			}
		}
		if err := im.Assets.CreateAsset(ctx, na); err != nil {
			return rep, err
		}
		run.assets = append(run.assets, id)
		for _, sid := range a.ShotIDs[1:] {
			if err := im.Assets.AttachAsset(ctx, boardID, shotIDs[sid], id); err != nil {
				return rep, err
			}
		}
		rep.Assets++
	}
	numbers := map[string]int{}
	for i, sh := range nb.Shots {
		numbers[sh.ID] = i + 1
	}
	for _, r := range bb.Renders {
		shotID := shotIDs[r.ShotID]
		settings := r.Settings
		if settings == "" {
			settings = "{}"
		}
		j := &shotline.RenderJob{ID: newID(), WorkspaceID: run.ws, BoardID: boardID, ShotID: shotID, ShotNumber: numbers[shotID],
			Title: r.Title, Prompt: r.Prompt, Notes: r.Notes, Duration: r.Duration, AspectRatio: r.AspectRatio, Resolution: r.Resolution,
			Provider: r.Provider, Model: r.Model, Settings: settings, References: []string{}, State: shotline.JobSucceeded, Progress: 1,
			ResultSize: r.Size, CreatedBy: run.user, CreatedAt: r.CreatedAt, FinishedAt: im.now()}
		j.ResultKey = im.RenderKey(j)
		if err := put(r.File, j.ResultKey, "video/mp4"); err != nil {
			return rep, err
		}
		if err := im.Target.RecordRender(ctx, j); err != nil {
			return rep, err
		}
		run.renders = append(run.renders, j)
		rep.Renders++
	}
	return rep, nil
}

// progressWriter tells stored how many bytes went through it, in steps
// of at least progressStep.
type progressWriter struct {
	stored  func(int64)
	pending int64
}

const progressStep = 4 << 20

func (w *progressWriter) Write(p []byte) (int, error) {
	w.pending += int64(len(p))
	if w.pending >= progressStep {
		w.stored(w.pending)
		w.pending = 0
	}
	return len(p), nil
}

func (w *progressWriter) flush() {
	if w.pending > 0 {
		w.stored(w.pending)
		w.pending = 0
	}
}

// countingSection is a stored file's bytes in the archive, telling stored
// how many bytes were read (minio-go reads parts of it at once).
type countingSection struct {
	*io.SectionReader
	mu     sync.Mutex
	stored *progressWriter
}

func (c *countingSection) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.SectionReader.ReadAt(p, off)
	c.mu.Lock()
	_, _ = c.stored.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// copy stores one file of the archive at key, checking its size and
// checksum, and telling stored how many bytes it stored. A stored (not
// compressed) file, as a bundle's media are, is checked in one pass over
// its bytes in the archive and uploaded from there in another: an
// io.ReaderAt, which the object store client uploads in parts without
// buffering them (docs/benchmarks.md). A compressed one streams through
// the decompressor, checked as it goes.
func (run *importRun) copy(ctx context.Context, zf *zip.File, key, contentType, sum string, stored func(int64)) error {
	if zf.Method == zip.Store && zf.Flags&0x1 == 0 {
		return run.copyStored(ctx, zf, key, contentType, sum, stored)
	}
	return run.copyStream(ctx, zf, key, contentType, sum, stored)
}

func (run *importRun) copyStored(ctx context.Context, zf *zip.File, key, contentType, sum string, stored func(int64)) error {
	off, err := zf.DataOffset()
	if err != nil {
		return refuse("%q cannot be read", zf.Name)
	}
	size := int64(zf.UncompressedSize64)
	h, crc := sha256.New(), crc32.NewIEEE()
	if n, err := io.Copy(io.MultiWriter(h, crc), io.NewSectionReader(run.src, off, size)); err != nil || n != size {
		return refuse("%q is damaged or shorter than declared", zf.Name)
	}
	if crc.Sum32() != zf.CRC32 {
		return refuse("%q is damaged", zf.Name)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return refuse("%q does not match its checksum", zf.Name)
	}
	run.objects = append(run.objects, key)
	pw := &progressWriter{stored: stored}
	defer pw.flush()
	if err := run.im.Objects.Put(ctx, key, &countingSection{SectionReader: io.NewSectionReader(run.src, off, size), stored: pw}, size, contentType); err != nil {
		return fmt.Errorf("store %s: %w", zf.Name, err)
	}
	return nil
}

func (run *importRun) copyStream(ctx context.Context, zf *zip.File, key, contentType, sum string, stored func(int64)) error {
	rc, err := zf.Open()
	if err != nil {
		return refuse("%q cannot be read", zf.Name)
	}
	defer rc.Close()
	h := sha256.New()
	run.objects = append(run.objects, key)
	size := int64(zf.UncompressedSize64)
	pw := &progressWriter{stored: stored}
	defer pw.flush()
	if err := run.im.Objects.Put(ctx, key, io.TeeReader(io.LimitReader(rc, size), io.MultiWriter(h, pw)), size, contentType); err != nil {
		if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return refuse("%q is damaged", zf.Name)
		}
		return fmt.Errorf("store %s: %w", zf.Name, err)
	}
	// Read to the end so that archive/zip checks the file's CRC-32.
	if n, err := io.Copy(io.Discard, rc); n != 0 || err != nil {
		return refuse("%q is damaged or longer than declared", zf.Name)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return refuse("%q does not match its checksum", zf.Name)
	}
	return nil
}

// undo removes what the run stored, in reverse: renders, assets, objects,
// the project (with its boards), and the reserved bytes.
func (run *importRun) undo(ctx context.Context) error {
	im := run.im
	var errs []error
	for _, j := range run.renders {
		errs = append(errs, im.Target.DeleteRender(ctx, j))
	}
	for _, id := range run.assets {
		errs = append(errs, im.Assets.DeleteAsset(ctx, id))
	}
	for _, key := range run.objects {
		errs = append(errs, im.Objects.Remove(ctx, key))
	}
	if run.projectID != "" {
		errs = append(errs, im.Target.DeleteProject(ctx, run.projectID))
	}
	if run.reserved > 0 {
		errs = append(errs, im.Assets.Reserve(ctx, run.ws, -run.reserved, 0))
	}
	return errors.Join(errs...)
}
