package http_test

import (
	"testing"
	"time"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// TestMemberWithLinkGetsTheHigherRole: a viewer member who opens a
// commenter link may comment on that board (and only there); an editor who
// opens a viewer link keeps editing; revoking the link leaves the member
// their own role.
func TestMemberWithLinkGetsTheHigherRole(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	shot := addShot(t, base, st)
	other := st.owner.do("POST", "/api/projects/"+st.project+"/boards", map[string]any{"title": "Other"}).must(t, 201).Str("id")
	viewer, editor := st.join(t, s, shotline.RoleViewer), st.join(t, s, shotline.RoleEditor)

	conn := guestSocket(t, base, viewer, st.board)
	if got := comment(t, conn, shot); got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("a viewer's comment: %v", got)
	}
	conn.Close()
	token, id := st.shareLink(t, map[string]any{"role": "commenter"})
	viewer.do("POST", "/api/share/open", map[string]any{"token": token}).must(t, 200)
	conn = guestSocket(t, base, viewer, st.board)
	if got := comment(t, conn, shot); got["type"] != "ack" {
		t.Fatalf("a viewer with a commenter link: %v", got)
	}
	// Elsewhere in the workspace the member is a viewer as before.
	viewer.do("GET", "/api/boards/"+other, nil).must(t, 200)
	viewer.do("GET", "/api/workspaces/"+st.workspace+"/members", nil).must(t, 200)
	viewer.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "x"}).wantError(t, 403, shotline.EFORBIDDEN)

	// Revoked: the member's socket stays, with their own role.
	st.owner.do("DELETE", "/api/links/"+id, nil).must(t, 204)
	if got := comment(t, conn, shot); got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("after revoking, the viewer's comment: %v", got)
	}
	viewer.do("GET", "/api/boards/"+st.board, nil).must(t, 200)

	tokV, _ := st.shareLink(t, map[string]any{"role": "viewer"})
	editor.do("POST", "/api/share/open", map[string]any{"token": tokV}).must(t, 200)
	editor.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Still an editor"}).must(t, 200)
}

// TestShareLinkPasswordChangeEndsOpenSockets: a new password ends the
// sockets of guests who typed the old one (4410), within a second.
func TestShareLinkPasswordChangeEndsOpenSockets(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	token, id := st.shareLink(t, map[string]any{"role": "commenter", "password": "first one"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "password": "first one", "name": "Dana"}).must(t, 200)
	conn := guestSocket(t, base, guest, st.board)
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"label": "Renamed"}).must(t, 200)
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"password": "second one"}).must(t, 200)
	if code, took := waitClose(t, conn); code != 4410 || took > time.Second {
		t.Fatalf("after a new password: close %d after %v, want 4410 within 1s", code, took)
	}
}
