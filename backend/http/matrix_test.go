package http_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/policies"
)

// world is one fresh workspace where every role has a member, plus a
// co-owner, a member to act on, a pending invite, a project and a board.
type world struct {
	workspace, project, board, target, version, link string
	// upload starts an upload on the board with its one part sent;
	// asset completes one and returns the asset's id.
	upload, asset func() string
	// job queues a render of shot1.
	job func() string
}

type matrixUsers struct {
	clients  map[string]*client // by caller: the roles, "nonmember", "anonymous"
	ids      map[string]string
	coowner  string
	target   string
	services struct {
		ws *mongo.WorkspaceService
		p  *mongo.ProjectService
		b  *mongo.BoardService
		v  *mongo.VersionStore
		a  *asset.Service
		r  *render.Service
		l  *mongo.ShareLinkService
	}
}

func (mu *matrixUsers) newWorld(t *testing.T) world {
	t.Helper()
	ctx, now := context.Background(), time.Now().UTC()
	w := &shotline.Workspace{Name: "Matrix", Invites: []shotline.Invite{{Email: "pending@example.com", Role: shotline.RoleViewer, InvitedAt: now}}}
	for _, r := range shotline.Roles {
		w.Members = append(w.Members, shotline.Member{UserID: mu.ids[string(r)], Role: r, AddedAt: now})
	}
	w.Members = append(w.Members,
		shotline.Member{UserID: mu.coowner, Role: shotline.RoleOwner, AddedAt: now},
		shotline.Member{UserID: mu.target, Role: shotline.RoleEditor, AddedAt: now})
	if err := mu.services.ws.CreateWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	p := &shotline.Project{WorkspaceID: w.ID, Name: "P"}
	if err := mu.services.p.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	b := &shotline.Board{WorkspaceID: w.ID, ProjectID: p.ID, Title: "B", AspectRatio: "16:9", DefaultShotDuration: 3,
		Shots: []shotline.Shot{{ID: "shot1", Position: "a0", Title: "S", Prompt: "A lake", Duration: 1, AspectRatio: "16:9", Status: "draft"}}}
	if err := mu.services.b.CreateBoard(ctx, b); err != nil {
		t.Fatal(err)
	}
	v := &shotline.BoardVersion{BoardID: b.ID, Name: "V", State: []byte(`{"id":"` + b.ID + `","title":"B","description":"","aspectRatio":"16:9","defaultShotDuration":3,"shots":[],"comments":[]}`)}
	if err := mu.services.v.CreateVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	l := &shotline.ShareLink{ID: fmt.Sprintf("%064d", time.Now().UnixNano()), WorkspaceID: w.ID, ProjectID: p.ID, BoardID: b.ID,
		Role: shotline.RoleViewer, CreatedBy: mu.ids["editor"], CreatedAt: now, UpdatedAt: now}
	if err := mu.services.l.CreateShareLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	upload := func() *shotline.Upload {
		img := tinyJPEG(t)
		u, err := mu.services.a.Begin(ctx, asset.Begin{WorkspaceID: w.ID, BoardID: b.ID, ShotID: "shot1", Name: "a.jpg", Size: int64(len(img))})
		if err != nil {
			t.Fatal(err)
		}
		if err := mu.services.a.PutPart(ctx, u, 1, bytes.NewReader(img), int64(len(img))); err != nil {
			t.Fatal(err)
		}
		return u
	}
	return world{workspace: w.ID, project: p.ID, board: b.ID, target: mu.target, version: v.ID, link: l.ID,
		upload: func() string { return upload().ID },
		job: func() string {
			j, err := mu.services.r.Submit(ctx, render.Request{WorkspaceID: w.ID, BoardID: b.ID,
				Shot: board.NumberedShot{Number: 1, Shot: board.Shot{ID: "shot1", Prompt: "A lake", Duration: 1, AspectRatio: "16:9"}}})
			if err != nil {
				t.Fatal(err)
			}
			return j.ID
		},
		asset: func() string {
			a, err := mu.services.a.Complete(ctx, upload())
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}}
}

// linkCallers are the share link callers of the matrix: a guest of a board
// link of each role (an editor link needs an account: a non-member's),
// and a guest of a viewer link to the whole project.
var linkCallers = []struct {
	name    string
	subject shotline.Role
	project bool
}{
	{"link:viewer", "link:viewer", false},
	{"link:commenter", "link:commenter", false},
	{"link:editor", "link:editor", false},
	{"project-link:viewer", "link:viewer", true},
}

// openLinkAs makes a link of role on w's board (or project) and opens it
// in a fresh browser: a guest's, or a signed-in non-member's for an editor
// link. Its downloads are allowed, so that the matrix is the policy's
// (TestShareLinkDownloadsFollowTheLinksSwitch tests the switch).
func (mu *matrixUsers) openLinkAs(t *testing.T, s *testServer, w world, role shotline.Role, project bool) *client {
	t.Helper()
	path := "/api/boards/" + w.board + "/links"
	if project {
		path = "/api/projects/" + w.project + "/links"
	}
	// Downloads allowed: the grid is the policy's; the switch has its own
	// test (TestExportsOfShareLinks).
	tok := mu.clients["owner"].do("POST", path, map[string]any{"role": strings.TrimPrefix(string(role), "link:"), "allowDownloads": true}).must(t, 201).Str("token")
	c := s.client(t)
	if role == "link:editor" {
		c = s.signUp(t, "Stranger")
	}
	c.do("POST", "/api/share/open", map[string]any{"token": tok, "name": "Guest"}).must(t, 200)
	return c
}

var inviteSeq int

// matrixRequests gives, per operation id, a request that succeeds for a
// caller whose role holds the route's permission. A route missing here fails
// TestRoleMatrix, so no route escapes the matrix.
var matrixRequests = map[string]func(w world) (path string, body any){
	"getWorkspace": func(w world) (string, any) { return "/api/workspaces/" + w.workspace, nil },
	"renameWorkspace": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace, map[string]any{"name": "Renamed"}
	},
	"deleteWorkspace": func(w world) (string, any) { return "/api/workspaces/" + w.workspace, nil },
	"leaveWorkspace":  func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/leave", nil },
	"listMembers":     func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/members", nil },
	"addMember": func(w world) (string, any) {
		inviteSeq++
		return "/api/workspaces/" + w.workspace + "/members", map[string]any{"email": fmt.Sprintf("new-%d@example.com", inviteSeq), "role": "viewer"}
	},
	"setMemberRole": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/members/" + w.target, map[string]any{"role": "commenter"}
	},
	"removeMember": func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/members/" + w.target, nil },
	"cancelInvite": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/invites/pending@example.com", nil
	},
	"listProjects": func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/projects", nil },
	"createProject": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/projects", map[string]any{"name": "New"}
	},
	"getProject":    func(w world) (string, any) { return "/api/projects/" + w.project, nil },
	"updateProject": func(w world) (string, any) { return "/api/projects/" + w.project, map[string]any{"name": "Renamed"} },
	"deleteProject": func(w world) (string, any) { return "/api/projects/" + w.project, nil },
	"listBoards":    func(w world) (string, any) { return "/api/projects/" + w.project + "/boards", nil },
	"createBoard": func(w world) (string, any) {
		return "/api/projects/" + w.project + "/boards", map[string]any{"title": "New"}
	},
	"getBoard":     func(w world) (string, any) { return "/api/boards/" + w.board, nil },
	"updateBoard":  func(w world) (string, any) { return "/api/boards/" + w.board, map[string]any{"title": "Renamed"} },
	"deleteBoard":  func(w world) (string, any) { return "/api/boards/" + w.board, nil },
	"listVersions": func(w world) (string, any) { return "/api/boards/" + w.board + "/versions", nil },
	"createVersion": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/versions", map[string]any{"name": "Review"}
	},
	"getVersion": func(w world) (string, any) { return "/api/boards/" + w.board + "/versions/" + w.version, nil },
	"restoreVersion": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/versions/" + w.version + "/restore", nil
	},
	"beginUpload": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/uploads", map[string]any{"name": "a.png", "size": 1000, "shotId": "shot1"}
	},
	"putUploadPart": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/uploads/" + w.upload() + "/parts/1", tinyJPEGBytes
	},
	"completeUpload": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/uploads/" + w.upload() + "/complete", nil
	},
	"abortUpload": func(w world) (string, any) { return "/api/boards/" + w.board + "/uploads/" + w.upload(), nil },
	"listAssets":  func(w world) (string, any) { return "/api/boards/" + w.board + "/assets", nil },
	"downloadAsset": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/assets/" + w.asset() + "/download", nil
	},
	"detachAsset": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/shots/shot1/assets/" + w.asset(), nil
	},
	"setShotFrame": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/shots/shot1/frame", map[string]any{"assetId": w.asset()}
	},
	"clearShotFrame": func(w world) (string, any) { return "/api/boards/" + w.board + "/shots/shot1/frame", nil },
	"renderShot": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/shots/shot1/renders", map[string]any{}
	},
	"renderChangedShots": func(w world) (string, any) { return "/api/boards/" + w.board + "/renders/changed", nil },
	"listRenders":        func(w world) (string, any) { return "/api/boards/" + w.board + "/renders", nil },
	"exportBoard": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/exports", map[string]any{"format": "csv"}
	},
	"listBoardExports": func(w world) (string, any) { return "/api/boards/" + w.board + "/exports", nil },
	"exportProject": func(w world) (string, any) {
		return "/api/projects/" + w.project + "/exports", map[string]any{"format": "bundle"}
	},
	"listProjectExports": func(w world) (string, any) { return "/api/projects/" + w.project + "/exports", nil },
	"beginImport": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/imports", map[string]any{"size": 1000}
	},
	"putImportPart": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/imports/0193a3c0-0000-7000-8000-000000000001/parts/1", []byte("PK")
	},
	"completeImport": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/imports/0193a3c0-0000-7000-8000-000000000001/complete", nil
	},
	"abortImport": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/imports/0193a3c0-0000-7000-8000-000000000001", nil
	},
	"getImportProgress": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/imports/0193a3c0-0000-7000-8000-000000000001", nil
	},
	"cancelRender": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/renders/" + w.job() + "/cancel", nil
	},
	"getCredits": func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/credits", nil },
	"topUpCredits": func(w world) (string, any) {
		inviteSeq++
		return "/api/workspaces/" + w.workspace + "/credits", map[string]any{"amount": 50, "key": fmt.Sprintf("matrix-%d", inviteSeq)}
	},
	"listRenderProviders": func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/render-providers", nil },
	"getRenderSettings":   func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/render-settings", nil },
	"setRenderSettings": func(w world) (string, any) {
		return "/api/workspaces/" + w.workspace + "/render-settings", map[string]any{"retentionDays": 7}
	},
	// Routes on the caller's own account.
	"signOut":           func(world) (string, any) { return "/api/auth/signout", nil },
	"signOutEverywhere": func(world) (string, any) { return "/api/auth/signout-all", nil },
	"getSession":        func(world) (string, any) { return "/api/auth/session", nil },
	"updateMe":          func(world) (string, any) { return "/api/me", map[string]any{"name": "Renamed"} },
	"changePassword": func(world) (string, any) {
		return "/api/me/password", map[string]any{"currentPassword": "a long passphrase", "newPassword": "another passphrase"}
	},
	"listWorkspaces": func(world) (string, any) { return "/api/workspaces", nil },
	"createBoardLink": func(w world) (string, any) {
		return "/api/boards/" + w.board + "/links", map[string]any{"role": "commenter"}
	},
	"createProjectLink": func(w world) (string, any) {
		return "/api/projects/" + w.project + "/links", map[string]any{"role": "viewer"}
	},
	"listBoardLinks":   func(w world) (string, any) { return "/api/boards/" + w.board + "/links", nil },
	"listProjectLinks": func(w world) (string, any) { return "/api/projects/" + w.project + "/links", nil },
	"updateLink":       func(w world) (string, any) { return "/api/links/" + w.link, map[string]any{"label": "Client"} },
	"revokeLink":       func(w world) (string, any) { return "/api/links/" + w.link, nil },
	"getReviewSummary": func(w world) (string, any) { return "/api/boards/" + w.board + "/review", nil },

	"getInbox":        func(world) (string, any) { return "/api/inbox", nil },
	"markInboxRead":   func(world) (string, any) { return "/api/inbox/read", map[string]any{"all": true} },
	"listAudit":       func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/audit", nil },
	"downloadAudit":   func(w world) (string, any) { return "/api/workspaces/" + w.workspace + "/audit.csv", nil },
	"createWorkspace": func(world) (string, any) { return "/api/workspaces", map[string]any{"name": "Mine"} },
}

// passedAuthorization lists routes whose matrix request cannot succeed for
// every allowed caller (it needs something of the caller's own): an allowed
// caller must get exactly 404 ENOTFOUND (past authorization, nothing
// there), a refused one 403. Their success is tested on its own.
var passedAuthorization = map[string]bool{
	"getImportProgress": true, // the import must be the caller's, running (TestImportReportsItsProgress)
	"putImportPart":     true, // the import must be the caller's (TestImportUploadRoutes)
	"completeImport":    true, // the import must be the caller's (TestImportUploadRoutes, TestImportReportsItsProgress)
	"abortImport":       true, // the import must be the caller's (TestImportUploadRoutes)
}

// allowedAnswer checks a response of a caller the policy allows.
func allowedAnswer(t *testing.T, routeID, caller string, perm shotline.Permission, r *response) {
	t.Helper()
	if passedAuthorization[routeID] {
		if r.Status != 404 || r.Code() != shotline.ENOTFOUND {
			t.Errorf("%s may %s: want 404 past authorization, got %d %s", caller, perm, r.Status, r.Body)
		}
		return
	}
	if r.Status >= 300 {
		t.Errorf("%s may %s but got %d %s", caller, perm, r.Status, r.Body)
	}
}

// TestRoleMatrix calls every registered route as every role, a non-member
// and an anonymous caller, and checks the answer against the policy: allowed
// roles succeed, other members get 403, non-members 404, anonymous 401.
func TestRoleMatrix(t *testing.T) {
	s := newServer(t, shttp.Config{SignInAttempts: 1000})
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	mu := &matrixUsers{clients: map[string]*client{}, ids: map[string]string{}}
	mu.services.ws, mu.services.p, mu.services.b = mongo.NewWorkspaceService(s.db), mongo.NewProjectService(s.db), mongo.NewBoardService(s.db)
	mu.services.v, mu.services.l = mongo.NewVersionStore(s.db), mongo.NewShareLinkService(s.db)
	matrix := policies.Grid() // subject → permission → allowed (policies/matrix.golden)
	mu.services.a = s.assets
	mu.services.r = s.renders
	for _, r := range shotline.Roles {
		c := s.signUp(t, string(r))
		mu.clients[string(r)], mu.ids[string(r)] = c, c.userID()
	}
	mu.clients["nonmember"] = s.signUp(t, "Outsider")
	mu.clients["anonymous"] = s.client(t)
	mu.coowner, mu.target = s.signUp(t, "Coowner").userID(), s.signUp(t, "Target").userID()

	used := map[shotline.Permission]bool{}
	for _, route := range s.Routes() {
		if route.Scope == shttp.ScopePublic {
			continue // sign-up, sign-in and probes are for everyone; tested on their own
		}
		build, ok := matrixRequests[route.ID]
		if !ok {
			t.Errorf("route %s %s (%s) is not in the role matrix: add it to matrixRequests", route.Method, route.Path, route.ID)
			continue
		}
		used[route.Perm] = true
		t.Run(route.ID, func(t *testing.T) {
			if route.Scope == shttp.ScopeSession {
				path, body := build(world{})
				mu.clients["anonymous"].do(route.Method, path, body).wantError(t, 401, shotline.EUNAUTHORIZED)
				fresh := s.signUp(t, "Fresh")
				if r := fresh.do(route.Method, path, body); r.Status >= 300 {
					t.Errorf("signed-in user: %d %s", r.Status, r.Body)
				}
				guest := mu.openLinkAs(t, s, mu.newWorld(t), "link:commenter", false)
				guest.do(route.Method, path, body).wantError(t, 401, shotline.EUNAUTHORIZED)
				return
			}
			for _, caller := range []string{"owner", "admin", "editor", "commenter", "viewer", "nonmember", "anonymous"} {
				w := mu.newWorld(t)
				path, body := build(w)
				r := mu.clients[caller].do(route.Method, path, body)
				switch {
				case caller == "anonymous":
					r.wantError(t, 401, shotline.EUNAUTHORIZED)
				case caller == "nonmember":
					r.wantError(t, 404, shotline.ENOTFOUND)
				case matrix[caller][string(route.Perm)]:
					allowedAnswer(t, route.ID, caller, route.Perm, r)
				default:
					if r.Status != 403 || r.Code() != shotline.EFORBIDDEN {
						t.Errorf("%s may not %s but got %d %s", caller, route.Perm, r.Status, r.Body)
					}
				}
			}
			// Share links reach their board (or project and its boards)
			// and nothing else: 404 outside, 403 inside without the
			// permission.
			for _, lc := range linkCallers {
				w := mu.newWorld(t)
				c := mu.openLinkAs(t, s, w, lc.subject, lc.project)
				path, body := build(w)
				r := c.do(route.Method, path, body)
				reaches := route.Scope == shttp.ScopeBoard || route.Scope == shttp.ScopeLink || (route.Scope == shttp.ScopeProject && lc.project)
				switch {
				case !reaches:
					if r.Status != 404 || r.Code() != shotline.ENOTFOUND {
						t.Errorf("%s outside its link got %d %s, want 404", lc.name, r.Status, r.Body)
					}
				case matrix[string(lc.subject)][string(route.Perm)]:
					allowedAnswer(t, route.ID, lc.name, route.Perm, r)
				default:
					if r.Status != 403 || r.Code() != shotline.EFORBIDDEN {
						t.Errorf("%s may not %s but got %d %s", lc.name, route.Perm, r.Status, r.Body)
					}
				}
			}
		})
	}
	// Every permission the policy grants for the REST API is used by a route
	// (comment:* belongs to the realtime channel).
	for _, p := range en.AllPermissions() {
		if !used[p] && !strings.HasPrefix(string(p), "comment:") && !strings.HasPrefix(string(p), "review:") && p != shotline.PermMemberOwners {
			t.Errorf("the policy grants %s but no route checks it", p)
		}
	}
}
