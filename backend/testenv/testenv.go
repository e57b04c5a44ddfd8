// Package testenv starts the real servers that integration tests talk to:
// FerretDB (the MongoDB wire protocol on SQLite) and MinIO, each on a free
// loopback port with a temporary data directory. A package opts in with
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// and its tests call Get for the addresses, Database for a fresh database and
// Bucket for a fresh bucket.
//
// Object-store tests run against a second S3 server as well, versitygw (a
// maintained S3 gateway on a POSIX directory), so that the code keeps to the
// plain S3 API: S3Servers returns both, starting versitygw the first time a
// test binary asks for it, and S3Server.Bucket makes a fresh bucket on one.
//
// The binaries come from SHOTLINE_FERRETDB_BIN, SHOTLINE_MINIO_BIN and
// SHOTLINE_VERSITYGW_BIN, else from <repo>/.tools/bin, where scripts/setup.sh
// builds them (versitygw only with --tests, as scripts/test.sh runs it). When one is missing, Main (or S3Servers, for versitygw) fails:
// integration tests never skip silently.
//
// The servers run in their own process groups and are killed when the test
// binary exits, even by a panic, a timeout or Ctrl-C. The harness keeps one
// goroutine for that while tests run; leak checks can ignore its top
// function, "github.com/shotline/shotline/backend/testenv.(*supervisor).loop".
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Env says where the harness's servers listen.
type Env struct {
	// MongoURI is FerretDB's connection string, e.g. mongodb://127.0.0.1:40123/.
	MongoURI string
	// S3Endpoint is MinIO's host:port (plain HTTP), for minio.New.
	S3Endpoint string
	// S3AccessKey and S3SecretKey are MinIO's root credentials.
	S3AccessKey, S3SecretKey string
}

// S3Server is one of the harness's S3 servers.
type S3Server struct {
	// Name is "minio" or "versitygw"; it suits a subtest's name.
	Name string
	// Endpoint is the server's host:port (plain HTTP), for minio.New.
	Endpoint string
	// AccessKey and SecretKey are the server's root credentials.
	AccessKey, SecretKey string
}

// minio is the MinIO server that Env describes.
func (e Env) minio() S3Server {
	return S3Server{Name: "minio", Endpoint: e.S3Endpoint, AccessKey: e.S3AccessKey, SecretKey: e.S3SecretKey}
}

// How long a server may take to answer after it starts.
const readyTimeout = 60 * time.Second

// The root credentials of the harness's throwaway S3 servers.
const (
	s3AccessKey = "shotline-test"
	s3SecretKey = "shotline-test-secret"
)

// stack is what Main started. RestartMongo replaces ferret; mu guards it.
type stack struct {
	env        Env
	dir        string
	sup        *supervisor
	ferretAddr string // host:port
	ferretBin  string
	mu         sync.Mutex
	ferret     *proc
	minio      *proc

	// versitygw is started by the first S3Servers call; vgwMu guards these.
	vgwMu     sync.Mutex
	vgwTried  bool
	versitygw S3Server
	vgwErr    error
}

var current *stack // set by Main before the tests run

// Main starts FerretDB and MinIO, runs the tests and stops the servers, then
// exits with the tests' status. Call it from TestMain. It exits with status 1,
// saying why, when a binary is missing or a server does not start.
func Main(m *testing.M) {
	s, err := startStack()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		os.Exit(1)
	}
	current = s
	code := m.Run()
	if err := s.close(); err != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// Get returns where the servers listen. It fails the test if Main did not
// start them.
func Get(tb testing.TB) *Env {
	tb.Helper()
	if current == nil {
		tb.Fatal("testenv: the test servers are not running: add func TestMain(m *testing.M) { testenv.Main(m) } to this package")
	}
	env := current.env
	return &env
}

// Database returns the name of a fresh database for this test, dropped when
// the test ends.
func Database(tb testing.TB) string {
	tb.Helper()
	env := Get(tb)
	name := uniqueName(tb, "t_", "_", 38)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client, err := mongo.Connect(options.Client().ApplyURI(env.MongoURI))
		if err != nil {
			tb.Errorf("testenv: drop database %s: %v", name, err)
			return
		}
		defer func() { _ = client.Disconnect(context.Background()) }()
		if err := client.Database(name).Drop(ctx); err != nil {
			tb.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	return name
}

// Bucket creates a fresh bucket on MinIO for this test and returns its name.
// When the test ends, its objects, object versions and unfinished uploads are
// removed, then the bucket.
func Bucket(tb testing.TB) string {
	tb.Helper()
	return Get(tb).minio().Bucket(tb)
}

// S3Servers returns every S3 server that object-store tests must pass on,
// MinIO first, then versitygw. It starts versitygw the first time it is
// called in a test binary, so packages that never call it do not pay for it;
// the server stops with the others when Main returns. It fails the test if
// versitygw cannot start (and every later caller, with the same error).
func S3Servers(tb testing.TB) []S3Server {
	tb.Helper()
	env := Get(tb)
	s := current
	s.vgwMu.Lock()
	defer s.vgwMu.Unlock()
	if !s.vgwTried {
		s.vgwTried = true
		s.versitygw, s.vgwErr = s.startVersityGW()
	}
	if s.vgwErr != nil {
		tb.Fatalf("testenv: %v", s.vgwErr)
	}
	return []S3Server{env.minio(), s.versitygw}
}

// Bucket creates a fresh bucket on srv for this test and returns its name.
// When the test ends, its objects, object versions and unfinished uploads are
// removed, then the bucket.
func (srv S3Server) Bucket(tb testing.TB) string {
	tb.Helper()
	name := uniqueName(tb, "t-", "-", 63)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, closeClient, err := s3Client(srv)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	defer closeClient()
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("testenv: create bucket %s on %s: %v", name, srv.Name, err)
	}
	tb.Cleanup(func() {
		if err := removeBucket(srv, name); err != nil {
			tb.Errorf("testenv: %s: %v", srv.Name, err)
		}
	})
	return name
}

// RestartMongo stops FerretDB (SIGTERM, then waits for it to exit) and starts
// it again on the same port and data directory, as after a crash or a
// reboot, and returns once it answers. Connections open across the restart
// break; the driver reconnects. Do not call it from parallel tests.
func RestartMongo(tb testing.TB) {
	tb.Helper()
	Get(tb)
	s := current
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sup.stop(s.ferret); err != nil {
		tb.Fatalf("testenv: stop FerretDB: %v", err)
	}
	p, err := s.launchFerret()
	if err == nil {
		s.ferret = p
		err = s.waitFerret()
	}
	if err != nil {
		tb.Fatalf("testenv: restart FerretDB: %v", err)
	}
}

func startStack() (_ *stack, err error) {
	ferretBin, minioBin, err := binaries()
	if err != nil {
		return nil, err
	}
	removeStaleDirs()
	dir, err := os.MkdirTemp("", fmt.Sprintf("shotline-testenv-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	s := &stack{dir: dir, ferretBin: ferretBin}
	s.sup = newSupervisor(func() { _ = os.RemoveAll(dir) })
	defer func() {
		if err != nil {
			_ = s.close()
		}
	}()

	// Both start at once; FerretDB is ready long before MinIO.
	ferretPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s.ferretAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ferretPort))
	if s.ferret, err = s.launchFerret(); err != nil {
		return nil, err
	}
	minioPort, err := freePort()
	if err != nil {
		return nil, err
	}
	consolePort, err := freePort()
	if err != nil {
		return nil, err
	}
	s.env = Env{
		MongoURI:    "mongodb://" + s.ferretAddr + "/",
		S3Endpoint:  net.JoinHostPort("127.0.0.1", strconv.Itoa(minioPort)),
		S3AccessKey: s3AccessKey,
		S3SecretKey: s3SecretKey,
	}
	if s.minio, err = s.sup.start("MinIO", filepath.Join(dir, "minio.log"), minioBin,
		[]string{"server", filepath.Join(dir, "minio"), "--quiet",
			"--address", s.env.S3Endpoint, "--console-address", net.JoinHostPort("127.0.0.1", strconv.Itoa(consolePort))},
		[]string{"MINIO_ROOT_USER=" + s3AccessKey, "MINIO_ROOT_PASSWORD=" + s3SecretKey, "MINIO_UPDATE=off"}); err != nil {
		return nil, err
	}

	if err := s.waitFerret(); err != nil {
		return nil, err
	}
	if err := s.waitReady(s.minio, func(ctx context.Context) error { return s3Ready(ctx, s.env.minio()) }); err != nil {
		return nil, err
	}
	return s, nil
}

// startVersityGW starts versitygw's POSIX backend on a free port, with its
// buckets under s.dir, and waits until it serves authenticated requests.
func (s *stack) startVersityGW() (S3Server, error) {
	bin, err := findBinary("SHOTLINE_VERSITYGW_BIN", "versitygw")
	if err != nil {
		return S3Server{}, err
	}
	port, err := freePort()
	if err != nil {
		return S3Server{}, err
	}
	srv := S3Server{Name: "versitygw", Endpoint: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		AccessKey: s3AccessKey, SecretKey: s3SecretKey}
	data := filepath.Join(s.dir, "versitygw")
	if err := os.Mkdir(data, 0o755); err != nil {
		return S3Server{}, err
	}
	// The credentials go through the environment, so they stay out of the
	// log's command line.
	p, err := s.sup.start("versitygw", filepath.Join(s.dir, "versitygw.log"), bin,
		[]string{"--port", srv.Endpoint, "--quiet", "posix", data},
		[]string{"ROOT_ACCESS_KEY_ID=" + s3AccessKey, "ROOT_SECRET_ACCESS_KEY=" + s3SecretKey})
	if err != nil {
		return S3Server{}, err
	}
	if err := s.waitReady(p, func(ctx context.Context) error { return s3Ready(ctx, srv) }); err != nil {
		_ = s.sup.stop(p)
		return S3Server{}, err
	}
	return srv, nil
}

// launchFerret starts FerretDB on s.ferretAddr, with its data in s.dir.
func (s *stack) launchFerret() (*proc, error) {
	return s.sup.start("FerretDB", filepath.Join(s.dir, "ferretdb.log"), s.ferretBin,
		[]string{"-listen-addr", s.ferretAddr, "-sqlite-dir", filepath.Join(s.dir, "ferretdb")}, nil)
}

// waitFerret waits until FerretDB accepts connections.
func (s *stack) waitFerret() error {
	return s.waitReady(s.ferret, func(ctx context.Context) error { return dialTCP(ctx, s.ferretAddr) })
}

// waitReady polls check until it succeeds, p exits, or readyTimeout passes.
// Its error carries the end of the server's log.
func (s *stack) waitReady(p *proc, check func(context.Context) error) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if !s.sup.running(p) {
			return fmt.Errorf("%s exited before it was ready (%s)%s", p.name, describe(p.status), s.logTail(p))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %v: %v%s", p.name, readyTimeout, err, s.logTail(p))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *stack) logTail(p *proc) string {
	b, err := os.ReadFile(p.log.Name())
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "; last lines of its log:\n    " + strings.Join(lines, "\n    ")
}

// close stops the servers and removes the data directory.
func (s *stack) close() error {
	s.sup.close()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove %s: %w", s.dir, err)
	}
	return nil
}

// binaries finds the FerretDB launcher and MinIO server.
func binaries() (ferretBin, minioBin string, err error) {
	if ferretBin, err = findBinary("SHOTLINE_FERRETDB_BIN", "ferretdb"); err != nil {
		return "", "", err
	}
	if minioBin, err = findBinary("SHOTLINE_MINIO_BIN", "minio"); err != nil {
		return "", "", err
	}
	return ferretBin, minioBin, nil
}

// findBinary returns the path in envVar if it is set, else
// <repo>/.tools/bin/name, failing if the file is not there.
func findBinary(envVar, name string) (string, error) {
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w (unset it to use the one scripts/setup.sh builds)", envVar, p, err)
		}
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("%s is not set and %w", envVar, err)
	}
	p := filepath.Join(root, ".tools", "bin", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found at %s (and %s is not set): run scripts/setup.sh", name, p, envVar)
	}
	return p, nil
}

// repoRoot walks up from the working directory (a test's package directory)
// to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// removeStaleDirs removes the data directories of earlier test binaries that
// died without cleaning up (their servers died with them).
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "shotline-testenv-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(d), "shotline-testenv-"), "-", 2)[0])
		if err != nil || pid == os.Getpid() || processExists(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

func processExists(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dialTCP(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// s3Ready reports whether srv serves authenticated requests, which for MinIO
// comes a little after its liveness probe answers.
func s3Ready(ctx context.Context, srv S3Server) error {
	client, closeClient, err := s3Client(srv)
	if err != nil {
		return err
	}
	defer closeClient()
	_, err = client.ListBuckets(ctx)
	return err
}

// s3Client returns a client of one of the harness's S3 servers and a func
// that closes its idle connections, so no connection goroutine outlives the
// call.
func s3Client(srv S3Server) (*minio.Client, func(), error) {
	tr, err := minio.DefaultTransport(false)
	if err != nil {
		return nil, nil, err
	}
	client, err := minio.New(srv.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		Transport: tr,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("s3 client: %w", err)
	}
	return client, tr.CloseIdleConnections, nil
}

func removeBucket(srv S3Server, bucket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, closeClient, err := s3Client(srv)
	if err != nil {
		return err
	}
	defer closeClient()
	objects := client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true})
	for res := range client.RemoveObjects(ctx, bucket, objects, minio.RemoveObjectsOptions{}) {
		if res.Err != nil {
			return fmt.Errorf("empty bucket %s: remove %s: %w", bucket, res.ObjectName, res.Err)
		}
	}
	for upload := range client.ListIncompleteUploads(ctx, bucket, "", true) {
		if upload.Err != nil {
			return fmt.Errorf("empty bucket %s: list uploads: %w", bucket, upload.Err)
		}
		if err := client.RemoveIncompleteUpload(ctx, bucket, upload.Key); err != nil {
			return fmt.Errorf("empty bucket %s: abort upload of %s: %w", bucket, upload.Key, err)
		}
	}
	if err := client.RemoveBucket(ctx, bucket); err != nil {
		var resp minio.ErrorResponse
		if errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound {
			return nil // the test removed it itself
		}
		return fmt.Errorf("remove bucket %s: %w", bucket, err)
	}
	return nil
}

// uniqueName returns prefix + the test's name (lower-case letters and digits,
// other runs as sep) + sep + 8 random hex digits, at most maxLen bytes long.
func uniqueName(tb testing.TB, prefix, sep string, maxLen int) string {
	var b strings.Builder
	lastSep := true
	for _, r := range strings.ToLower(tb.Name()) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			lastSep = false
		} else if !lastSep {
			b.WriteString(sep)
			lastSep = true
		}
	}
	var random [4]byte
	_, _ = rand.Read(random[:])
	suffix := sep + hex.EncodeToString(random[:])
	base := strings.TrimSuffix(b.String(), sep)
	if room := maxLen - len(prefix) - len(suffix); len(base) > room {
		base = strings.TrimSuffix(base[:room], sep)
	}
	return prefix + base + suffix
}
