package http

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	nethttp "net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/shotline"
)

// Scope says what a route acts on, and so where the caller's role comes from.
type Scope int

// Scopes, from none to the most specific.
const (
	ScopePublic    Scope = iota // anyone, no session needed
	ScopeSession                // any signed-in user; acts on their own account
	ScopeWorkspace              // path has {workspaceId}
	ScopeProject                // path has {projectId}
	ScopeBoard                  // path has {boardId}
	ScopeLink                   // path has {linkId}: the board or project of that share link
)

// Route declares one operation with its authorization next to it: the scope
// and the permission the caller's role must hold there.
type Route struct {
	ID      string // operation id
	Method  string
	Path    string // huma style: /api/boards/{boardId}
	Summary string
	Tag     string
	Scope   Scope
	Perm    shotline.Permission // required for ScopeWorkspace and narrower
	Status  int                 // success status; 0 lets huma choose
	MaxBody int64               // body limit in bytes; 0 is Config.BodyLimit
	// RawBody, when set, documents a raw request body of this content type
	// that the handler reads itself (huma reads no body then).
	RawBody string
}

// Routes lists every API route the server registered, for tests and docs.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// register adds one operation: huma validates and decodes the input, our
// middlewares authenticate and authorize, and errors from h are translated
// to API errors once, here.
func register[I, O any](s *Server, r Route, h func(ctx context.Context, in *I) (*O, error)) {
	if r.Scope >= ScopeWorkspace && r.Perm == "" {
		panic("route " + r.ID + " has a scope but no permission")
	}
	s.routes = append(s.routes, r)
	op := huma.Operation{
		OperationID:   r.ID,
		Method:        r.Method,
		Path:          r.Path,
		Summary:       r.Summary,
		Tags:          []string{r.Tag},
		DefaultStatus: r.Status,
		MaxBodyBytes:  cmp.Or(r.MaxBody, s.cfg.BodyLimit),
		Middlewares:   huma.Middlewares{withFiber, s.authenticate(r), s.authorize(r)},
	}
	if r.RawBody != "" {
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{r.RawBody: {}}}
	}
	if r.Scope != ScopePublic {
		op.Security = []map[string][]string{{"session": {}}}
	}
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, apiError(ctx, s.log, err)
		}
		return out, nil
	})
	documentRoute(s.api.OpenAPI().Paths[r.Path], r)
}

// documentRoute completes r's operation in the OpenAPI document with what
// the middlewares read rather than huma: every variable of the path (the
// authorization middleware reads them; input structs that embed them in an
// unexported struct hide them from huma), and the X-CSRF-Token header that
// cookie-authenticated writes need.
func documentRoute(item *huma.PathItem, r Route) {
	op := operationOf(item, r.Method)
	if op == nil {
		panic("route " + r.ID + " is not in the OpenAPI document")
	}
	for _, name := range pathVariables(r.Path) {
		if !hasParam(op, "path", name) {
			op.Parameters = append(op.Parameters, &huma.Param{Name: name, In: "path", Required: true,
				Schema: &huma.Schema{Type: huma.TypeString, MaxLength: ptr(64)}})
		}
	}
	if r.Scope != ScopePublic && unsafeMethod(r.Method) && !hasParam(op, "header", csrfHeader) {
		op.Parameters = append(op.Parameters, csrfParam())
	}
}

// csrfParam is the X-CSRF-Token header of cookie-authenticated writes.
func csrfParam() *huma.Param {
	return &huma.Param{Name: csrfHeader, In: "header", Required: true,
		Description: "The session's CSRF token (csrfToken of the session, also in the shotline_csrf cookie); a write without it gets 403 ECSRF.",
		Schema:      &huma.Schema{Type: huma.TypeString}}
}

func ptr[T any](v T) *T { return &v }

// operationOf returns item's operation for method, or nil.
func operationOf(item *huma.PathItem, method string) *huma.Operation {
	if item == nil {
		return nil
	}
	switch method {
	case nethttp.MethodGet:
		return item.Get
	case nethttp.MethodPost:
		return item.Post
	case nethttp.MethodPut:
		return item.Put
	case nethttp.MethodPatch:
		return item.Patch
	case nethttp.MethodDelete:
		return item.Delete
	}
	return nil
}

// pathVariables returns the names of path's {variables}, in order.
func pathVariables(path string) []string {
	var names []string
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return names
		}
		names = append(names, rest[i+1:j])
		rest = rest[j+1:]
	}
}

func hasParam(op *huma.Operation, in, name string) bool {
	for _, p := range op.Parameters {
		if p.In == in && strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

// Caller is who makes a request, resolved once: a signed-in account (User
// and Session), a guest of a share link (Guest and its Link, already
// checked to be usable), or a member who also opened a link (all four).
type Caller struct {
	User    *shotline.User
	Session *shotline.Session
	Guest   *shotline.GuestSession
	Link    *shotline.ShareLink
}

// principal is what authorization sees of the caller.
func (c *Caller) principal() authz.Principal {
	p := authz.Principal{Link: c.Link}
	if c.User != nil {
		p.UserID = c.User.ID
	}
	return p
}

// Actor is the id ops and comments carry: the user's id, or the guest's
// "guest:…" id.
func (c *Caller) Actor() string {
	if c.User != nil {
		return c.User.ID
	}
	return c.Guest.Actor()
}

// csrfOK reports whether token is the CSRF token of one of the caller's
// sessions.
func (c *Caller) csrfOK(token string) bool {
	ok := false
	if c.Session != nil {
		ok = subtle.ConstantTimeCompare([]byte(token), []byte(c.Session.CSRFToken)) == 1
	}
	if c.Guest != nil {
		ok = ok || subtle.ConstantTimeCompare([]byte(token), []byte(c.Guest.CSRFToken)) == 1
	}
	return token != "" && ok
}

// Access is what authorization found for a scoped route: the workspace, the
// caller's grant there (Role is its role: a member role or a link subject),
// and the project or board the path names.
type Access struct {
	Workspace *shotline.Workspace
	Role      shotline.Role
	Grant     authz.Grant
	Project   *shotline.Project
	Board     *shotline.Board
	Link      *shotline.ShareLink // ScopeLink: the share link the path names
}

type callerKey struct{}
type fiberKey struct{}

// withFiber makes the Fiber context reachable from handlers, for the few
// things huma cannot express (several Set-Cookie headers).
func withFiber(ctx huma.Context, next func(huma.Context)) {
	next(huma.WithValue(ctx, fiberKey{}, humafiber.Unwrap(ctx)))
}

func fiberFrom(ctx context.Context) *fiber.Ctx { return ctx.Value(fiberKey{}).(*fiber.Ctx) }

type accessKey struct{}

func callerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

func accessFrom(ctx context.Context) *Access {
	a, _ := ctx.Value(accessKey{}).(*Access)
	return a
}

// sessionID is what we store for a session token: its SHA-256, so the
// database never holds a usable token.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func unsafeMethod(m string) bool {
	return m != nethttp.MethodGet && m != nethttp.MethodHead && m != nethttp.MethodOptions
}

// authenticate resolves the caller from the session cookie (and, on routes
// a share link can reach, the guest cookie), and checks the CSRF token on
// writes. Public routes pass through.
func (s *Server) authenticate(r Route) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if r.Scope == ScopePublic {
			next(ctx)
			return
		}
		guestToken := ""
		if r.Scope >= ScopeWorkspace {
			guestToken = cookieValue(ctx, guestCookie)
		}
		caller, err := s.resolveCaller(ctx.Context(), cookieValue(ctx, sessionCookie), guestToken)
		if err == nil && r.Scope == ScopeSession && caller.User == nil {
			err = shotline.Errorf(shotline.EUNAUTHORIZED, "Sign in first.")
		}
		if err != nil {
			writeError(ctx, apiError(ctx.Context(), s.log, err))
			return
		}
		if unsafeMethod(ctx.Method()) && !caller.csrfOK(ctx.Header(csrfHeader)) {
			writeError(ctx, &APIError{status: nethttp.StatusForbidden, Code: shotline.ECSRF, Message: "Missing or wrong " + csrfHeader + " header; reload the page."})
			return
		}
		next(huma.WithValue(ctx, callerKey{}, caller))
	}
}

// authorize resolves the workspace the path points into, finds the caller's
// role there and asks the policy. Non-members get 404, as if the workspace
// did not exist; members without the permission get 403.
func (s *Server) authorize(r Route) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if r.Scope < ScopeWorkspace {
			next(ctx)
			return
		}
		id, scope := ctx.Param("workspaceId"), r.Scope
		var link *shotline.ShareLink
		switch r.Scope {
		case ScopeProject:
			id = ctx.Param("projectId")
		case ScopeBoard:
			id = ctx.Param("boardId")
		case ScopeLink:
			l, err := s.Links.FindShareLink(ctx.Context(), ctx.Param("linkId"))
			if err != nil {
				writeError(ctx, apiError(ctx.Context(), s.log, err))
				return
			}
			link, scope, id = l, ScopeProject, l.ProjectID
			if l.BoardID != "" {
				scope, id = ScopeBoard, l.BoardID
			}
		}
		a, err := s.access(ctx.Context(), callerFrom(ctx.Context()), scope, id, r.Perm)
		if err != nil && link != nil && shotline.ErrorCode(err) == shotline.ENOTFOUND {
			err = shotline.Errorf(shotline.ENOTFOUND, "Share link not found.")
		}
		if err != nil {
			writeError(ctx, apiError(ctx.Context(), s.log, err))
			return
		}
		a.Link = link
		next(huma.WithValue(ctx, accessKey{}, a))
	}
}

func notFoundIn(scope Scope) error {
	switch scope {
	case ScopeBoard:
		return shotline.Errorf(shotline.ENOTFOUND, "Board not found.")
	case ScopeProject:
		return shotline.Errorf(shotline.ENOTFOUND, "Project not found.")
	}
	return shotline.Errorf(shotline.ENOTFOUND, "Workspace not found.")
}

// access loads what id names in scope (a workspace, project or board),
// resolves the caller's grant there (member role, share link, or the higher
// of both) and checks perm: ENOTFOUND for callers who hold nothing there,
// as if it did not exist, EFORBIDDEN without the permission. The REST
// middleware and the WebSocket upgrade both use it.
func (s *Server) access(ctx context.Context, caller *Caller, scope Scope, id string, perm shotline.Permission) (*Access, error) {
	a := &Access{}
	wsID, projectID, boardID := id, "", ""
	switch scope {
	case ScopeProject:
		p, err := s.Projects.FindProjectByID(ctx, id)
		if err != nil {
			return nil, err
		}
		a.Project, wsID, projectID = p, p.WorkspaceID, p.ID
	case ScopeBoard:
		b, err := s.Boards.FindBoardByID(ctx, id)
		if err != nil {
			return nil, err
		}
		a.Board, wsID, projectID, boardID = b, b.WorkspaceID, b.ProjectID, b.ID
	}
	w, err := s.Workspaces.FindWorkspaceByID(ctx, wsID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil, notFoundIn(scope)
	} else if err != nil {
		return nil, err
	}
	a.Workspace = w
	g, ok := authz.Resolve(w, caller.principal(), projectID, boardID)
	if !ok {
		return nil, notFoundIn(scope)
	}
	if !g.Allowed(s.Authz, perm) {
		return nil, shotline.Errorf(shotline.EFORBIDDEN, "Your role (%s) may not do this.", g.Role)
	}
	a.Grant, a.Role = g, g.Role
	return a, nil
}

func cookieValue(ctx huma.Context, name string) string {
	c, err := huma.ReadCookie(ctx, name)
	if err != nil {
		return ""
	}
	return c.Value
}
