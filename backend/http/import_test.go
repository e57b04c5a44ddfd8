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
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

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
	// Random bytes: the bundle must not compress below the 8 KiB that
	// fasthttp reads before the handler runs.
	noise := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	a, b := append([]byte("\x89PNG first "), noise(300<<10)...), append([]byte("\x89PNG second"), noise(200<<10)...)
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

	r := owner.do("POST", "/api/workspaces/"+ws+"/imports", data).must(t, 201)
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
	r = owner.do("POST", "/api/workspaces/"+ws2+"/imports", damaged)
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

// TestImportReportsItsProgress follows an import under a progress id: while
// its bundle arrives, its progress is readable (by its user only) with the
// bundle's size as total; it then goes through checking and storing (the
// unpacked bytes and the files), and ends with the import's answer.
func TestImportReportsItsProgress(t *testing.T) {
	rec := &recordedProgress{}
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
	id := uuid.NewString()
	owner.do("POST", "/api/workspaces/"+ws+"/imports?progress=not-a-uuid", minimalBundle()).wantError(t, 422, shotline.EINVALID)

	// The bundle arrives in two halves; between them the import is seen
	// receiving.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	answer := make(chan *response, 1)
	go func() {
		answer <- rawRequest(t, owner, base, "POST", "/api/workspaces/"+ws+"/imports?progress="+id, pr, int64(len(data)))
	}()
	if _, err := pw.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	var running, last *response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r := owner.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil); r.Status == 200 {
			running = r
			break
		} else {
			last = r
		}
	}
	if running == nil {
		select {
		case r := <-answer:
			t.Fatalf("the import answered before its bundle arrived: %d %s", r.Status, r.Body)
		default:
		}
		t.Fatalf("the running import's progress is not readable: %d %s", last.Status, last.Body)
	}
	if got, want := running.Str("phase"), "receiving"; got != want {
		t.Errorf("phase while the bundle arrives = %q, want %q", got, want)
	}
	var seen shotline.ImportProgress
	if err := json.Unmarshal(running.Body, &seen); err != nil {
		t.Fatal(err)
	}
	if got, want := seen.Total, int64(len(data)); got != want {
		t.Errorf("total while the bundle arrives = %v, want the bundle's %v bytes", got, want)
	}
	// Another member of the workspace does not see it; the id cannot be
	// taken twice.
	admin.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).wantError(t, 404, shotline.ENOTFOUND)
	owner.do("POST", "/api/workspaces/"+ws+"/imports?progress="+id, minimalBundle()).wantError(t, 409, shotline.ECONFLICT)

	if _, err := pw.Write(data[len(data)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-answer
	r.must(t, 201)
	if got := r.Str("projectName"); got != "Progress" {
		t.Errorf("report: %s", r.Body)
	}
	owner.do("GET", "/api/workspaces/"+ws+"/imports/"+id, nil).wantError(t, 404, shotline.ENOTFOUND)

	// Each phase was stored as it began, in order, with its totals.
	var order []shotline.ImportPhase
	var storing *shotline.ImportProgress
	for _, p := range rec.phases() {
		if len(order) == 0 || order[len(order)-1] != p.Phase {
			order = append(order, p.Phase)
		}
		if p.Phase == shotline.ImportStoring && storing == nil {
			storing = &p
		}
	}
	if got, want := fmt.Sprint(order), fmt.Sprint([]shotline.ImportPhase{shotline.ImportReceiving, shotline.ImportChecking, shotline.ImportStoring}); got != want {
		t.Errorf("phases = %s, want %s", got, want)
	}
	if storing == nil || storing.Total != unpacked || storing.FilesTotal != 2 {
		t.Errorf("storing = %+v, want total %d bytes and 2 files", storing, unpacked)
	}
}

// TestImportStreamsTheBundleToAFile: the bundle goes to a file, not to
// memory, and the import limit is enforced as it arrives: a bundle of no
// declared length is refused once it passes the limit, one that declares
// more at once; neither leaves a file or a project behind.
func TestImportStreamsTheBundleToAFile(t *testing.T) {
	dir := t.TempDir()
	s := newServer(t, shttp.Config{ImportLimit: 1 << 20, ImportDir: dir})
	base := s.serve(t)
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")

	big := strings.Repeat("x", 3<<20)
	for _, tc := range []struct {
		name string
		size int64
	}{{"chunked", -1}, {"declared", int64(len(big))}} {
		t.Run(tc.name, func(t *testing.T) {
			r := rawRequest(t, owner, base, "POST", "/api/workspaces/"+ws+"/imports", strings.NewReader(big), tc.size)
			if r.Status == 0 && tc.size < 0 {
				t.Skipf("the server closed before the client had sent its body: %s", r.Body)
			}
			r.wantError(t, 413, shotline.ETOOLARGE)
			if !strings.Contains(r.Str("message"), "1.0 MiB") {
				t.Errorf("message: %s", r.Body)
			}
		})
	}
	// A bundle that fits, sent chunked, imports.
	rawRequest(t, owner, base, "POST", "/api/workspaces/"+ws+"/imports", bytes.NewReader(minimalBundle()), -1).must(t, 201)
	// Nothing is left in the import directory.
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("import directory holds %d entries (%v), want none", len(entries), err)
	}
	// The other routes still refuse a body over the body limit.
	r := rawRequest(t, owner, base, "POST", "/api/workspaces", strings.NewReader(`{"name":"`+strings.Repeat("x", 2<<20)+`"}`), -1)
	if r.Status != 0 {
		r.wantError(t, 413, shotline.ETOOLARGE)
	}
}
