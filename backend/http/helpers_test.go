package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/export"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/metrics"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/nats"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/password"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testServer is a Server on a fresh database of the harness's FerretDB.
type testServer struct {
	*shttp.Server
	db      *mongo.DB
	audit   *mongo.QueryAudit // every command the server's database sends
	dbURI   string
	assets  *asset.Service
	renders *render.Service
	worker  *render.Worker
	name    string
}

// cheapHasher keeps tests fast; production uses password.Default.
var cheapHasher = password.Hasher{Memory: 1024, Time: 1, Threads: 1}

func newServer(t testing.TB, cfg shttp.Config) *testServer {
	t.Helper()
	env := testenv.Get(t)
	name := testenv.Database(t)
	return openServer(t, env.MongoURI, name, cfg)
}

// importLimits are the import limits of the next openServer.
var importLimits export.ImportLimits

// wrapImportProgress, when set, wraps the import progress store of the next
// openServer (to watch what an import stores).
var wrapImportProgress func(shotline.ImportProgressStore) shotline.ImportProgressStore

// rtConfig is the realtime configuration the next openServer uses.
var rtConfig realtime.Config

// logOutput, when set, receives the next openServer's log lines (debug
// level included), for tests that read them.
var logOutput io.Writer

// openServer connects a new Server to an existing database, as a restarted
// app would.
func openServer(t testing.TB, uri, name string, cfg shttp.Config) *testServer {
	t.Helper()
	ctx := context.Background()
	// Every query a test makes the server send must stay bounded on the
	// local store (docs/storage.md): the audit fails the test otherwise.
	audit := mongo.NewQueryAudit()
	db, err := mongo.Open(ctx, uri, name, audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	audit.Reset() // Migrate's one-time work reads what it must
	t.Cleanup(func() {
		for _, q := range audit.Unbounded() {
			t.Errorf("a query reads its whole collection on the local store: %s", q)
		}
	})
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if logOutput != nil {
		log = slog.New(slog.NewJSONHandler(logOutput, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	boards := mongo.NewBoardService(db)
	versions := mongo.NewVersionStore(db)
	met := metrics.New()
	hub := realtime.NewHub(boards, met.OpLog(mongo.NewOpLog(db)), versions, en, rtConfig, log)
	met.Rooms(hub.Rooms)
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	assets := newAssets(t, db, log)
	renders := newRenders(t, db, assets, hub, log)
	queue := renders.Queue.(*mongo.RenderQueue)
	met.QueueDepth(queue.Depth)
	projects := mongo.NewProjectService(db)
	renders.Exporter = &export.Exporter{Source: &shttp.ExportSource{Boards: boards, Projects: projects,
		Snapshot: func(ctx context.Context, b *shotline.Board) (board.BoardSnapshot, error) {
			snap, _, err := hub.BoardSnapshotOf(ctx, b)
			return snap, err
		}}, Queue: queue, Assets: assets.Store, Objects: assets.Objects, Log: log}
	importer := &export.Importer{Target: &shttp.ImportTarget{Projects: projects, Boards: boards, OpLog: mongo.NewOpLog(db), Renders: queue,
		Settings: mongo.NewRenderSettingsStore(db)}, Assets: assets.Store, Objects: assets.Objects, Quota: 1 << 30,
		Limits: importLimits, AssetKey: asset.ObjectKey, RenderKey: render.ResultKey}
	met.BytesStored(mongo.NewAssetStore(db).TotalUsage)
	var progress shotline.ImportProgressStore = mongo.NewImportProgressStore(db)
	if wrapImportProgress != nil {
		progress = wrapImportProgress(progress)
	}
	srv := shttp.New(shttp.Services{
		Users: mongo.NewUserService(db), Sessions: mongo.NewSessionService(db), Workspaces: mongo.NewWorkspaceService(db),
		Projects: projects, Boards: boards, Passwords: cheapHasher, Authz: en, Hub: hub, Versions: versions,
		Assets: assets, Renders: renders, RenderSettings: mongo.NewRenderSettingsStore(db), Metrics: met,
		Links: mongo.NewShareLinkService(db), Audit: mongo.NewAuditLog(db), Inbox: mongo.NewInboxService(db),
		Exports: &export.Requests{Queue: queue}, Importer: importer, ImportProgress: progress,
	}, cfg, log)
	return &testServer{Server: srv, db: db, audit: audit, dbURI: uri, name: name, assets: assets, renders: renders,
		worker: &render.Worker{ID: "test-worker", Service: renders, Lease: 10 * time.Second,
			Observe: func(j *shotline.RenderJob, outcome string, d time.Duration) { met.RenderRun(j.Provider, outcome, d) }}}
}

// newAssets is an asset service on a fresh bucket of the harness's MinIO,
// with the smallest part size S3 allows.
func newAssets(t testing.TB, db *mongo.DB, log *slog.Logger) *asset.Service {
	t.Helper()
	env := testenv.Get(t)
	objects, err := objectstore.Open(objectstore.Config{Endpoint: env.S3Endpoint, AccessKey: env.S3AccessKey, SecretKey: env.S3SecretKey,
		Bucket: testenv.Bucket(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &asset.Service{Store: mongo.NewAssetStore(db), Objects: objects, PartSize: 5 << 20, Log: log}
}

// newRenders is a render service with the animatic provider whose jobs
// tests run with testServer.worker; workspaces start with 100 credits.
func newRenders(t testing.TB, db *mongo.DB, assets *asset.Service, hub *realtime.Hub, log *slog.Logger) *render.Service {
	t.Helper()
	policy, err := render.LoadPolicy("../../policies/moderation.json")
	if err != nil {
		t.Fatal(err)
	}
	queue := mongo.NewRenderQueue(db)
	svc := &render.Service{Queue: queue, Credits: mongo.NewCreditStore(db), Assets: assets.Store, Objects: assets.Objects,
		Settings: mongo.NewRenderSettingsStore(db), Policy: policy, Providers: map[string]render.Provider{"animatic": &render.Animatic{}},
		Notify: hub.BroadcastRender, Welcome: 100, Log: log}
	queue.OnFinish = svc.Finished
	return svc
}

// shareRooms connects the server's hub to the other instances through the
// harness's NATS server.
func shareRooms(t testing.TB, s *testServer) {
	t.Helper()
	broker, err := nats.Connect(testenv.NATS(t), "", slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = broker.Close() })
	if err := s.Hub.ShareRooms(broker); err != nil {
		t.Fatal(err)
	}
}

// client is one browser: it keeps cookies and sends the CSRF token on writes.
type client struct {
	t       testing.TB
	srv     *testServer
	cookies map[string]*nethttp.Cookie
	csrf    string
	header  nethttp.Header // extra headers for every request
}

func (s *testServer) client(t testing.TB) *client {
	return &client{t: t, srv: s, cookies: map[string]*nethttp.Cookie{}, header: nethttp.Header{}}
}

// response is a decoded answer.
type response struct {
	Status int
	Header nethttp.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Code is the error code of an error response.
func (r *response) Code() string {
	c, _ := r.JSON()["code"].(string)
	return c
}

// Str returns a top-level string field.
func (r *response) Str(key string) string {
	s, _ := r.JSON()[key].(string)
	return s
}

// upload attaches data (a small file: one part) to a shot of board as the
// reference called name: the upload, its part and its completion. It
// returns the asset's id.
func (c *client) upload(board, shot, name string, data []byte) string {
	c.t.Helper()
	id := c.do("POST", "/api/boards/"+board+"/uploads", map[string]any{"name": name, "size": len(data), "shotId": shot}).must(c.t, 201).Str("id")
	c.do("PUT", "/api/boards/"+board+"/uploads/"+id+"/parts/1", data).must(c.t, 204)
	c.do("POST", "/api/boards/"+board+"/uploads/"+id+"/complete", nil).must(c.t, 200)
	return id
}

// do sends body as is (a string or []byte is sent verbatim, anything else
// as JSON).
func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if c.csrf != "" && method != nethttp.MethodGet && req.Header.Get("X-CSRF-Token") == "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.srv.App().Test(req, -1)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Value == "" || ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	r := &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if tok := r.Str("csrfToken"); tok != "" {
		c.csrf = tok
	}
	return r
}

// must fails the test unless the response has the wanted status.
func (r *response) must(t testing.TB, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// wantError checks status and error code.
func (r *response) wantError(t testing.TB, status int, code string) {
	t.Helper()
	if r.Status != status || r.Code() != code {
		t.Fatalf("got %d %q, want %d %q; body %s", r.Status, r.Code(), status, code, r.Body)
	}
	if r.Str("message") == "" {
		t.Fatalf("error without a message: %s", r.Body)
	}
}

var userSeq int

// signUp creates a fresh account and returns its signed-in client.
func (s *testServer) signUp(t testing.TB, name string) *client {
	t.Helper()
	userSeq++
	c := s.client(t)
	email := strings.ToLower(name) + "-" + strconv.Itoa(userSeq) + "@example.com"
	c.do("POST", "/api/auth/signup", map[string]any{"email": email, "password": "a long passphrase", "name": name}).must(t, 201)
	return c
}

// userID of the signed-in client.
func (c *client) userID() string {
	c.t.Helper()
	u, _ := c.do("GET", "/api/auth/session", nil).must(c.t, 200).JSON()["user"].(map[string]any)
	return u["id"].(string)
}

func (c *client) email() string {
	c.t.Helper()
	u, _ := c.do("GET", "/api/auth/session", nil).must(c.t, 200).JSON()["user"].(map[string]any)
	return u["email"].(string)
}

func newCookie(name, value string) *nethttp.Cookie { return &nethttp.Cookie{Name: name, Value: value} }

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// serve runs the app on a real loopback port and returns its base URL.
func (s *testServer) serve(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.App().Shutdown() })
	return "http://" + ln.Addr().String()
}

// doRaw sends data verbatim as an application/octet-stream body.
func (c *client) doRaw(method, path string, data []byte) *response {
	c.t.Helper()
	prev, had := c.header["Content-Type"]
	c.header.Set("Content-Type", "application/octet-stream")
	defer func() {
		if had {
			c.header["Content-Type"] = prev
		} else {
			c.header.Del("Content-Type")
		}
	}()
	return c.do(method, path, data)
}

// beginImport starts importing a bundle of size bytes into workspace ws
// and returns the import's id and part size (failing the test otherwise).
func beginImport(t testing.TB, c *client, ws string, size int) (id string, partSize int) {
	t.Helper()
	r := c.do("POST", "/api/workspaces/"+ws+"/imports", map[string]any{"size": size}).must(t, 201)
	ps, _ := r.JSON()["partSize"].(float64)
	return r.Str("id"), int(ps)
}

// importBundle imports data into workspace ws as the import dialog does:
// begin, every part, complete. It returns the first answer that is not a
// success (begin's or a part's), else complete's.
func importBundle(t testing.TB, c *client, ws string, data []byte) *response {
	t.Helper()
	begin := c.do("POST", "/api/workspaces/"+ws+"/imports", map[string]any{"size": len(data)})
	if begin.Status != 201 {
		return begin
	}
	id := begin.Str("id")
	ps, _ := begin.JSON()["partSize"].(float64)
	partSize := int(ps)
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		r := c.doRaw("PUT", fmt.Sprintf("/api/workspaces/%s/imports/%s/parts/%d", ws, id, n), data[off:min(off+partSize, len(data))])
		if r.Status != 204 {
			return r
		}
	}
	return c.do("POST", "/api/workspaces/"+ws+"/imports/"+id+"/complete", nil)
}
