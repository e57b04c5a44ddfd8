package http_test

import (
	"encoding/csv"
	"strings"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// auditTrail reads a workspace's log as admin and hands out what was
// appended since the last call.
type auditTrail struct {
	t     *testing.T
	admin *client
	path  string
	seen  float64
}

func (a *auditTrail) since() []map[string]any {
	a.t.Helper()
	es := a.admin.do("GET", a.path+"?limit=200", nil).must(a.t, 200).JSON()["entries"].([]any)
	var out []map[string]any
	top := a.seen
	for _, e := range es {
		m := e.(map[string]any)
		if seq := m["seq"].(float64); seq > a.seen {
			out = append(out, m)
			top = max(top, seq)
		}
	}
	a.seen = top
	return out
}

// one checks that exactly one entry was appended since the last call, with
// this action, target prefix and actor, a time and an address.
func (a *auditTrail) one(action shotline.AuditAction, target, actor string) map[string]any {
	a.t.Helper()
	es := a.since()
	if len(es) != 1 {
		a.t.Fatalf("after %s: %d new entries, want 1: %v", action, len(es), es)
	}
	e := es[0]
	if e["action"] != string(action) || !strings.HasPrefix(e["target"].(string), target) || e["actorId"] != actor ||
		e["time"] == "" || e["ip"] == "" {
		a.t.Fatalf("entry for %s on %s by %s: %v", action, target, actor, e)
	}
	return e
}

func TestAuditLogRecordsEachActionOnce(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	owner, ownerID := st.owner, st.owner.userID()
	a := &auditTrail{t: t, admin: owner, path: "/api/workspaces/" + st.workspace + "/audit"}
	a.since() // the set-up's entries

	editor := st.join(t, s, shotline.RoleEditor)
	editorID := editor.userID()
	a.one(shotline.AuditMemberInvited, "member:"+editorID, ownerID)
	owner.do("POST", "/api/workspaces/"+st.workspace+"/members", map[string]any{"email": "nobody-yet@example.com", "role": "viewer"}).must(t, 201)
	a.one(shotline.AuditMemberInvited, "invite:nobody-yet@example.com", ownerID)
	owner.do("PATCH", "/api/workspaces/"+st.workspace+"/members/"+editorID, map[string]any{"role": "commenter"}).must(t, 200)
	a.one(shotline.AuditMemberRoleChanged, "member:"+editorID, ownerID)

	s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": editor.email(), "password": "wrong password!"}).must(t, 401)
	a.one(shotline.AuditSignInFailed, "user:"+editorID, editorID)
	again := s.client(t)
	again.do("POST", "/api/auth/signin", map[string]any{"email": editor.email(), "password": "a long passphrase"}).must(t, 200)
	a.one(shotline.AuditSignIn, "user:"+editorID, editorID)
	again.do("POST", "/api/auth/signout-all", nil).must(t, 204)
	a.one(shotline.AuditSignOutEverywhere, "user:"+editorID, editorID)

	token, id := st.shareLink(t, map[string]any{"role": "commenter", "password": "open sesame"})
	a.one(shotline.AuditLinkCreated, "link:"+id, ownerID)
	s.client(t).do("POST", "/api/share/open", map[string]any{"token": token, "password": "nope!!", "name": "G"}).must(t, 401)
	if e := a.one(shotline.AuditLinkRefused, "link:"+id, "guest"); e["detail"] != "wrong password" {
		t.Fatalf("refusal: %v", e)
	}
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "password": "open sesame", "name": "Gale"}).must(t, 200)
	if e := a.one(shotline.AuditLinkOpened, "link:"+id, "guest"); e["linkId"] != id || e["detail"] != "Gale" {
		t.Fatalf("opening: %v", e)
	}
	owner.do("PATCH", "/api/links/"+id, map[string]any{"role": "viewer", "password": "new sesame"}).must(t, 200)
	if e := a.one(shotline.AuditLinkEdited, "link:"+id, ownerID); e["detail"] != "role=viewer password" || strings.Contains(toJSON(e), "sesame") {
		t.Fatalf("edit: %v", e)
	}
	owner.do("DELETE", "/api/links/"+id, nil).must(t, 204)
	a.one(shotline.AuditLinkRevoked, "link:"+id, ownerID)
	s.client(t).do("POST", "/api/share/open", map[string]any{"token": token, "password": "new sesame", "name": "G"}).must(t, 410)
	if e := a.one(shotline.AuditLinkRefused, "link:"+id, "guest"); e["detail"] != shotline.LinkRevoked {
		t.Fatalf("refusal of a revoked link: %v", e)
	}

	v := owner.do("POST", "/api/boards/"+st.board+"/versions", map[string]any{"name": "V1"}).must(t, 201).Str("id")
	if es := a.since(); len(es) != 0 {
		t.Fatalf("saving a version is not audited, got %v", es)
	}
	owner.do("POST", "/api/boards/"+st.board+"/versions/"+v+"/restore", nil).must(t, 200)
	a.one(shotline.AuditVersionRestored, "version:"+v, ownerID)
	owner.do("DELETE", "/api/boards/"+st.board, nil).must(t, 204)
	a.one(shotline.AuditBoardDeleted, "board:"+st.board, ownerID)
	owner.do("DELETE", "/api/projects/"+st.project, nil).must(t, 204)
	a.one(shotline.AuditProjectDeleted, "project:"+st.project, ownerID)
	owner.do("DELETE", "/api/workspaces/"+st.workspace+"/members/"+editorID, nil).must(t, 204)
	a.one(shotline.AuditMemberRemoved, "member:"+editorID, ownerID)

	// Filters, the cursor and the CSV.
	r := owner.do("GET", a.path+"?action=link-refused", nil).must(t, 200).JSON()["entries"].([]any)
	if len(r) != 2 {
		t.Fatalf("filtered by action: %v", r)
	}
	p1 := owner.do("GET", a.path+"?limit=3", nil).must(t, 200).JSON()
	next := p1["nextCursor"].(float64)
	p2 := owner.do("GET", a.path+"?limit=3&cursor="+toJSON(next), nil).must(t, 200).JSON()["entries"].([]any)
	if p2[0].(map[string]any)["seq"].(float64) != next-1 {
		t.Fatalf("the second page starts at %v, want %v", p2[0], next-1)
	}
	owner.do("GET", a.path+"?since=yesterday", nil).wantError(t, 422, shotline.EINVALID)
	csvResp := owner.do("GET", a.path+".csv", nil).must(t, 200)
	if !strings.HasPrefix(csvResp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV content type %q", csvResp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(csvResp.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "seq" || len(rows)-1 != int(a.seen) {
		t.Fatalf("CSV has %d rows for %v entries; header %v", len(rows)-1, a.seen, rows[0])
	}
}

func TestAuditLogIsForAdmins(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	path := "/api/workspaces/" + st.workspace + "/audit"
	st.join(t, s, shotline.RoleEditor).do("GET", path, nil).wantError(t, 403, shotline.EFORBIDDEN)
	st.join(t, s, shotline.RoleAdmin).do("GET", path, nil).must(t, 200)
	token, _ := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "G"}).must(t, 200)
	guest.do("GET", path, nil).wantError(t, 404, shotline.ENOTFOUND)
	guest.do("GET", path+".csv", nil).wantError(t, 404, shotline.ENOTFOUND)
	s.client(t).do("GET", path, nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	// Nothing in the API edits or deletes the log.
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		if r := st.owner.do(m, path, map[string]any{}); r.Status != 404 && r.Status != 405 {
			t.Errorf("%s %s: %d", m, path, r.Status)
		}
	}
}
