package http_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// tinyJPEGBytes is a 16×16 JPEG, made once.
var tinyJPEGBytes = func() []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 16, 16)), nil); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

func tinyJPEG(t *testing.T) []byte { t.Helper(); return tinyJPEGBytes }

// boardFor makes a workspace, project and board owned by c and returns the
// board's id.
func boardFor(t *testing.T, c *client) (workspaceID, boardID string) {
	t.Helper()
	ws := c.do("POST", "/api/workspaces", map[string]any{"name": "W"}).must(t, 201).Str("id")
	p := c.do("POST", "/api/workspaces/"+ws+"/projects", map[string]any{"name": "P"}).must(t, 201).Str("id")
	b := c.do("POST", "/api/projects/"+p+"/boards", map[string]any{"title": "B"}).must(t, 201).Str("id")
	return ws, b
}

func TestUploadThroughTheAPI(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	img := tinyJPEG(t)

	up := owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "ref.jpg", "size": len(img), "shotId": "s1"}).must(t, 201)
	id := up.Str("id")
	if n := up.JSON()["parts"]; n != float64(1) {
		t.Fatalf("parts = %v, want 1", n)
	}
	owner.do("PUT", "/api/boards/"+board+"/uploads/"+id+"/parts/1", img).must(t, 204)
	done := owner.do("POST", "/api/boards/"+board+"/uploads/"+id+"/complete", nil).must(t, 200)
	if done.Str("contentType") != "image/jpeg" || done.Str("url") == "" || done.Str("thumbUrl") == "" {
		t.Fatalf("completed asset: %s", done.Body)
	}
	resp, err := nethttp.Get(done.Str("url"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, img) {
		t.Errorf("the presigned URL served %d bytes, want the %d uploaded", len(body), len(img))
	}
	list := owner.do("GET", "/api/boards/"+board+"/assets", nil).must(t, 200)
	shots, _ := list.JSON()["shots"].(map[string]any)
	if got, _ := shots["s1"].([]any); len(got) != 1 {
		t.Errorf("assets of s1: %s", list.Body)
	}
	dl := owner.do("GET", "/api/boards/"+board+"/assets/"+id+"/download", nil).must(t, 200)
	resp, err = nethttp.Get(dl.Str("url"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=ref.jpg` {
		t.Errorf("download Content-Disposition = %q", cd)
	}

	// Someone from another workspace cannot reach it, even knowing the ids.
	outsider := s.signUp(t, "Outsider")
	outsider.do("GET", "/api/boards/"+board+"/assets/"+id+"/download", nil).wantError(t, 404, shotline.ENOTFOUND)
	_, other := boardFor(t, outsider)
	outsider.do("GET", "/api/boards/"+other+"/assets/"+id+"/download", nil).wantError(t, 404, shotline.ENOTFOUND)
}

// A part larger than the part size is refused before it is read in full;
// other routes keep the small body limit.
func TestUploadBodyLimits(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	ws, board := boardFor(t, owner)
	size := 6 << 20
	up := owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "big.jpg", "size": size}).must(t, 201)
	// fasthttp refuses a part over the part size before the handler runs.
	req := httptest.NewRequest("PUT", "/api/boards/"+board+"/uploads/"+up.Str("id")+"/parts/1", bytes.NewReader(make([]byte, 5<<20+1)))
	req.Header.Set("X-CSRF-Token", owner.csrf)
	for _, ck := range owner.cookies {
		req.AddCookie(ck)
	}
	if resp, err := s.App().Test(req, -1); err == nil && resp.StatusCode != 413 {
		t.Errorf("oversized part: %d, want it refused", resp.StatusCode)
	}
	// fasthttp refuses the body itself: app.Test sees the connection end.
	req = httptest.NewRequest("POST", "/api/boards/"+board+"/uploads", bytes.NewReader(make([]byte, 2<<20)))
	if resp, err := s.App().Test(req, -1); err == nil && resp.StatusCode != 413 {
		t.Errorf("2 MiB body on an ordinary route: %d, want it refused", resp.StatusCode)
	}
	owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "a/b.jpg", "size": 10}).wantError(t, 422, shotline.EINVALID)
	owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "a.jpg", "size": 0}).wantError(t, 422, shotline.EINVALID)
	owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "a.jpg", "size": 1 << 40}).wantError(t, 413, shotline.ETOOLARGE)
	if used, _ := s.assets.Store.Usage(context.Background(), ws); used != int64(size) {
		t.Errorf("usage %d, want the one open upload's %d", used, size)
	}
	owner.do("DELETE", "/api/boards/"+board+"/uploads/"+up.Str("id"), nil).must(t, 204)
	if used, _ := s.assets.Store.Usage(context.Background(), ws); used != 0 {
		t.Errorf("usage %d after abort, want 0", used)
	}
}

// A viewer cannot upload, and nothing is reserved or stored for them.
func TestViewerCannotUpload(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	ws, board := boardFor(t, owner)
	viewer := s.signUp(t, "Viewer")
	owner.do("POST", "/api/workspaces/"+ws+"/members", map[string]any{"email": viewer.email(), "role": "viewer"}).must(t, 201)
	viewer.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "a.jpg", "size": 100}).wantError(t, 403, shotline.EFORBIDDEN)
	up := owner.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": "a.jpg", "size": len(tinyJPEGBytes)}).must(t, 201)
	viewer.do("PUT", "/api/boards/"+board+"/uploads/"+up.Str("id")+"/parts/1", tinyJPEGBytes).wantError(t, 403, shotline.EFORBIDDEN)
	if used, _ := s.assets.Store.Usage(context.Background(), ws); used != int64(len(tinyJPEGBytes)) {
		t.Errorf("usage %d: the viewer's attempt reserved bytes", used)
	}
}

// A share link's "allow downloads" switch decides whether its guests get
// download URLs; viewing the board's assets inline is reading the board.
func TestShareLinkDownloadsFollowTheLinksSwitch(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	img := tinyJPEG(t)
	asset := st.owner.upload(st.board, "s1", "ref.jpg", img)
	download := "/api/boards/" + st.board + "/assets/" + asset + "/download"

	guestOf := func(allow bool) (*client, string) {
		token, id := st.shareLink(t, map[string]any{"role": "viewer", "allowDownloads": allow})
		g := s.client(t)
		g.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)
		return g, id
	}
	forbidden, link := guestOf(false)
	allowed, _ := guestOf(true)

	for _, g := range []*client{forbidden, allowed} {
		list := g.do("GET", "/api/boards/"+st.board+"/assets", nil).must(t, 200)
		if shots, _ := list.JSON()["shots"].(map[string]any); len(shots["s1"].([]any)) != 1 {
			t.Fatalf("a guest's asset list: %s", list.Body)
		}
	}
	forbidden.do("GET", download, nil).wantError(t, 403, shotline.EFORBIDDEN)
	if allowed.do("GET", download, nil).must(t, 200).Str("url") == "" {
		t.Fatal("a guest whose link allows downloads got no URL")
	}
	// Switching downloads on applies to the guest already in.
	st.owner.do("PATCH", "/api/links/"+link, map[string]any{"allowDownloads": true}).must(t, 200)
	forbidden.do("GET", download, nil).must(t, 200)
	// A member viewer always may.
	viewer := st.join(t, s, shotline.RoleViewer)
	viewer.do("GET", download, nil).must(t, 200)
}

// A reference uploaded or detached by one member reaches the others on the
// board live: an "assets" message, after which the list holds the change.
func TestAssetChangesReachTheBoardLive(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	viewer := st.join(t, s, shotline.RoleViewer)
	conn := joined(t, base, viewer, st.board)
	img := tinyJPEG(t)
	id := st.owner.upload(st.board, "s1", "ref.jpg", img)
	readType(t, conn, "assets")
	shots, _ := viewer.do("GET", "/api/boards/"+st.board+"/assets", nil).must(t, 200).JSON()["shots"].(map[string]any)
	if got, _ := shots["s1"].([]any); len(got) != 1 {
		t.Fatalf("after the assets message, s1 has %d assets, want 1", len(got))
	}
	st.owner.do("DELETE", "/api/boards/"+st.board+"/shots/s1/assets/"+id, nil).must(t, 204)
	readType(t, conn, "assets")
}

// A shot's chosen frame: any picture attached to it, ahead of the others;
// teammates hear of a change live; a viewer cannot choose; detaching the
// chosen picture (or clearing the choice) makes the frame automatic again.
func TestChosenFrame(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	viewer := st.join(t, s, shotline.RoleViewer)
	conn := joined(t, base, viewer, st.board)
	img := tinyJPEG(t)
	attach := func(shot string) string {
		t.Helper()
		id := st.owner.upload(st.board, shot, "ref.jpg", img)
		readType(t, conn, "assets")
		return id
	}
	frames := func() map[string]any {
		t.Helper()
		f, _ := viewer.do("GET", "/api/boards/"+st.board+"/assets", nil).must(t, 200).JSON()["frames"].(map[string]any)
		return f
	}
	first, second, elsewhere := attach("s1"), attach("s1"), attach("s2")
	if got := frames(); len(got) != 0 {
		t.Fatalf("frames before any choice: %v, want none", got)
	}
	frame := "/api/boards/" + st.board + "/shots/s1/frame"

	st.owner.do("PUT", frame, map[string]any{"assetId": second}).must(t, 204)
	readType(t, conn, "assets")
	if got, want := frames()["s1"], second; got != want {
		t.Fatalf("s1's frame = %v, want the second picture %s", got, want)
	}

	viewer.do("PUT", frame, map[string]any{"assetId": first}).wantError(t, 403, shotline.EFORBIDDEN)
	viewer.do("DELETE", frame, nil).wantError(t, 403, shotline.EFORBIDDEN)
	st.owner.do("PUT", frame, map[string]any{"assetId": elsewhere}).wantError(t, 404, shotline.ENOTFOUND)
	st.owner.do("PUT", frame, map[string]any{"assetId": "nope"}).wantError(t, 404, shotline.ENOTFOUND)
	st.owner.do("PUT", "/api/boards/"+st.board+"/shots/a.b/frame", map[string]any{"assetId": first}).wantError(t, 422, shotline.EINVALID)
	if got, want := frames()["s1"], second; got != want {
		t.Fatalf("after refused choices s1's frame = %v, want %s", got, want)
	}

	st.owner.do("DELETE", frame, nil).must(t, 204)
	readType(t, conn, "assets")
	if got := frames(); len(got) != 0 {
		t.Fatalf("frames after clearing: %v, want none", got)
	}

	st.owner.do("PUT", frame, map[string]any{"assetId": first}).must(t, 204)
	readType(t, conn, "assets")
	st.owner.do("DELETE", "/api/boards/"+st.board+"/shots/s1/assets/"+first, nil).must(t, 204)
	readType(t, conn, "assets")
	if got := frames(); len(got) != 0 {
		t.Fatalf("frames after detaching the chosen picture: %v, want none", got)
	}
}
