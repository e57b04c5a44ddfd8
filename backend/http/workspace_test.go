package http_test

import (
	"strings"
	"sync"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// setup is a workspace with a project and a board, made through the API.
type setup struct {
	owner                     *client
	workspace, project, board string
}

func newSetup(t testing.TB, s *testServer) setup {
	t.Helper()
	owner := s.signUp(t, "Owner")
	ws := owner.do("POST", "/api/workspaces", map[string]any{"name": "Studio"}).must(t, 201).Str("id")
	p := owner.do("POST", "/api/workspaces/"+ws+"/projects", map[string]any{"name": "Campaign"}).must(t, 201).Str("id")
	b := owner.do("POST", "/api/projects/"+p+"/boards", map[string]any{"title": "Opening"}).must(t, 201).Str("id")
	return setup{owner: owner, workspace: ws, project: p, board: b}
}

// join makes a new user a member with role and returns their client.
func (st setup) join(t testing.TB, s *testServer, role shotline.Role) *client {
	t.Helper()
	c := s.signUp(t, string(role))
	r := st.owner.do("POST", "/api/workspaces/"+st.workspace+"/members", map[string]any{"email": c.email(), "role": role}).must(t, 201)
	if r.JSON()["member"] == nil {
		t.Fatalf("an existing account was invited instead of added: %s", r.Body)
	}
	return c
}

func TestWorkspaceProjectBoardLifecycle(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	o := st.owner

	r := o.do("GET", "/api/workspaces", nil).must(t, 200)
	ws := r.JSON()["workspaces"].([]any)[0].(map[string]any)
	if ws["role"] != "owner" || !strings.Contains(toJSON(ws["permissions"]), "workspace:delete") {
		t.Errorf("owner's workspace view: %v", ws)
	}
	o.do("PATCH", "/api/workspaces/"+st.workspace, map[string]any{"name": "Northlight"}).must(t, 200)

	b := o.do("GET", "/api/boards/"+st.board, nil).must(t, 200).JSON()
	if b["aspectRatio"] != "16:9" || b["defaultShotDuration"] != 3.0 || len(b["shots"].([]any)) != 0 || b["title"] != "Opening" {
		t.Errorf("new board: %v", b)
	}
	b = o.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Cold open", "aspectRatio": "2.39:1", "defaultShotDuration": 4.5, "description": "Night"}).must(t, 200).JSON()
	if b["title"] != "Cold open" || b["aspectRatio"] != "2.39:1" || b["defaultShotDuration"] != 4.5 || b["description"] != "Night" {
		t.Errorf("updated board: %v", b)
	}
	second := o.do("POST", "/api/projects/"+st.project+"/boards", map[string]any{"title": "Act two", "aspectRatio": "9:16", "defaultShotDuration": 2}).must(t, 201).Str("id")
	o.do("PATCH", "/api/boards/"+second, map[string]any{"archived": true}).must(t, 200)
	if got := len(o.do("GET", "/api/projects/"+st.project+"/boards", nil).must(t, 200).JSON()["boards"].([]any)); got != 1 {
		t.Errorf("%d active boards, want 1", got)
	}
	if got := len(o.do("GET", "/api/projects/"+st.project+"/boards?archived=true", nil).must(t, 200).JSON()["boards"].([]any)); got != 2 {
		t.Errorf("%d boards with archived, want 2", got)
	}
	o.do("DELETE", "/api/boards/"+second, nil).must(t, 204)
	o.do("GET", "/api/boards/"+second, nil).wantError(t, 404, shotline.ENOTFOUND)

	o.do("PATCH", "/api/projects/"+st.project, map[string]any{"name": "Spring", "archived": true}).must(t, 200)
	if got := len(o.do("GET", "/api/workspaces/"+st.workspace+"/projects", nil).must(t, 200).JSON()["projects"].([]any)); got != 0 {
		t.Errorf("%d active projects after archiving, want 0", got)
	}
	o.do("DELETE", "/api/projects/"+st.project, nil).must(t, 204)
	o.do("GET", "/api/boards/"+st.board, nil).wantError(t, 404, shotline.ENOTFOUND) // boards go with their project

	o.do("DELETE", "/api/workspaces/"+st.workspace, nil).must(t, 204)
	o.do("GET", "/api/workspaces/"+st.workspace, nil).wantError(t, 404, shotline.ENOTFOUND)
}

func TestInviteBecomesMembershipOnSignUp(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	r := st.owner.do("POST", "/api/workspaces/"+st.workspace+"/members", map[string]any{"email": "New.Person@Example.com", "role": "commenter"}).must(t, 201)
	if r.JSON()["invite"] == nil {
		t.Fatalf("no invite for an unknown email: %s", r.Body)
	}
	st.owner.do("POST", "/api/workspaces/"+st.workspace+"/members", map[string]any{"email": "new.person@example.com", "role": "viewer"}).wantError(t, 409, shotline.ECONFLICT)

	np := s.client(t)
	np.do("POST", "/api/auth/signup", map[string]any{"email": "new.person@example.com", "password": "a long passphrase", "name": "Newt"}).must(t, 201)
	ws := np.do("GET", "/api/workspaces", nil).must(t, 200).JSON()["workspaces"].([]any)
	if len(ws) != 1 || ws[0].(map[string]any)["role"] != "commenter" {
		t.Fatalf("after sign-up: %v", ws)
	}
	m := st.owner.do("GET", "/api/workspaces/"+st.workspace+"/members", nil).must(t, 200).JSON()
	if len(m["invites"].([]any)) != 0 || len(m["members"].([]any)) != 2 {
		t.Errorf("members after accepting: %v", m)
	}
	np.do("GET", "/api/boards/"+st.board, nil).must(t, 200)
	np.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Mine"}).wantError(t, 403, shotline.EFORBIDDEN)
}

func TestRoleChangesTakeEffectAtOnce(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	ed := st.join(t, s, shotline.RoleEditor)
	ed.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Edited"}).must(t, 200)
	st.owner.do("PATCH", "/api/workspaces/"+st.workspace+"/members/"+ed.userID(), map[string]any{"role": "viewer"}).must(t, 200)
	ed.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Again"}).wantError(t, 403, shotline.EFORBIDDEN)
	st.owner.do("DELETE", "/api/workspaces/"+st.workspace+"/members/"+ed.userID(), nil).must(t, 204)
	ed.do("GET", "/api/boards/"+st.board, nil).wantError(t, 404, shotline.ENOTFOUND)
}

func TestLastOwner(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	me := st.owner.userID()
	base := "/api/workspaces/" + st.workspace
	st.owner.do("POST", base+"/leave", nil).wantError(t, 409, shotline.ECONFLICT)
	st.owner.do("PATCH", base+"/members/"+me, map[string]any{"role": "admin"}).wantError(t, 409, shotline.ECONFLICT)
	st.owner.do("DELETE", base+"/members/"+me, nil).wantError(t, 409, shotline.ECONFLICT)

	// Two owners demoting each other at the same time: one must stay owner.
	other := st.join(t, s, shotline.RoleOwner)
	otherID := other.userID()
	var wg sync.WaitGroup
	results := make([]*response, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		results[0] = st.owner.do("PATCH", base+"/members/"+otherID, map[string]any{"role": "editor"})
	}()
	go func() {
		defer wg.Done()
		results[1] = other.do("PATCH", base+"/members/"+me, map[string]any{"role": "editor"})
	}()
	wg.Wait()
	owners := 0
	for _, m := range st.owner.do("GET", base+"/members", nil).JSON()["members"].([]any) {
		if m.(map[string]any)["role"] == "owner" {
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("%d owners after concurrent demotions (%d, %d), want exactly 1", owners, results[0].Status, results[1].Status)
	}
}

func TestAdminCannotTouchOwners(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	admin := st.join(t, s, shotline.RoleAdmin)
	base := "/api/workspaces/" + st.workspace
	ownerID := st.owner.userID()
	admin.do("PATCH", base+"/members/"+ownerID, map[string]any{"role": "viewer"}).wantError(t, 403, shotline.EFORBIDDEN)
	admin.do("DELETE", base+"/members/"+ownerID, nil).wantError(t, 403, shotline.EFORBIDDEN)
	admin.do("POST", base+"/members", map[string]any{"email": "x@example.com", "role": "owner"}).wantError(t, 403, shotline.EFORBIDDEN)
	admin.do("PATCH", base+"/members/"+admin.userID(), map[string]any{"role": "owner"}).wantError(t, 403, shotline.EFORBIDDEN)
	// What admins may do.
	ed := st.join(t, s, shotline.RoleEditor)
	admin.do("PATCH", base+"/members/"+ed.userID(), map[string]any{"role": "commenter"}).must(t, 200)
	admin.do("POST", base+"/members", map[string]any{"email": "y@example.com", "role": "editor"}).must(t, 201)
	admin.do("DELETE", base+"/invites/y@example.com", nil).must(t, 204)
	admin.do("DELETE", base+"/invites/y@example.com", nil).wantError(t, 404, shotline.ENOTFOUND)
}

func TestOtherWorkspacesAreInvisible(t *testing.T) {
	s := newServer(t, shttp.Config{})
	mine, theirs := newSetup(t, s), newSetup(t, s)
	me := mine.owner
	for _, path := range []string{
		"/api/workspaces/" + theirs.workspace,
		"/api/workspaces/" + theirs.workspace + "/members",
		"/api/workspaces/" + theirs.workspace + "/projects",
		"/api/projects/" + theirs.project,
		"/api/projects/" + theirs.project + "/boards",
		"/api/boards/" + theirs.board,
	} {
		me.do("GET", path, nil).wantError(t, 404, shotline.ENOTFOUND)
	}
	me.do("PATCH", "/api/boards/"+theirs.board, map[string]any{"title": "Hijack"}).wantError(t, 404, shotline.ENOTFOUND)
	me.do("DELETE", "/api/projects/"+theirs.project, nil).wantError(t, 404, shotline.ENOTFOUND)
	if got := theirs.owner.do("GET", "/api/boards/"+theirs.board, nil).must(t, 200).Str("title"); got != "Opening" {
		t.Errorf("their board's title is %q", got)
	}
	// Unknown ids read the same as others' ids.
	me.do("GET", "/api/boards/0190d6a0-0000-7000-8000-000000000000", nil).wantError(t, 404, shotline.ENOTFOUND)
}

// TestDataSurvivesRestart restarts FerretDB and opens a new server on the
// same database, as after a machine reboot.
func TestDataSurvivesRestart(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	email := st.owner.email()
	st.owner.do("PATCH", "/api/boards/"+st.board, map[string]any{"description": "Survives"}).must(t, 200)

	testenv.RestartMongo(t)
	s2 := openServer(t, s.dbURI, s.name, shttp.Config{})
	c := s2.client(t)
	c.do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a long passphrase"}).must(t, 200)
	if got := c.do("GET", "/api/boards/"+st.board, nil).must(t, 200).Str("description"); got != "Survives" {
		t.Errorf("description after restart = %q", got)
	}
	// The old session cookie still works on the new server too.
	st.owner.srv = s2
	st.owner.do("GET", "/api/workspaces/"+st.workspace, nil).must(t, 200)
}
