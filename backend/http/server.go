// Package http serves Shotline's REST API, its OpenAPI document and the
// single-page frontend with Fiber. Routes are declared with huma, which
// validates input against the same schemas it publishes.
package http

import (
	"context"
	"errors"
	"log/slog"
	nethttp "net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/export"
	"github.com/shotline/shotline/backend/metrics"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

// Config tunes the server. Zero values get the defaults noted.
type Config struct {
	StaticDir    string        // built frontend; "" serves no frontend
	CookieSecure bool          // mark cookies Secure (behind HTTPS)
	SessionTTL   time.Duration // default 30 days
	BodyLimit    int64         // bytes per request body; default 1 MiB
	// SignInAttempts is how many sign-in attempts one email (or ten times as
	// many from one IP) may make per SignInWindow. Defaults 10 and 15 minutes.
	SignInAttempts int
	SignInWindow   time.Duration
	// PublicOrigins are the origins (scheme://host[:port]) the app is served
	// from, for the Origin checks of writes and WebSocket upgrades. Empty:
	// the origin each request was made to (see sameOrigin). New panics on
	// one that CanonicalOrigin refuses: check them when reading the
	// configuration.
	PublicOrigins []string
	// MediaOrigins are where presigned URLs point (the object store, e.g.
	// "http://127.0.0.1:9000"): the page may show images and play videos
	// from them (Content-Security-Policy img-src and media-src).
	MediaOrigins []string
	// MetricsToken, when set, serves /metrics to requests that send it as
	// "Authorization: Bearer <token>"; empty serves no /metrics here.
	MetricsToken string
	// LinkAttempts is how many wrong passwords one share link (or ten times
	// as many from one IP) may get per SignInWindow, and half the number of
	// unknown tokens one IP may try. Default 10.
	LinkAttempts int
	// ImportLimit is the largest bundle an import takes, in bytes; default
	// ImportBodyLimit. The bundle arrives in parts into the object store,
	// then is copied to an unlinked temporary file in ImportDir (default
	// os.TempDir()) and imported from there, never held in memory, so the
	// limit is one of disk space and upload time.
	ImportLimit int64
	ImportDir   string
	// Ready reports whether the dependencies answer; /readyz calls it.
	Ready func(ctx context.Context) map[string]error
}

// Server holds the services the API uses and the Fiber app serving it.
type Server struct {
	Users      shotline.UserService
	Sessions   shotline.SessionService
	Workspaces shotline.WorkspaceService
	Projects   shotline.ProjectService
	Boards     shotline.BoardService
	Passwords  shotline.PasswordHasher
	Authz      shotline.Authorizer
	Hub        *realtime.Hub   // nil: no realtime channel
	Assets     *asset.Service  // nil: no uploads
	Renders    *render.Service // nil: no renders
	// RenderSettings keeps workspaces' render settings (with Renders).
	RenderSettings RenderSettingsStore
	Metrics        *metrics.Metrics // nil: no metrics
	Links          shotline.ShareLinkService
	Audit          shotline.AuditLog // nil: nothing is audited
	Inbox          shotline.InboxService
	Exports        *export.Requests // with Renders: exports run on its queue
	Importer       *export.Importer // nil: no imports
	// ImportProgress keeps running imports' progress (with Importer); nil
	// keeps none.
	ImportProgress shotline.ImportProgressStore

	app     *fiber.App
	api     huma.API
	cfg     Config
	log     *slog.Logger
	routes  []Route
	signIns *limiter
	origins []string // Config.PublicOrigins, canonical
	csp     string   // Content-Security-Policy of the app's pages
	// linkPasswords counts wrong share link passwords per link and per IP;
	// linkMisses unknown tokens per IP.
	linkPasswords, linkMisses *limiter
	now                       func() time.Time

	dummyOnce sync.Once
	dummy     string
}

// Services bundles what New needs.
type Services struct {
	Users      shotline.UserService
	Sessions   shotline.SessionService
	Workspaces shotline.WorkspaceService
	Projects   shotline.ProjectService
	Boards     shotline.BoardService
	Passwords  shotline.PasswordHasher
	Authz      shotline.Authorizer
	Hub        *realtime.Hub
	Versions   shotline.VersionStore // with Hub: named versions
	Assets     *asset.Service        // uploads and assets; nil serves none
	// Renders queues renders (with Hub, which has the shots); nil serves none.
	Renders        *render.Service
	RenderSettings RenderSettingsStore
	Metrics        *metrics.Metrics
	Links          shotline.ShareLinkService
	Audit          shotline.AuditLog
	Inbox          shotline.InboxService // with Hub: mentions and replies
	// Exports queues exports (with Renders, whose workers run them); nil
	// serves none. Importer imports bundles; nil serves no import.
	Exports        *export.Requests
	Importer       *export.Importer
	ImportProgress shotline.ImportProgressStore
}

// New builds the server and registers every route.
func New(svc Services, cfg Config, log *slog.Logger) *Server {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.SignInAttempts <= 0 {
		cfg.SignInAttempts = 10
	}
	if cfg.LinkAttempts <= 0 {
		cfg.LinkAttempts = 10
	}
	if cfg.SignInWindow <= 0 {
		cfg.SignInWindow = 15 * time.Minute
	}
	s := &Server{
		Users: svc.Users, Sessions: svc.Sessions, Workspaces: svc.Workspaces, Projects: svc.Projects,
		Boards: svc.Boards, Passwords: svc.Passwords, Authz: svc.Authz, Hub: svc.Hub, Assets: svc.Assets,
		Renders: svc.Renders, RenderSettings: svc.RenderSettings, Metrics: svc.Metrics,
		Links: svc.Links, Audit: svc.Audit, Inbox: svc.Inbox, Exports: svc.Exports, Importer: svc.Importer, ImportProgress: svc.ImportProgress,
		cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() },
	}
	s.signIns = newLimiter(cfg.SignInWindow)
	s.linkPasswords, s.linkMisses = newLimiter(cfg.SignInWindow), newLimiter(cfg.SignInWindow)
	for _, o := range cfg.PublicOrigins {
		co, err := CanonicalOrigin(o)
		if err != nil {
			panic("http.New: " + err.Error())
		}
		s.origins = append(s.origins, co)
	}
	media := strings.Join(append([]string{""}, cfg.MediaOrigins...), " ")
	s.csp = "default-src 'self'; img-src 'self' data: blob:" + media + "; media-src 'self' blob:" + media +
		"; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
	s.app = fiber.New(fiber.Config{
		AppName:               "shotline",
		BodyLimit:             int(cfg.BodyLimit),
		DisableStartupMessage: true,
		ErrorHandler:          s.fiberError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Lets fasthttp return a connection's 4 KiB read and write buffers
		// to their pools between requests and, above all, before a
		// WebSocket upgrade hands the connection over: otherwise every open
		// socket keeps them. (Request bodies must not stream for this:
		// fasthttp keeps the read buffer of a connection whose bodies
		// stream. Large files arrive in parts instead: asset uploads and
		// bundle imports.)
		ReduceMemoryUsage: true,
	})
	s.app.Use(s.recoverPanics, s.requestContext, s.securityHeaders, s.checkOrigin, s.checkBodyDepth)

	hc := huma.DefaultConfig("Shotline API", "1.0.0")
	hc.Info.Description = "REST API of Shotline, the collaborative storyboard workspace. Cookie-authenticated writes need the X-CSRF-Token header."
	hc.OpenAPIPath = "/api/openapi"
	hc.DocsPath = "" // served by serveDocs, without a CDN
	hc.SchemasPath = "/api/schemas"
	hc.CreateHooks = nil // no $schema links in bodies
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"session": {Type: "apiKey", In: "cookie", Name: sessionCookie},
	}
	s.api = humafiber.New(s.app, hc)

	s.registerHealth()
	s.registerAuth()
	s.registerWorkspaces()
	s.registerMembers()
	s.registerProjects()
	s.registerBoards()
	if s.Assets != nil {
		s.registerAssets()
	}
	if s.Renders != nil && s.Hub != nil {
		s.registerRenders()
	}
	if s.Exports != nil && s.Renders != nil {
		s.registerExports()
	}
	if s.Links != nil {
		s.registerShareLinks()
	}
	if s.Audit != nil {
		s.registerAudit()
	}
	if s.Hub != nil {
		s.registerLive()
		s.documentLive()
		s.registerReview()
		if s.Inbox != nil {
			s.registerInbox()
		}
		if svc.Versions != nil {
			s.registerVersions(svc.Versions)
		}
	}

	if s.Metrics != nil && cfg.MetricsToken != "" {
		s.serveMetrics(cfg.MetricsToken)
	}
	s.serveDocs()
	s.app.All("/api/*", func(c *fiber.Ctx) error {
		return fiber.NewError(nethttp.StatusNotFound, "No such API route.")
	})
	if cfg.StaticDir != "" {
		s.serveFrontend(cfg.StaticDir)
	}
	return s
}

// App returns the Fiber app, for Listen and for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// OpenAPI returns the OpenAPI document of the registered routes.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// Shutdown stops accepting connections and waits for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// fiberError writes errors raised outside huma (unknown routes, body over
// Fiber's limit, panics) in the API's error format.
func (s *Server) fiberError(c *fiber.Ctx, err error) error {
	status := nethttp.StatusInternalServerError
	msg := "Internal error."
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, msg = fe.Code, fe.Message
	} else {
		s.log.ErrorContext(c.UserContext(), "internal error", "err", err, "request_id", requestID(c.UserContext()))
	}
	if status == nethttp.StatusRequestEntityTooLarge {
		msg = "Request body is too large."
	}
	return c.Status(status).JSON(&APIError{Code: codeOfStatus(status), Message: msg})
}

func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(c.UserContext(), "panic", "panic", r, "request_id", requestID(c.UserContext()))
			err = fiber.NewError(nethttp.StatusInternalServerError, "Internal error.")
		}
	}()
	return c.Next()
}

type requestInfo struct {
	ID        string
	IP        string
	UserAgent string
}

type requestKey struct{}

func requestID(ctx context.Context) string {
	if ri, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return ri.ID
	}
	return ""
}

func clientIP(ctx context.Context) string {
	if ri, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		return ri.IP
	}
	return ""
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestContext gives each request an id (the caller's X-Request-ID when
// sane), puts it in the context, and logs one line when the request ends.
func (s *Server) requestContext(c *fiber.Ctx) error {
	id := c.Get("X-Request-ID")
	if !validRequestID.MatchString(id) {
		id = uuid.NewString()
	}
	ri := &requestInfo{ID: id, IP: c.IP(), UserAgent: c.Get("User-Agent")}
	c.SetUserContext(context.WithValue(c.UserContext(), requestKey{}, ri))
	c.Set("X-Request-ID", id)
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	if strings.HasPrefix(c.Path(), "/api/") || status >= 500 {
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.UserContext(), level, "request",
			slog.String("request_id", id), slog.String("method", c.Method()), slog.String("route", c.Route().Path),
			slog.Int("status", status), slog.Duration("duration", time.Since(start)), slog.String("ip", ri.IP))
	}
	return nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Set("Content-Security-Policy", s.csp) // the API reference sets its own (serveDocs)
	if s.cfg.CookieSecure {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// checkOrigin refuses cross-site writes: a browser always sends Origin on
// them, and it must name this server (sameOrigin). This also covers sign-in
// and sign-up, which have no session (and so no CSRF token) yet. A write
// without Origin is not from a browser's page; cookie-authenticated ones
// still need the CSRF token.
func (s *Server) checkOrigin(c *fiber.Ctx) error {
	if !unsafeMethod(c.Method()) {
		return c.Next()
	}
	origin := c.Get("Origin")
	if origin == "" {
		return c.Next()
	}
	if !s.sameOrigin(c, origin) {
		return c.Status(nethttp.StatusForbidden).JSON(&APIError{Code: shotline.ECSRF, Message: "Cross-site request refused."})
	}
	return c.Next()
}

// checkBodyDepth refuses a request body nested more than
// shotline.MaxJSONDepth levels (422 EINVALID) before anything decodes it:
// nothing in the API nests that deep, and stored documents must stay
// within MongoDB's 100 levels.
func (s *Server) checkBodyDepth(c *fiber.Ctx) error {
	// Raw bodies (upload parts) are bytes, not JSON: their '{' and '['
	// bytes are no nesting, and huma parses no JSON from them.
	switch ct, _, _ := strings.Cut(string(c.Request().Header.ContentType()), ";"); strings.TrimSpace(ct) {
	case "application/octet-stream", "application/zip":
		return c.Next()
	}
	if body := c.Body(); len(body) > 0 {
		if err := shotline.ValidateJSONDepth("body", body, shotline.MaxJSONDepth); err != nil {
			e := apiError(c.UserContext(), s.log, err)
			return c.Status(e.status).JSON(e)
		}
	}
	return c.Next()
}

// serveFrontend serves the built single-page app: files as they are, and
// index.html for any other path so client-side routes work on reload.
func (s *Server) serveFrontend(dir string) {
	index := filepath.Join(dir, "index.html")
	s.app.Static("/", dir, fiber.Static{Compress: true, MaxAge: 3600})
	s.app.Get("/*", func(c *fiber.Ctx) error {
		if _, err := os.Stat(index); err != nil {
			return fiber.NewError(nethttp.StatusNotFound, "The frontend is not built; run npm run build in frontend/.")
		}
		c.Set("Cache-Control", "no-cache")
		return c.SendFile(index)
	})
}
