package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/realtime/liveclient"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// server is the shotline binary running as its own process.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	cmd  *exec.Cmd
}

// newServer builds the binary and configures it against the test
// environment on a free port, with extra SHOTLINE_* settings.
func newServer(t *testing.T, extraEnv ...string) *server {
	t.Helper()
	env := testenv.Get(t)
	bin := filepath.Join(t.TempDir(), "shotline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port := freePort(t)
	return &server{t: t, bin: bin, base: "http://127.0.0.1:" + strconv.Itoa(port), env: append(append(os.Environ(),
		"SHOTLINE_ADDR=127.0.0.1:"+strconv.Itoa(port), "SHOTLINE_MONGO_URI="+env.MongoURI, "SHOTLINE_MONGO_DB="+testenv.Database(t),
		"SHOTLINE_S3_ENDPOINT="+env.S3Endpoint, "SHOTLINE_S3_ACCESS_KEY="+env.S3AccessKey, "SHOTLINE_S3_SECRET_KEY="+env.S3SecretKey,
		"SHOTLINE_S3_BUCKET="+testenv.Bucket(t), "SHOTLINE_STATIC_DIR="), extraEnv...)}
}

func (s *server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = s.env
	logf, _ := os.Create(filepath.Join(s.t.TempDir(), "server.log"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server did not become ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// api calls the REST API with the jar's cookies and CSRF token.
func api(t *testing.T, c *http.Client, base, csrf, method, path string, body any, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
}

// TestProfilesOnlyOnTheDebugAddress: SHOTLINE_DEBUG_ADDR serves Go's
// profiles there, and the app's own address does not.
func TestProfilesOnlyOnTheDebugAddress(t *testing.T) {
	debug := "127.0.0.1:" + strconv.Itoa(freePort(t))
	s := newServer(t, "SHOTLINE_DEBUG_ADDR="+debug)
	s.start()
	t.Cleanup(s.kill)
	get := func(url string) int {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				return resp.StatusCode
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", url, err)
			}
		}
	}
	if code := get("http://" + debug + "/debug/pprof/heap?debug=1"); code != 200 {
		t.Fatalf("profiles on the debug address: %d, want 200", code)
	}
	if code := get(s.base + "/debug/pprof/heap?debug=1"); code == 200 {
		t.Fatal("the app's address serves profiles")
	}
}

// ownProject signs a new user up with email, who makes a workspace and a
// project in it; it returns the user's client, session (its CSRF token),
// the project and the session cookie.
func ownProject(t *testing.T, s *server, email string) (hc *http.Client, sess struct{ CSRFToken string }, p struct{ ID string }, cookie string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc = &http.Client{Jar: jar}
	api(t, hc, s.base, "", "POST", "/api/auth/signup", map[string]any{"email": email, "password": "a long passphrase", "name": "Crash"}, &sess)
	var ws struct{ ID string }
	api(t, hc, s.base, sess.CSRFToken, "POST", "/api/workspaces", map[string]any{"name": "W"}, &ws)
	api(t, hc, s.base, sess.CSRFToken, "POST", "/api/workspaces/"+ws.ID+"/projects", map[string]any{"name": "P"}, &p)
	u, _ := url.Parse(s.base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "shotline_session" {
			cookie = ck.Value
		}
	}
	return hc, sess, p, cookie
}

// TestCrashLosesNoAcknowledgedOp kills the server process (SIGKILL) while a
// client is sending ops, restarts it, and checks that every acknowledged op
// is there and that the client resumes and converges.
func TestCrashLosesNoAcknowledgedOp(t *testing.T) {
	s := newServer(t)
	s.start()
	t.Cleanup(s.kill)

	hc, sess, p, cookie := ownProject(t, s, "crash@example.com")
	var b struct{ ID string }
	api(t, hc, s.base, sess.CSRFToken, "POST", "/api/projects/"+p.ID+"/boards", map[string]any{"title": "B"}, &b)

	// Send ops without waiting; record which were acked.
	conn, err := liveclient.Dial(context.Background(), s.base, cookie, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Join(b.ID, nil); err != nil {
		t.Fatal(err)
	}
	rep := &liveclient.Replica{}
	var mu sync.Mutex // guards acked and rep while the reader runs
	acked := map[string]bool{}
	ackCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	type sent struct {
		id string
		op board.Op
	}
	var all []sent
	readUntil := func(c *liveclient.Conn, stop func() bool) error {
		for !stop() {
			m, err := c.Next(10 * time.Second)
			if err != nil {
				return err
			}
			mu.Lock()
			_, err = rep.Handle(m)
			if a, ok := m.(realtime.AckMessage); ok {
				acked[a.OpID] = true
			}
			if e, ok := m.(realtime.ErrorMessage); ok {
				t.Errorf("op %s refused: %s %s", e.OpID, e.Code, e.Message)
			}
			mu.Unlock()
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := readUntil(conn, func() bool { return rep.State != nil }); err != nil {
		t.Fatal(err)
	}
	// One goroutine sends 150 ops as fast as it can; the reader kills the
	// server the moment the 50th ack arrives, while the ops after it are in
	// flight at every stage: sent and not yet applied, applied and being
	// written, written and not yet acked.
	keys, _ := board.GenerateNKeysBetween("", "", 150)
	for i := range keys {
		all = append(all, sent{uuid.NewString(), board.ShotInsert{ShotID: uuid.NewString(), Position: keys[i], Shot: board.ShotFields{Title: fmt.Sprint(i)}}})
	}
	var sentBeforeKill atomic.Int64
	killed := make(chan struct{})
	go func() {
		for _, sop := range all {
			select {
			case <-killed:
				return
			default:
			}
			if conn.SendOp(sop.id, 0, sop.op) != nil {
				return
			}
			sentBeforeKill.Add(1)
		}
	}()
	var ackedBefore int
	err = readUntil(conn, func() bool {
		if ackCount() >= 50 {
			s.kill()
			ackedBefore = ackCount()
			close(killed)
			return true
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	inFlight := int(sentBeforeKill.Load()) - ackedBefore
	t.Logf("at SIGKILL: %d ops sent, %d acked, %d in flight", sentBeforeKill.Load(), ackedBefore, inFlight)

	s.start()
	// Every acknowledged op survived.
	conn2, err := liveclient.Dial(context.Background(), s.base, cookie, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Seq()
	if err := conn2.Join(b.ID, &last); err != nil {
		t.Fatal(err)
	}
	// Resume: missed ops (or a snapshot), then re-send whatever was not acked.
	if err := readUntil(conn2, func() bool { return rep.Seq() >= last && rep.State != nil }); err != nil {
		t.Fatal(err)
	}
	for _, sop := range all {
		if !acked[sop.id] {
			_ = conn2.SendOp(sop.id, rep.Seq(), sop.op)
		}
	}
	if err := readUntil(conn2, func() bool { return len(acked) == len(all) }); err != nil {
		t.Fatalf("after restart %d of %d ops acked: %v", len(acked), len(all), err)
	}
	snap := rep.State.Snapshot()
	if len(snap.Shots) != len(all) {
		t.Fatalf("%d shots after resume, want %d (each op exactly once)", len(snap.Shots), len(all))
	}
	var board struct {
		Seq   int64
		Shots []struct{ ID string }
	}
	api(t, hc, s.base, sess.CSRFToken, "GET", "/api/boards/"+b.ID, nil, &board)
	if board.Seq != rep.Seq() || len(board.Shots) != len(all) {
		t.Fatalf("server at seq %d with %d shots, client at %d with %d", board.Seq, len(board.Shots), rep.Seq(), len(snap.Shots))
	}
	t.Logf("%d ops acked before SIGKILL (%d in flight), all %d present after restart and resume, each once", ackedBefore, inFlight, len(all))
}

// TestCrashWithManyBoardsLiveLosesNoAcknowledgedOp kills the server
// (SIGKILL) while clients on 20 boards send ops at once, restarts it, and
// checks that every board reopens with every op that was acknowledged.
func TestCrashWithManyBoardsLiveLosesNoAcknowledgedOp(t *testing.T) {
	s := newServer(t)
	s.start()
	t.Cleanup(s.kill)
	hc, sess, p, cookie := ownProject(t, s, "many@example.com")
	const boards, perBoard = 20, 40
	type liveBoard struct {
		id    string
		conn  *liveclient.Conn
		mu    sync.Mutex
		shots map[string]string // op id → shot id
		acked []string          // shot ids whose op was acked
	}
	var all []*liveBoard
	var acks atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for i := range boards {
		var b struct{ ID string }
		api(t, hc, s.base, sess.CSRFToken, "POST", "/api/projects/"+p.ID+"/boards", map[string]any{"title": fmt.Sprint("B", i)}, &b)
		conn, err := liveclient.Dial(context.Background(), s.base, cookie, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Join(b.ID, nil); err != nil {
			t.Fatal(err)
		}
		bd := &liveBoard{id: b.ID, conn: conn, shots: map[string]string{}}
		all = append(all, bd)
		keys, _ := board.GenerateNKeysBetween("", "", perBoard)
		wg.Add(2)
		go func() { // sender
			defer wg.Done()
			for _, k := range keys {
				opID, shotID := uuid.NewString(), uuid.NewString()
				bd.mu.Lock()
				bd.shots[opID] = shotID
				bd.mu.Unlock()
				if conn.SendOp(opID, 0, board.ShotInsert{ShotID: shotID, Position: k, Shot: board.ShotFields{Title: k}}) != nil {
					return
				}
				select {
				case <-killed:
					return
				default:
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			for {
				m, err := conn.Next(30 * time.Second)
				if err != nil {
					return
				}
				if a, ok := m.(realtime.AckMessage); ok {
					bd.mu.Lock()
					bd.acked = append(bd.acked, bd.shots[a.OpID])
					bd.mu.Unlock()
					acks.Add(1)
				}
			}
		}()
	}
	for acks.Load() < boards*perBoard/3 { // a third acknowledged: the rest are in flight
		time.Sleep(time.Millisecond)
	}
	s.kill()
	close(killed)
	wg.Wait()
	t.Logf("SIGKILL after %d of %d ops were acknowledged", acks.Load(), boards*perBoard)

	s.start()
	for _, b := range all {
		var got struct {
			Shots []struct{ ID string }
		}
		api(t, hc, s.base, sess.CSRFToken, "GET", "/api/boards/"+b.id, nil, &got)
		have := map[string]bool{}
		for _, sh := range got.Shots {
			have[sh.ID] = true
		}
		for _, id := range b.acked {
			if !have[id] {
				t.Errorf("board %s lost an acknowledged shot (%d acked, %d there)", b.id, len(b.acked), len(got.Shots))
				break
			}
		}
	}
}
