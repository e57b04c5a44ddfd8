package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// recordedProgress keeps every progress an import stores, over the real
// store.
type recordedProgress struct {
	shotline.ImportProgressStore
	mu   sync.Mutex
	seen []shotline.ImportProgress
}

func (r *recordedProgress) CreateImportProgress(ctx context.Context, p *shotline.ImportProgress) error {
	r.record(p)
	return r.ImportProgressStore.CreateImportProgress(ctx, p)
}

func (r *recordedProgress) SetImportProgress(ctx context.Context, p *shotline.ImportProgress) error {
	r.record(p)
	return r.ImportProgressStore.SetImportProgress(ctx, p)
}

func (r *recordedProgress) record(p *shotline.ImportProgress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, *p)
}

func (r *recordedProgress) phases() []shotline.ImportProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]shotline.ImportProgress(nil), r.seen...)
}

// rawRequest sends body to path over the server's socket as c, with
// Content-Length size (-1: chunked).
func rawRequest(t *testing.T, c *client, base, method, path string, body io.Reader, size int64) *response {
	t.Helper()
	req, err := nethttp.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/zip")
	req.Header.Set("X-CSRF-Token", c.csrf)
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		return &response{Status: 0, Body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &response{Status: resp.StatusCode, Body: data}
}

// twoFileBundle is a valid bundle of one board with two reference images,
// compressed.
func twoFileBundle() ([]byte, int64) {
	data, size, _ := twoFileBundleAs(zip.Deflate)
	return data, size
}

// twoFileBundleAs is twoFileBundle with its files stored by method, and the
// files' bytes.
func twoFileBundleAs(method uint16) ([]byte, int64, [][]byte) {
	return twoFileBundleOf(method, 300<<10, 200<<10)
}

// twoFileBundleOf is twoFileBundleAs with files of about n1 and n2 bytes.
func twoFileBundleOf(method uint16, n1, n2 int) ([]byte, int64, [][]byte) {
	// Random bytes: the bundle must not compress below the 8 KiB that
	// fasthttp reads before the handler runs.
	noise := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	a, b := append([]byte("\x89PNG first "), noise(n1)...), append([]byte("\x89PNG second"), noise(n2)...)
	asset := func(id, file string, data []byte) map[string]any {
		return map[string]any{"id": id, "shotIds": []string{"s1"}, "kind": "image", "contentType": "image/png", "name": id + ".png",
			"size": len(data), "file": file, "createdAt": time.Now().UTC()}
	}
	man := map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": time.Now().UTC(), "project": map[string]any{"name": "Progress"},
		"files": []any{
			map[string]any{"path": "a1", "size": len(a), "sha256": fmt.Sprintf("%x", sha256Sum(a))},
			map[string]any{"path": "a2", "size": len(b), "sha256": fmt.Sprintf("%x", sha256Sum(b))},
		},
		"boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "comments": []any{}, "renders": []any{},
			"shots": []any{map[string]any{"id": "s1", "position": "a0", "number": 1, "title": "One", "prompt": "", "notes": "",
				"duration": 2, "aspectRatio": "16:9", "status": "draft", "review": "none", "provider": "", "model": "", "settings": map[string]any{}}},
			"assets": []any{asset("x1", "a1", a), asset("x2", "a2", b)}}}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"a1", a}, {"a2", b}} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		_, _ = w.Write(f.data)
	}
	w, _ := zw.Create(export.ManifestName)
	_ = json.NewEncoder(w).Encode(man)
	_ = zw.Close()
	return buf.Bytes(), int64(len(a) + len(b)), [][]byte{a, b}
}

// TestImportOfStoredFiles: files stored uncompressed, as exported bundles
// hold media, are checked (CRC-32 and SHA-256) and copied from the archive
// as they are; one damaged inside the archive is refused and nothing of the
// import is left.
func TestImportOfStoredFiles(t *testing.T) {
	s := newServer(t, shttp.Config{})
	ctx := context.Background()
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	data, size, files := twoFileBundleAs(zip.Store)

	r := importBundle(t, owner, ws, data).must(t, 201)
	var rep export.ImportReport
	if err := json.Unmarshal(r.Body, &rep); err != nil || rep.Files != 2 || rep.Bytes != size || len(rep.Boards) != 1 {
		t.Fatalf("report %s (%v)", r.Body, err)
	}
	refs, err := s.assets.Store.BoardAssets(ctx, rep.Boards[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for _, ids := range refs {
		for _, id := range ids {
			a, err := s.assets.Store.FindAsset(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := s.assets.Objects.Get(ctx, a.ObjectKey)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
	}
	if len(got) != 2 || !(bytes.Equal(got[0], files[0]) && bytes.Equal(got[1], files[1]) || bytes.Equal(got[0], files[1]) && bytes.Equal(got[1], files[0])) {
		t.Errorf("stored %d files, not the bundle's bytes", len(got))
	}

	// A byte of the second file flipped inside the archive: its CRC-32 no
	// longer matches.
	ws2 := owner.do("POST", "/api/workspaces", map[string]any{"name": "W2"}).must(t, 201).Str("id")
	damaged := bytes.Clone(data)
	i := bytes.Index(damaged, files[1][:16])
	if i < 0 {
		t.Fatal("the stored file is not in the archive as is")
	}
	damaged[i+len(files[1])/2] ^= 0xff
	r = importBundle(t, owner, ws2, damaged)
	r.wantError(t, 422, shotline.EINVALID)
	if !strings.Contains(r.Str("message"), `"a2" is damaged`) {
		t.Errorf("message: %s", r.Body)
	}
	var list struct{ Projects []any }
	_ = json.Unmarshal(owner.do("GET", "/api/workspaces/"+ws2+"/projects", nil).must(t, 200).Body, &list)
	if len(list.Projects) != 0 {
		t.Errorf("%d projects after a refused import, want 0", len(list.Projects))
	}
	if used, err := s.assets.Store.Usage(ctx, ws2); err != nil || used != 0 {
		t.Errorf("usage after a refused import = %d (%v), want 0", used, err)
	}
}

// heldProgress is a recordedProgress that, once, holds the import when it
// stores phase: the import waits until release is closed.
type heldProgress struct {
	recordedProgress
	phase   shotline.ImportPhase
	held    chan struct{}
	release chan struct{}
	once    sync.Once
}

func (h *heldProgress) SetImportProgress(ctx context.Context, p *shotline.ImportProgress) error {
	err := h.recordedProgress.SetImportProgress(ctx, p)
	if p.Phase == h.phase {
		h.once.Do(func() {
			close(h.held)
			<-h.release
		})
	}
	return err
}

// TestImportReportsItsProgress follows an import: its bundle is uploaded in
// parts; no progress is readable before it is completed; while it runs its
// progress is readable (by its user only) under the import's id, a second
// completion is refused, and it goes through receiving (the bundle copied
// from the object store, the bundle's size as total), checking and storing
// (the unpacked bytes and the files); it ends with the import's answer,
// after which the import is gone.
func TestImportReportsItsProgress(t *testing.T) {
	rec := &heldProgress{phase: shotline.ImportChecking, held: make(chan struct{}), release: make(chan struct{})}
	wrapImportProgress = func(s shotline.ImportProgressStore) shotline.ImportProgressStore {
		rec.ImportProgressStore = s
		return rec
	}
	s := newServer(t, shttp.Config{ImportDir: t.TempDir()})
	wrapImportProgress = nil
	base := s.serve(t)
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	admin := s.signUp(t, "Admin")
	owner.do("POST", "/api/workspaces/"+ws+"/members", map[string]any{"email": admin.email(), "role": "admin"}).must(t, 201)

	data, unpacked := twoFileBundle()
	id, partSize := beginImport(t, owner, ws, len(data))
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		owner.doRaw("PUT", fmt.Sprintf("/api/workspaces/%s/imports/%s/parts/%d", ws, id, n), data[off:min(off+partSize, len(data))]).must(t, 204)
	}
	owner.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).wantError(t, 404, shotline.ENOTFOUND)

	answer := make(chan *response, 1)
	go func() {
		answer <- rawRequest(t, owner, base, "POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil, 0)
	}()
	t.Cleanup(func() {
		select {
		case <-rec.release:
		default:
			close(rec.release)
		}
	})
	select {
	case <-rec.held:
	case r := <-answer:
		t.Fatalf("the import answered without checking: %d %s", r.Status, r.Body)
	case <-time.After(10 * time.Second):
		t.Fatal("the import did not reach checking")
	}
	running := owner.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).must(t, 200)
	if got, want := running.Str("phase"), "checking"; got != want {
		t.Errorf("phase = %q, want %q", got, want)
	}
	// Another member of the workspace does not see it; it cannot be
	// completed twice.
	admin.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).wantError(t, 404, shotline.ENOTFOUND)
	owner.do("POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil).wantError(t, 409, shotline.ECONFLICT)
	close(rec.release)

	r := <-answer
	r.must(t, 201)
	if got := r.Str("projectName"); got != "Progress" {
		t.Errorf("report: %s", r.Body)
	}
	owner.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).wantError(t, 404, shotline.ENOTFOUND)
	owner.do("POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil).wantError(t, 404, shotline.ENOTFOUND)

	// Each phase was stored as it began, in order, with its totals.
	var order []shotline.ImportPhase
	var receiving, storing *shotline.ImportProgress
	for _, p := range rec.phases() {
		if len(order) == 0 || order[len(order)-1] != p.Phase {
			order = append(order, p.Phase)
		}
		if p.Phase == shotline.ImportReceiving && receiving == nil {
			receiving = &p
		}
		if p.Phase == shotline.ImportStoring && storing == nil {
			storing = &p
		}
	}
	if got, want := fmt.Sprint(order), fmt.Sprint([]shotline.ImportPhase{shotline.ImportReceiving, shotline.ImportChecking, shotline.ImportStoring}); got != want {
		t.Errorf("phases = %s, want %s", got, want)
	}
	if receiving == nil || receiving.Total != int64(len(data)) {
		t.Errorf("receiving = %+v, want total %d bytes (the bundle's)", receiving, len(data))
	}
	if storing == nil || storing.Total != unpacked || storing.FilesTotal != 2 {
		t.Errorf("storing = %+v, want total %d bytes and 2 files", storing, unpacked)
	}
}

// TestImportUploadRoutes: the bundle's upload refuses at once a bundle
// over the import limit, and parts of the wrong number or size; only the
// user who began an import can send its parts, complete or abort it (404
// for anyone else); an abort leaves nothing, and so does a completed
// import: no object, no multipart upload, no record, no reserved byte, no
// temporary file.
func TestImportUploadRoutes(t *testing.T) {
	dir := t.TempDir()
	s := newServer(t, shttp.Config{ImportLimit: 12 << 20, ImportDir: dir})
	ctx := context.Background()
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	admin := s.signUp(t, "Admin")
	owner.do("POST", "/api/workspaces/"+ws+"/members", map[string]any{"email": admin.email(), "role": "admin"}).must(t, 201)
	path := func(id string) string { return "/api/workspaces/" + ws + "/imports/" + id }
	nothingLeft := func(t *testing.T, id string) {
		t.Helper()
		if _, err := s.assets.Store.FindUpload(ctx, id); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Errorf("upload record: %v, want ENOTFOUND", err)
		}
		if _, err := s.assets.Objects.Size(ctx, asset.BundleKey(ws, id)); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Errorf("bundle object: %v, want ENOTFOUND", err)
		}
		if used, err := s.assets.Store.Usage(ctx, ws); err != nil || used != 0 {
			t.Errorf("usage = %d (%v), want 0", used, err)
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("import directory holds %d entries (%v), want none", len(entries), err)
		}
	}

	r := owner.do("POST", "/api/workspaces/"+ws+"/imports", map[string]any{"size": 13 << 20})
	r.wantError(t, 413, shotline.ETOOLARGE)
	if !strings.Contains(r.Str("message"), "12.0 MiB") {
		t.Errorf("message: %s", r.Body)
	}
	owner.do("POST", "/api/workspaces/"+ws+"/imports", map[string]any{"size": 0}).wantError(t, 422, shotline.EINVALID)

	data := bytes.Repeat([]byte("not a zip, "), (7<<20)/11) // two parts of 5 MiB and the rest
	id, partSize := beginImport(t, owner, ws, len(data))
	if used, _ := s.assets.Store.Usage(ctx, ws); used != int64(len(data)) {
		t.Errorf("reserved %d bytes while the bundle uploads, want its %d", used, len(data))
	}
	owner.doRaw("PUT", path(id)+"/parts/3", data[:10]).wantError(t, 422, shotline.EINVALID)
	owner.doRaw("PUT", path(id)+"/parts/1", data[:partSize-1]).wantError(t, 422, shotline.EINVALID)
	owner.doRaw("PUT", path(id)+"/parts/1", data[:partSize]).must(t, 204)
	// A part over the part size is refused by fasthttp before the route.
	if status := oversized(t, s, owner, "PUT", path(id)+"/parts/2", make([]byte, partSize+1)); status != 413 {
		t.Errorf("a part over the part size: %d, want 413", status)
	}
	// Completing with a part missing is refused and keeps the upload.
	owner.do("POST", path(id)+"/complete", nil).wantError(t, 422, shotline.EINVALID)
	// Someone else's import is not found, whatever their role.
	admin.doRaw("PUT", path(id)+"/parts/2", data[partSize:]).wantError(t, 404, shotline.ENOTFOUND)
	admin.do("POST", path(id)+"/complete", nil).wantError(t, 404, shotline.ENOTFOUND)
	admin.do("DELETE", path(id), nil).wantError(t, 404, shotline.ENOTFOUND)
	// An asset's routes do not reach it either.
	_, board := boardFor(t, owner)
	owner.do("POST", "/api/boards/"+board+"/uploads/"+id+"/complete", nil).wantError(t, 404, shotline.ENOTFOUND)
	owner.doRaw("PUT", path(id)+"/parts/2", data[partSize:]).must(t, 204)
	// While its complete copies the bundle out (its progress is kept from
	// the start), it cannot be abandoned: that would fail it half way.
	running := &shotline.ImportProgress{ID: id, WorkspaceID: ws, UserID: owner.userID(), Phase: shotline.ImportReceiving}
	if err := s.ImportProgress.CreateImportProgress(ctx, running); err != nil {
		t.Fatal(err)
	}
	owner.do("DELETE", path(id), nil).wantError(t, 409, shotline.ECONFLICT)
	if err := s.ImportProgress.DeleteImportProgress(ctx, id); err != nil {
		t.Fatal(err)
	}
	owner.do("DELETE", path(id), nil).must(t, 204)
	owner.do("POST", path(id)+"/complete", nil).wantError(t, 404, shotline.ENOTFOUND)
	owner.do("DELETE", path(id), nil).wantError(t, 404, shotline.ENOTFOUND)
	nothingLeft(t, id)

	// A bundle that is no ZIP is refused with its reason, and nothing of
	// it is left.
	id, _ = beginImport(t, owner, ws, len(data))
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		owner.doRaw("PUT", fmt.Sprintf("%s/parts/%d", path(id), n), data[off:min(off+partSize, len(data))]).must(t, 204)
	}
	owner.do("POST", path(id)+"/complete", nil).wantError(t, 422, shotline.EINVALID)
	nothingLeft(t, id)

	// A good one imports, and leaves nothing either.
	r = importBundle(t, owner, ws, minimalBundle()).must(t, 201)
	if r.Str("projectId") == "" {
		t.Errorf("report: %s", r.Body)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("import directory holds %d entries (%v), want none", len(entries), err)
	}
	// The other routes still refuse a body over the body limit.
	if status := oversized(t, s, owner, "POST", "/api/workspaces", []byte(`{"name":"`+strings.Repeat("x", 2<<20)+`"}`)); status != 413 {
		t.Errorf("a body over the body limit: %d, want 413", status)
	}
}

// oversized sends a body fasthttp should refuse before any route runs, and
// returns the status; 413 also when app.Test sees the connection end (as
// fasthttp closes it after refusing a body over its limit).
func oversized(t *testing.T, s *testServer, c *client, method, path string, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-CSRF-Token", c.csrf)
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		if strings.Contains(err.Error(), "body size exceeds the given limit") {
			return 413
		}
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRequestBodiesDoNotStream: with streamed request bodies fasthttp keeps
// every connection's 4 KiB read buffer, WebSockets included, for its life
// (docs/benchmarks.md, "Bundle import: memory"); large files arrive in
// parts instead.
func TestRequestBodiesDoNotStream(t *testing.T) {
	s := newServer(t, shttp.Config{})
	srv := s.App().Server()
	if srv.StreamRequestBody {
		t.Error("StreamRequestBody is on: every open socket would keep its 4 KiB read buffer")
	}
	if !srv.ReduceMemoryUsage {
		t.Error("ReduceMemoryUsage is off: connections keep their buffers between requests")
	}
}

// TestImportPartsReachAnyInstance: two app instances share the database and
// the object store; a bundle begun on one, its parts sent to either, is
// completed on the other.
func TestImportPartsReachAnyInstance(t *testing.T) {
	a := newServer(t, shttp.Config{})
	b := openServer(t, a.dbURI, a.name, shttp.Config{})
	b.assets.Objects, b.Importer.Objects = a.assets.Objects, a.assets.Objects // one object store
	onA := a.signUp(t, "Owner")
	ws := onA.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	onB := b.client(t)
	onB.cookies, onB.csrf = onA.cookies, onA.csrf // the same browser, its requests balanced

	data, size, _ := twoFileBundleOf(zip.Store, 6<<20, 100<<10)
	id, partSize := beginImport(t, onA, ws, len(data))
	if len(data) <= partSize {
		t.Fatalf("the bundle (%d bytes) must take two parts of %d", len(data), partSize)
	}
	onA.doRaw("PUT", "/api/workspaces/"+ws+"/imports/"+id+"/parts/1", data[:partSize]).must(t, 204)
	onB.doRaw("PUT", "/api/workspaces/"+ws+"/imports/"+id+"/parts/2", data[partSize:]).must(t, 204)
	r := onB.do("POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil).must(t, 201)
	var rep export.ImportReport
	if err := json.Unmarshal(r.Body, &rep); err != nil || rep.Files != 2 || rep.Bytes != size {
		t.Fatalf("report %s (%v)", r.Body, err)
	}
	onA.do("POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil).wantError(t, 404, shotline.ENOTFOUND)
}
