package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	content "github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

// bundleZip builds a bundle: the manifest and the files, as given.
func bundleZip(manifest any, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, _ := zw.Create(name)
		_, _ = w.Write(data)
	}
	w, _ := zw.Create(export.ManifestName)
	_ = json.NewEncoder(w).Encode(manifest)
	_ = zw.Close()
	return buf.Bytes()
}

// minimalBundle is a valid bundle of one empty board.
func minimalBundle() []byte {
	return bundleZip(map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": time.Now().UTC(),
		"project": map[string]any{"name": "Imported"}, "files": []any{},
		"boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "shots": []any{}, "comments": []any{}, "assets": []any{}, "renders": []any{}}}}, nil)
}

// runJobs runs the queue's jobs until none is left.
func runJobs(t *testing.T, s *testServer) {
	t.Helper()
	for {
		ran, err := s.worker.RunOne(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := nethttp.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type exportJSON struct {
	ID, Format, State, URL, FileName, Error string
	Size                                    int64
	Progress                                float64
	ExpiresAt                               time.Time
}

func exportsOf(t *testing.T, c *client, path string) map[string]exportJSON {
	t.Helper()
	var out struct{ Exports []exportJSON }
	if err := json.Unmarshal(c.do("GET", path, nil).must(t, 200).Body, &out); err != nil {
		t.Fatal(err)
	}
	m := map[string]exportJSON{}
	for _, e := range out.Exports {
		m[e.Format] = e
	}
	return m
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	return string(out)
}

const longPrompt = "A slow dolly along a rain-soaked street at night, neon reflections rippling in puddles, a lone cyclist crossing " +
	"the frame from left to right while steam rises from a grate; the camera settles on a café window where two old friends " +
	"laugh over coffee, warm light against the cold blue street, shallow depth of field, anamorphic flares, 35 mm film grain. End."

// TestExportsEndToEnd exports a board with a render, a reference image and
// a shot with neither in every format through the API and the workers,
// on the real FerretDB, MinIO and ffmpeg, and checks each file with the
// tools an editor would open it with; then imports the bundle into a
// fresh workspace and compares.
func TestExportsEndToEnd(t *testing.T) {
	s := newServer(t, shttp.Config{})
	ctx := context.Background()
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	uid := owner.userID()
	apply := func(op content.Op) {
		t.Helper()
		if _, err := s.Hub.Apply(ctx, board, uid, shotline.RoleOwner, op); err != nil {
			t.Fatal(err)
		}
	}
	prompts := []string{"=SUM(A1:A9) Crème brûlée, 東京の夜 🎬", longPrompt, "-A title card only"}
	durations := []float64{1.5, 1, 0.5} // 37.5 + 25 + 12.5 frames at 25 fps: rounded per shot, they would not add up
	for i, p := range prompts {
		apply(content.ShotInsert{ShotID: fmt.Sprintf("s%d", i+1), Position: fmt.Sprintf("a%d", i),
			Shot: content.ShotFields{Title: []string{"Café opening", "Street", "Card"}[i], Prompt: p, Notes: "Note " + strconv.Itoa(i+1),
				Duration: durations[i], AspectRatio: "16:9"}})
	}
	apply(content.ShotReviewOp{ShotID: "s1", Status: content.ReviewApproved})
	apply(content.CommentAdd{CommentID: "c1", ShotID: "s1", Body: "Tighter framing here", TimeRange: &content.TimeRange{Start: 0.5, End: 1}})
	apply(content.CommentAdd{CommentID: "c2", ShotID: "s2", Body: "Resolved already"})
	apply(content.CommentResolve{CommentID: "c2"})
	apply(content.BoardSet{Field: content.BoardDefaultProvider, Value: json.RawMessage(`"animatic"`)})

	// s1 gets a render, s2 a reference image, s3 nothing.
	owner.do("POST", "/api/boards/"+board+"/shots/s1/renders", map[string]any{}).must(t, 201)
	runJobs(t, s)
	img := tinyJPEG(t)
	owner.upload(board, "s2", "ref.jpg", img)

	requests := map[string]map[string]any{
		"mp4":    {"resolution": "360p", "fps": 25, "burnIn": true},
		"pdf":    {"perRow": 2, "orientation": "portrait", "paper": "A4"},
		"csv":    {},
		"otio":   {"fps": 25},
		"fcpxml": {"fps": 25},
		"bundle": {},
	}
	ids := map[string]string{}
	for format, opts := range requests {
		r := owner.do("POST", "/api/boards/"+board+"/exports", map[string]any{"format": format, "options": opts, "key": "first-" + format}).must(t, 202)
		ids[format] = r.Str("id")
		if r.Str("state") != "queued" {
			t.Errorf("%s export: %s", format, r.Body)
		}
	}
	// The same request again is the same export, not a second job.
	again := owner.do("POST", "/api/boards/"+board+"/exports", map[string]any{"format": "mp4", "options": requests["mp4"], "key": "first-mp4"}).must(t, 202)
	if again.Str("id") != ids["mp4"] {
		t.Errorf("a repeated request made export %s, want %s", again.Str("id"), ids["mp4"])
	}
	runJobs(t, s)
	list := exportsOf(t, owner, "/api/boards/"+board+"/exports")
	if len(list) != len(requests) {
		t.Fatalf("%d exports listed, want %d: %v", len(list), len(requests), list)
	}
	dir := t.TempDir()
	files := map[string]string{}
	for format, e := range list {
		if e.State != "succeeded" || e.URL == "" || e.Size == 0 || e.ExpiresAt.IsZero() || e.Progress != 1 {
			t.Fatalf("%s export: %+v", format, e)
		}
		files[format] = filepath.Join(dir, e.FileName)
		data := fetch(t, e.URL)
		if int64(len(data)) != e.Size {
			t.Errorf("%s: downloaded %d bytes, listed %d", format, len(data), e.Size)
		}
		if err := os.WriteFile(files[format], data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("mp4", func(t *testing.T) {
		out := tool(t, "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
			"stream=width,height,nb_read_frames,r_frame_rate:format=duration", "-of", "json", files["mp4"])
		var probe struct {
			Streams []struct {
				Width, Height int
				Frames        string `json:"nb_read_frames"`
				Rate          string `json:"r_frame_rate"`
			}
			Format struct{ Duration string }
		}
		if err := json.Unmarshal([]byte(out), &probe); err != nil || len(probe.Streams) != 1 {
			t.Fatalf("ffprobe: %v %s", err, out)
		}
		st := probe.Streams[0]
		if st.Width != 640 || st.Height != 360 || st.Rate != "25/1" {
			t.Errorf("video %dx%d at %s, want 640x360 at 25/1", st.Width, st.Height, st.Rate)
		}
		if st.Frames != "75" {
			t.Errorf("%s frames, want 75 (3 s at 25 fps)", st.Frames)
		}
		if d, _ := strconv.ParseFloat(probe.Format.Duration, 64); d < 3-0.001 || d > 3+0.04 {
			t.Errorf("duration %s, want 3 s to the frame", probe.Format.Duration)
		}
	})

	t.Run("pdf", func(t *testing.T) {
		if info := tool(t, "pdfinfo", files["pdf"]); !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(info) {
			t.Errorf("pdfinfo: %s", info)
		}
		text := tool(t, "pdftotext", "-layout", files["pdf"], "-")
		for _, want := range []string{"B", "#1 Café opening", "Crème brûlée", "東京の夜", "#2 Street", "#3 Card", "Page 1 of 1",
			"Review: Approved", "Note 1", "1.5 s", "□", "film…"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "End.") {
			t.Error("the long prompt was not cut to its lines")
		}
		images := tool(t, "pdfimages", "-list", "-f", "1", "-l", "1", files["pdf"])
		if n := len(strings.Split(strings.TrimSpace(images), "\n")) - 2; n != 2 {
			t.Errorf("page 1 has %d images, want 2 (s1's render poster, s2's reference):\n%s", n, images)
		}
	})

	t.Run("csv", func(t *testing.T) {
		data, _ := os.ReadFile(files["csv"])
		if !bytes.HasPrefix(data, []byte("\uFEFF")) {
			t.Fatal("no UTF-8 byte order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(export.ShotListHeader, ",") {
			t.Fatalf("rows: %q", rows)
		}
		for i, row := range rows[1:] {
			if row[0] != strconv.Itoa(i+1) || row[1] != fmt.Sprintf("s%d", i+1) || export.Unneutralize(row[8]) != prompts[i] ||
				row[3] != strconv.FormatFloat(durations[i], 'f', -1, 64) || row[9] != "Note "+strconv.Itoa(i+1) {
				t.Errorf("row %d: %q", i+1, row)
			}
		}
		if rows[1][8][0] != '\'' || rows[3][8][0] != '\'' || rows[2][8][0] == '\'' {
			t.Errorf("formula neutralization: %q %q %q", rows[1][8], rows[2][8], rows[3][8])
		}
		if rows[1][7] != "Approved" || rows[1][16] != "1" || rows[2][16] != "0" || rows[1][15] == "" || rows[2][13] != "ref.jpg" {
			t.Errorf("review, comments, render and references: %q / %q", rows[1], rows[2])
		}
	})

	t.Run("otio", func(t *testing.T) {
		c := jsonschema.NewCompiler()
		sch, err := c.Compile("../export/testdata/otio.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(files["otio"])
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Fatalf("the OTIO file does not validate: %v", err)
		}
		var tl struct {
			Tracks struct {
				Children []struct {
					Children []struct {
						Name        string
						SourceRange struct {
							Duration struct{ Value, Rate float64 }
						} `json:"source_range"`
						Markers []struct{ Comment string }
						Refs    map[string]struct {
							Schema string `json:"OTIO_SCHEMA"`
						} `json:"media_references"`
					}
				}
			}
		}
		data, _ := os.ReadFile(files["otio"])
		if err := json.Unmarshal(data, &tl); err != nil {
			t.Fatal(err)
		}
		clips := tl.Tracks.Children[0].Children
		total := 0.0
		for _, c := range clips {
			total += c.SourceRange.Duration.Value
		}
		if len(clips) != 3 || total != 75 {
			t.Errorf("%d clips of %g frames, want 3 of 75", len(clips), total)
		}
		if len(clips[0].Markers) != 1 || clips[0].Markers[0].Comment != "Tighter framing here" || len(clips[1].Markers) != 0 {
			t.Errorf("markers: %+v", clips)
		}
		if clips[0].Refs["DEFAULT_MEDIA"].Schema != "ExternalReference.1" || clips[2].Refs["DEFAULT_MEDIA"].Schema != "MissingReference.1" {
			t.Errorf("media references: %+v", clips)
		}
	})

	t.Run("fcpxml", func(t *testing.T) {
		data, _ := os.ReadFile(files["fcpxml"])
		var doc struct {
			Spine struct {
				Clips []struct {
					Duration string `xml:"duration,attr"`
					Markers  []struct {
						Value string `xml:"value,attr"`
					} `xml:"marker"`
				} `xml:"asset-clip"`
				Gaps []struct {
					Duration string `xml:"duration,attr"`
				} `xml:"gap"`
			} `xml:"library>event>project>sequence>spine"`
		}
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Spine.Clips) != 1 || doc.Spine.Clips[0].Duration != "38/25s" || len(doc.Spine.Clips[0].Markers) != 1 || len(doc.Spine.Gaps) != 2 {
			t.Errorf("spine: %+v\n%s", doc.Spine, data)
		}
	})

	t.Run("bundle imports into a fresh workspace", func(t *testing.T) {
		other := s.signUp(t, "Other")
		ws2 := other.do("POST", "/api/workspaces", map[string]any{"name": "W2"}).must(t, 201).Str("id")
		data, _ := os.ReadFile(files["bundle"])
		rep := importBundle(t, other, ws2, data).must(t, 201)
		var report export.ImportReport
		_ = json.Unmarshal(rep.Body, &report)
		if len(report.Boards) != 1 || report.Boards[0].Shots != 3 || report.Boards[0].Comments != 2 || report.Boards[0].Assets != 1 || report.Boards[0].Renders != 1 {
			t.Fatalf("report: %s", rep.Body)
		}
		nb := report.Boards[0].ID
		orig, imported := boardContent(t, owner, board), boardContent(t, other, nb)
		if orig != imported {
			t.Errorf("imported board differs:\n got %s\nwant %s", imported, orig)
		}
		if assetBytes(t, owner, board, "s1", "s2") != assetBytes(t, other, nb, "", "") {
			t.Error("the imported reference file differs")
		}
		if renderBytes(t, owner, board) != renderBytes(t, other, nb) {
			t.Error("the imported render differs")
		}
		if got := other.do("GET", "/api/boards/"+nb, nil).must(t, 200).Str("defaultProvider"); got != "animatic" {
			t.Errorf("the imported board's default provider is %q, want the exported board's", got)
		}
	})

	t.Run("project bundle", func(t *testing.T) {
		var b struct{ ProjectID string }
		_ = json.Unmarshal(owner.do("GET", "/api/boards/"+board, nil).must(t, 200).Body, &b)
		owner.do("POST", "/api/projects/"+b.ProjectID+"/exports", map[string]any{"format": "csv"}).wantError(t, 422, shotline.EINVALID)
		owner.do("POST", "/api/projects/"+b.ProjectID+"/exports", map[string]any{"format": "bundle", "key": "project"}).must(t, 202)
		runJobs(t, s)
		e := exportsOf(t, owner, "/api/projects/"+b.ProjectID+"/exports")["bundle"]
		if e.State != "succeeded" || e.FileName != "P.zip" {
			t.Fatalf("project bundle: %+v", e)
		}
		ws3 := owner.do("POST", "/api/workspaces", map[string]any{"name": "W3"}).must(t, 201).Str("id")
		rep := importBundle(t, owner, ws3, fetch(t, e.URL)).must(t, 201)
		var report export.ImportReport
		_ = json.Unmarshal(rep.Body, &report)
		if report.ProjectName != "P" || len(report.Boards) != 1 || report.Boards[0].Shots != 3 || report.Boards[0].Renders != 1 {
			t.Errorf("project bundle import: %s", rep.Body)
		}
	})
}

// boardContent is a board's content without ids, as JSON.
func boardContent(t *testing.T, c *client, board string) string {
	t.Helper()
	var b struct {
		Title    string
		Shots    []content.Shot
		Comments []content.Comment
	}
	if err := json.Unmarshal(c.do("GET", "/api/boards/"+board, nil).must(t, 200).Body, &b); err != nil {
		t.Fatal(err)
	}
	type shot struct {
		Title, Prompt, Notes, Status, Review, AspectRatio string
		Duration                                          float64
	}
	type comment struct {
		Shot     int
		Body     string
		Resolved bool
		Range    *content.TimeRange
	}
	index := map[string]int{}
	var out struct {
		Title    string
		Shots    []shot
		Comments []comment
	}
	out.Title = b.Title
	for i, sh := range b.Shots {
		index[sh.ID] = i
		out.Shots = append(out.Shots, shot{sh.Title, sh.Prompt, sh.Notes, sh.Status, sh.Review.Status, sh.AspectRatio, sh.Duration})
	}
	for _, cm := range b.Comments {
		out.Comments = append(out.Comments, comment{index[cm.ShotID], cm.Body, cm.Resolved, cm.TimeRange})
	}
	return toJSON(out)
}

// assetBytes downloads the board's only reference file.
func assetBytes(t *testing.T, c *client, board string, _ ...string) string {
	t.Helper()
	var list struct {
		Shots map[string][]struct{ URL string }
	}
	_ = json.Unmarshal(c.do("GET", "/api/boards/"+board+"/assets", nil).must(t, 200).Body, &list)
	for _, as := range list.Shots {
		if len(as) == 1 {
			return string(fetch(t, as[0].URL))
		}
	}
	t.Fatalf("no asset on %s", board)
	return ""
}

// renderBytes downloads the board's only render.
func renderBytes(t *testing.T, c *client, board string) string {
	t.Helper()
	var list struct {
		Shots map[string][]struct{ URL string }
	}
	_ = json.Unmarshal(c.do("GET", "/api/boards/"+board+"/renders", nil).must(t, 200).Body, &list)
	for _, rs := range list.Shots {
		if len(rs) == 1 && rs[0].URL != "" {
			return string(fetch(t, rs[0].URL))
		}
	}
	t.Fatalf("no render on %s", board)
	return ""
}

// TestImportRefusedLeavesNothing: a bundle refused before anything is
// stored, and one that fails halfway (a file whose checksum is wrong, read
// after another was stored), both leave the workspace as it was.
func TestImportRefusedLeavesNothing(t *testing.T) {
	s := newServer(t, shttp.Config{ImportLimit: 1 << 20})
	ctx := context.Background()
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	projects := func() int {
		var list struct{ Projects []any }
		_ = json.Unmarshal(owner.do("GET", "/api/workspaces/"+ws+"/projects", nil).must(t, 200).Body, &list)
		return len(list.Projects)
	}

	slip := bundleZip(map[string]any{}, map[string][]byte{"../../escape": []byte("x")})
	importBundle(t, owner, ws, slip).wantError(t, 422, shotline.EINVALID)
	// A bundle over the import limit is refused before any of it is sent.
	r := owner.do("POST", "/api/workspaces/"+ws+"/imports", map[string]any{"size": 2 << 20})
	r.wantError(t, 413, shotline.ETOOLARGE)
	if !strings.Contains(r.Str("message"), "1.0 MiB") {
		t.Errorf("message: %s", r.Body)
	}

	good, bad := []byte("\x89PNG good"), []byte("\x89PNG bad!")
	man := map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": time.Now().UTC(), "project": map[string]any{"name": "Half"},
		"files": []any{
			map[string]any{"path": "a1", "size": len(good), "sha256": fmt.Sprintf("%x", sha256Sum(good))},
			map[string]any{"path": "a2", "size": len(bad), "sha256": fmt.Sprintf("%x", sha256Sum(good))}, // wrong
		},
		"boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "comments": []any{}, "renders": []any{},
			"shots": []any{map[string]any{"id": "s1", "position": "a0", "number": 1, "title": "One", "prompt": "", "notes": "",
				"duration": 2, "aspectRatio": "16:9", "status": "draft", "review": "none", "provider": "", "model": "", "settings": map[string]any{}}},
			"assets": []any{
				map[string]any{"id": "x1", "shotIds": []string{"s1"}, "kind": "image", "contentType": "image/png", "name": "a.png", "size": len(good), "file": "a1", "createdAt": time.Now().UTC()},
				map[string]any{"id": "x2", "shotIds": []string{"s1"}, "kind": "image", "contentType": "image/png", "name": "b.png", "size": len(bad), "file": "a2", "createdAt": time.Now().UTC()},
			}}}}
	r = importBundle(t, owner, ws, bundleZip(man, map[string][]byte{"a1": good, "a2": bad}))
	r.wantError(t, 422, shotline.EINVALID)
	if !strings.Contains(r.Str("message"), "checksum") {
		t.Errorf("message: %s", r.Body)
	}
	if n := projects(); n != 0 {
		t.Errorf("%d projects after refused imports, want 0", n)
	}
	if used, err := s.assets.Store.Usage(ctx, ws); err != nil || used != 0 {
		t.Errorf("usage after refused imports = %d (%v), want 0", used, err)
	}

	// A field the board's ops would refuse (a prompt over 20,000
	// characters) is found once the project exists: it is undone too.
	long := map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": time.Now().UTC(), "project": map[string]any{"name": "Long"},
		"files": []any{}, "boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "comments": []any{}, "renders": []any{}, "assets": []any{},
			"shots": []any{map[string]any{"id": "s1", "position": "a0", "number": 1, "title": "One", "prompt": strings.Repeat("x", 20001), "notes": "",
				"duration": 2, "aspectRatio": "16:9", "status": "draft", "review": "none", "provider": "", "model": "", "settings": map[string]any{}}}}}}
	r = importBundle(t, owner, ws, bundleZip(long, nil))
	r.wantError(t, 422, shotline.EINVALID)
	if !strings.Contains(r.Str("message"), "prompt") {
		t.Errorf("message: %s", r.Body)
	}
	if n := projects(); n != 0 {
		t.Errorf("%d projects after refused imports, want 0", n)
	}

	importBundle(t, owner, ws, minimalBundle()).must(t, 201)
	if n := projects(); n != 1 {
		t.Errorf("%d projects after an import, want 1", n)
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// TestImportOfBinaryBytes: a bundle is bytes, not JSON: a file full of '{'
// imports (the JSON depth check is for JSON bodies only).
func TestImportOfBinaryBytes(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	png := append([]byte("\x89PNG"), bytes.Repeat([]byte("{["), 200)...)
	man := map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": time.Now().UTC(), "project": map[string]any{"name": "Braces"},
		"files": []any{map[string]any{"path": "a1", "size": len(png), "sha256": fmt.Sprintf("%x", sha256Sum(png))}},
		"boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "comments": []any{}, "renders": []any{},
			"shots": []any{map[string]any{"id": "s1", "position": "a0", "number": 1, "title": "One", "prompt": "", "notes": "",
				"duration": 2, "aspectRatio": "16:9", "status": "draft", "review": "none", "provider": "", "model": "", "settings": map[string]any{}}},
			"assets": []any{map[string]any{"id": "x1", "shotIds": []string{"s1"}, "kind": "image", "contentType": "image/png", "name": "a.png",
				"size": len(png), "file": "a1", "createdAt": time.Now().UTC()}}}}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a1", Method: zip.Store})
	_, _ = w.Write(png)
	w, _ = zw.Create(export.ManifestName)
	_ = json.NewEncoder(w).Encode(man)
	_ = zw.Close()
	rep := importBundle(t, owner, ws, buf.Bytes()).must(t, 201)
	if !strings.Contains(string(rep.Body), `"assets":1`) {
		t.Errorf("report: %s", rep.Body)
	}
	// A JSON body is still checked.
	owner.do("POST", "/api/workspaces", strings.Repeat("[", 40)+strings.Repeat("]", 40)).wantError(t, 422, shotline.EINVALID)
}

// TestExportsOfShareLinks: a share link's guest exports only where the
// link allows downloads.
func TestExportsOfShareLinks(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	for _, allow := range []bool{false, true} {
		tok := owner.do("POST", "/api/boards/"+board+"/links", map[string]any{"role": "viewer", "allowDownloads": allow}).must(t, 201).Str("token")
		guest := s.client(t)
		guest.do("POST", "/api/share/open", map[string]any{"token": tok, "name": "Guest"}).must(t, 200)
		post := guest.do("POST", "/api/boards/"+board+"/exports", map[string]any{"format": "csv"})
		list := guest.do("GET", "/api/boards/"+board+"/exports", nil)
		if allow {
			post.must(t, 202)
			list.must(t, 200)
		} else {
			post.wantError(t, 403, shotline.EFORBIDDEN)
			list.wantError(t, 403, shotline.EFORBIDDEN)
		}
	}
}

// cancelingExporter cancels its run at the first progress it reports, as a
// worker killed mid-export would stop.
type cancelingExporter struct {
	next   render.Exporter
	cancel context.CancelFunc
}

func (c *cancelingExporter) Export(ctx context.Context, j *shotline.RenderJob, dst string, progress func(float64)) error {
	return c.next.Export(ctx, j, dst, func(p float64) { progress(p); c.cancel() })
}

// TestInterruptedExportIsTakenOverWithoutOrphans: a worker stopped in the
// middle of an animatic stores nothing; after its lease another worker
// makes the export once; at the end of the retention the file and the
// record are deleted.
func TestInterruptedExportIsTakenOverWithoutOrphans(t *testing.T) {
	s := newServer(t, shttp.Config{})
	ctx := context.Background()
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	uid := owner.userID()
	insertShotAs(t, s, board, uid, "s1", "a0", "One")
	insertShotAs(t, s, board, uid, "s2", "a1", "Two")
	id := owner.do("POST", "/api/boards/"+board+"/exports", map[string]any{"format": "mp4", "options": map[string]any{"resolution": "360p"}}).must(t, 202).Str("id")

	queue := s.renders.Queue.(*mongo.RenderQueue)
	var offset time.Duration
	base := queue.Now
	queue.Now = func() time.Time { return base().Add(offset) }
	killed, cancel := context.WithCancel(ctx)
	svc := *s.renders
	svc.Exporter = &cancelingExporter{next: s.renders.Exporter, cancel: cancel}
	first := &render.Worker{ID: "doomed", Service: &svc, Lease: 10 * time.Second}
	if ran, err := first.RunOne(killed); !ran || err != nil {
		t.Fatalf("first run: %v %v", ran, err)
	}
	j, err := queue.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != shotline.JobRunning {
		t.Fatalf("after the interrupted run the export is %s, want running under its lease", j.State)
	}
	if _, err := s.renders.Objects.Size(ctx, render.ExportKey(j)); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("an interrupted export stored its file: %v", err)
	}
	// Not before its lease ends...
	if ran, _ := s.worker.RunOne(ctx); ran {
		t.Fatal("another worker took the export over under a live lease")
	}
	offset = time.Minute
	runJobs(t, s)
	j, err = queue.Job(ctx, id)
	if err != nil || j.State != shotline.JobSucceeded || j.Attempt != 2 {
		t.Fatalf("after the takeover: %+v %v", j, err)
	}
	if size, err := s.renders.Objects.Size(ctx, j.ResultKey); err != nil || size != j.ResultSize {
		t.Fatalf("export file: %d %v, want %d", size, err, j.ResultSize)
	}

	sweep := &render.Retention{Service: s.renders, Expirer: queue}
	if n, err := sweep.Sweep(ctx, j.ExpiresAt.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if _, err := s.renders.Objects.Size(ctx, j.ResultKey); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("the expired export's file is still there: %v", err)
	}
	if list := exportsOf(t, owner, "/api/boards/"+board+"/exports"); len(list) != 0 {
		t.Errorf("expired exports still listed: %v", list)
	}
}

// TestStoryboardUsesTheChosenFrame: a shot with a render and a picture
// chosen as its frame shows that picture in the PDF storyboard, not the
// render's poster (told apart by size: the picture is 24×24).
func TestStoryboardUsesTheChosenFrame(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	if _, err := s.Hub.Apply(context.Background(), board, owner.userID(), shotline.RoleOwner, content.ShotInsert{ShotID: "s1", Position: "a0",
		Shot: content.ShotFields{Title: "Dawn", Prompt: "A harbour at dawn", Duration: 1, AspectRatio: "16:9"}}); err != nil {
		t.Fatal(err)
	}
	owner.do("POST", "/api/boards/"+board+"/shots/s1/renders", map[string]any{}).must(t, 201)
	runJobs(t, s)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 24, 24)), nil); err != nil {
		t.Fatal(err)
	}
	frame := owner.upload(board, "s1", "frame.jpg", buf.Bytes())

	sizes := func(key string) string {
		t.Helper()
		// A keyed export's id is derived from its key: find it by that id,
		// not by order.
		id := owner.do("POST", "/api/boards/"+board+"/exports", map[string]any{"format": "pdf", "options": map[string]any{}, "key": key}).must(t, 202).Str("id")
		runJobs(t, s)
		var e exportJSON
		var out struct{ Exports []exportJSON }
		if err := json.Unmarshal(owner.do("GET", "/api/boards/"+board+"/exports", nil).must(t, 200).Body, &out); err != nil {
			t.Fatal(err)
		}
		for _, x := range out.Exports {
			if x.ID == id {
				e = x
			}
		}
		if e.State != "succeeded" {
			t.Fatalf("export %s: %+v", key, e)
		}
		path := filepath.Join(t.TempDir(), "board.pdf")
		if err := os.WriteFile(path, fetch(t, e.URL), 0o600); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(tool(t, "pdfimages", "-list", path)), "\n")[2:]
		var got []string
		for _, l := range lines {
			f := strings.Fields(l)
			got = append(got, f[3]+"x"+f[4])
		}
		return strings.Join(got, ",")
	}
	if got := sizes("poster"); got == "24x24" || got == "" {
		t.Fatalf("without a chosen frame the PDF shows %q, want the render's poster", got)
	}
	owner.do("PUT", "/api/boards/"+board+"/shots/s1/frame", map[string]any{"assetId": frame}).must(t, 204)
	if got, want := sizes("chosen"), "24x24"; got != want {
		t.Errorf("with a chosen frame the PDF's images are %q, want %q", got, want)
	}
}
