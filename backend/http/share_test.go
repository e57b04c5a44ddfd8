package http_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

// lockedBuffer collects log lines from the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// shareLink makes a link on the setup's board as the owner and returns its
// token.
func (st setup) shareLink(t testing.TB, body map[string]any) (token, id string) {
	t.Helper()
	r := st.owner.do("POST", "/api/boards/"+st.board+"/links", body).must(t, 201).JSON()
	token, _ = r["token"].(string)
	id, _ = r["link"].(map[string]any)["id"].(string)
	if len(token) != 43 || r["path"] != "/s/"+token {
		t.Fatalf("created link: %v", r)
	}
	return token, id
}

func TestShareLinkGuestFlow(t *testing.T) {
	logs := &lockedBuffer{}
	logOutput = logs
	s := newServer(t, shttp.Config{})
	logOutput = nil
	st := newSetup(t, s)
	other := st.owner.do("POST", "/api/projects/"+st.project+"/boards", map[string]any{"title": "Other"}).must(t, 201).Str("id")
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	token, id := st.shareLink(t, map[string]any{"role": "commenter", "label": "Client", "expiresAt": expires, "password": "open sesame"})

	guest := s.client(t)
	open := func(c *client, pw string) *response {
		return c.do("POST", "/api/share/open", map[string]any{"token": token, "password": pw, "name": "Dana"})
	}
	open(guest, "").wantError(t, 401, shotline.EUNAUTHORIZED)
	open(guest, "wrong password").wantError(t, 401, shotline.EUNAUTHORIZED)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "password": "open sesame"}).wantError(t, 422, shotline.EINVALID) // no name
	r := open(guest, "open sesame").must(t, 200)
	if g := r.JSON(); g["role"] != "commenter" || g["boardId"] != st.board || g["name"] != "Dana" || g["guest"] != true {
		t.Fatalf("guest view: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "workspaceId") || strings.Contains(string(r.Body), "@") {
		t.Fatalf("the guest view tells more than the link: %s", r.Body)
	}
	var cookie string
	for _, h := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "shotline_guest=") {
			cookie = h
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(strings.ToLower(cookie), "samesite=lax") {
		t.Fatalf("guest cookie: %q", cookie)
	}
	if strings.Contains(cookie, token) {
		t.Fatal("the cookie carries the link's token")
	}

	// The guest reaches the board and nothing else.
	guest.do("GET", "/api/boards/"+st.board, nil).must(t, 200)
	guest.do("GET", "/api/share/guest", nil).must(t, 200)
	guest.do("GET", "/api/boards/"+other, nil).wantError(t, 404, shotline.ENOTFOUND)
	guest.do("GET", "/api/projects/"+st.project, nil).wantError(t, 404, shotline.ENOTFOUND)
	guest.do("GET", "/api/workspaces/"+st.workspace, nil).wantError(t, 404, shotline.ENOTFOUND)
	guest.do("GET", "/api/workspaces/"+st.workspace+"/members", nil).wantError(t, 404, shotline.ENOTFOUND)
	guest.do("GET", "/api/boards/"+st.board+"/links", nil).wantError(t, 403, shotline.EFORBIDDEN)
	guest.do("GET", "/api/auth/session", nil).wantError(t, 401, shotline.EUNAUTHORIZED)

	// The owner's list shows it opened, with its label, never its token.
	list := st.owner.do("GET", "/api/boards/"+st.board+"/links", nil).must(t, 200)
	if strings.Contains(string(list.Body), token) || strings.Contains(string(list.Body), "passwordHash") {
		t.Fatalf("the list leaks the token or the hash: %s", list.Body)
	}
	l := list.JSON()["links"].([]any)[0].(map[string]any)
	if l["id"] != id || l["label"] != "Client" || l["openCount"] != 1.0 || l["lastOpenedAt"] == nil || l["hasPassword"] != true {
		t.Fatalf("listed link: %v", l)
	}

	// A new password ends the guest's session; the new one opens it again.
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"password": "new sesame"}).must(t, 200)
	guest.do("GET", "/api/boards/"+st.board, nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	open(guest, "open sesame").wantError(t, 401, shotline.EUNAUTHORIZED)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "password": "new sesame", "name": "Dana"}).must(t, 200)
	guest.do("GET", "/api/boards/"+st.board, nil).must(t, 200)

	// Revoked: the open page and a new opening both say so.
	st.owner.do("DELETE", "/api/links/"+id, nil).must(t, 204)
	r = guest.do("GET", "/api/boards/"+st.board, nil)
	r.wantError(t, 410, shotline.EGONE)
	if !strings.Contains(string(r.Body), shotline.LinkRevoked) {
		t.Fatalf("revoked: %s", r.Body)
	}
	open(s.client(t), "new sesame").wantError(t, 410, shotline.EGONE)
	if got := st.owner.do("GET", "/api/boards/"+st.board+"/links", nil).must(t, 200).JSON()["links"].([]any); len(got) != 0 {
		t.Fatalf("a revoked link is still listed: %v", got)
	}
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"label": "x"}).wantError(t, 409, shotline.ECONFLICT)

	// Share pages send no referrer.
	if got := s.client(t).do("GET", "/s/"+token, nil).Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q", got)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("the token is in the server's log")
	}
	if !strings.Contains(logs.String(), `"route"`) {
		t.Fatal("the log is empty: this check proves nothing")
	}
}

func TestShareLinkInput(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	links := "/api/boards/" + st.board + "/links"
	for name, body := range map[string]map[string]any{
		"owner role":      {"role": "owner"},
		"past expiry":     {"role": "viewer", "expiresAt": "2001-01-01T00:00:00Z"},
		"short password":  {"role": "viewer", "password": "abc"},
		"long label":      {"role": "viewer", "label": strings.Repeat("x", 101)},
		"missing role":    {},
		"malformed date":  {"role": "viewer", "expiresAt": "tomorrow"},
		"unknown setting": {"role": "viewer", "public": true},
	} {
		t.Run(name, func(t *testing.T) {
			st.owner.do("POST", links, body).wantError(t, 422, shotline.EINVALID)
		})
	}
	// A project link reaches every board of the project, not the others'.
	r := st.owner.do("POST", "/api/projects/"+st.project+"/links", map[string]any{"role": "viewer"}).must(t, 201)
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": r.Str("token"), "name": "Pat"}).must(t, 200)
	later := st.owner.do("POST", "/api/projects/"+st.project+"/boards", map[string]any{"title": "Later"}).must(t, 201).Str("id")
	guest.do("GET", "/api/boards/"+later, nil).must(t, 200)
	guest.do("GET", "/api/projects/"+st.project+"/boards", nil).must(t, 200)
	st2 := newSetup(t, s)
	guest.do("GET", "/api/boards/"+st2.board, nil).wantError(t, 404, shotline.ENOTFOUND)
	// A link to board A used on board B finds nothing.
	tokA, _ := st.shareLink(t, map[string]any{"role": "commenter"})
	a := s.client(t)
	a.do("POST", "/api/share/open", map[string]any{"token": tokA, "name": "Kim"}).must(t, 200)
	a.do("GET", "/api/boards/"+st2.board, nil).wantError(t, 404, shotline.ENOTFOUND)
	a.do("GET", "/api/boards/"+st2.board+"/versions", nil).wantError(t, 404, shotline.ENOTFOUND)

	// An editor link needs an account; a guest's write needs the CSRF token.
	tokE, _ := st.shareLink(t, map[string]any{"role": "editor"})
	s.client(t).do("POST", "/api/share/open", map[string]any{"token": tokE, "name": "Anon"}).wantError(t, 401, shotline.EUNAUTHORIZED)
	stranger := s.signUp(t, "Stranger")
	stranger.do("GET", "/api/boards/"+st.board, nil).wantError(t, 404, shotline.ENOTFOUND)
	stranger.do("POST", "/api/share/open", map[string]any{"token": tokE}).must(t, 200)
	stranger.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Edited by link"}).must(t, 200)
	stranger.csrf = ""
	stranger.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "x"}).wantError(t, 403, shotline.ECSRF)
}

func TestShareLinkTokensAndThrottling(t *testing.T) {
	logs := &lockedBuffer{}
	logOutput = logs
	s := newServer(t, shttp.Config{LinkAttempts: 5})
	logOutput = nil
	st := newSetup(t, s)
	token, _ := st.shareLink(t, map[string]any{"role": "viewer", "password": "right password"})

	open := func(c *client, tok, pw string) *response {
		return c.do("POST", "/api/share/open", map[string]any{"token": tok, "password": pw, "name": "X"})
	}
	// Tampered and truncated tokens find nothing.
	tampered := []byte(token)
	tampered[10] ^= 1
	for _, tok := range []string{string(tampered), token[:42], token[:20], token + "A", "", strings.Repeat("A", 43)} {
		open(s.client(t), tok, "right password").wantError(t, 404, shotline.ENOTFOUND)
	}
	// Random tokens from one address are refused once there are too many.
	var last *response
	for i := 0; i < 20; i++ {
		last = open(s.client(t), strings.ReplaceAll(uuid.NewString()+uuid.NewString(), "-", "")[:43], "")
	}
	last.wantError(t, 429, shotline.ERATELIMIT)
	if !strings.Contains(last.Str("message"), "seconds") {
		t.Fatalf("no retry time: %s", last.Body)
	}
	// The good token from that address waits too.
	open(s.client(t), token, "right password").wantError(t, 429, shotline.ERATELIMIT)

	// From another address: 100 wrong passwords are throttled after 5,
	// and then the right one waits as well (per link).
	s2 := newServer(t, shttp.Config{LinkAttempts: 5})
	st2 := newSetup(t, s2)
	token2, _ := st2.shareLink(t, map[string]any{"role": "viewer", "password": "right password"})
	refused, throttled := 0, 0
	for i := 0; i < 100; i++ {
		switch r := open(s2.client(t), token2, "guess"+string(rune('a'+i%26))); r.Code() {
		case shotline.EUNAUTHORIZED:
			refused++
		case shotline.ERATELIMIT:
			throttled++
		default:
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
	}
	if refused != 5 || throttled != 95 {
		t.Fatalf("%d refused, %d throttled; want 5 and 95", refused, throttled)
	}
	open(s2.client(t), token2, "right password").wantError(t, 429, shotline.ERATELIMIT)

	if strings.Contains(logs.String(), token) {
		t.Fatal("the token is in the server's log")
	}
}

func TestShareLinkExpiry(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	links := mongo.NewShareLinkService(s.db)
	token, id := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Lee"}).must(t, 200)
	past := time.Now().Add(-time.Second)
	if _, err := links.UpdateShareLink(context.Background(), id, shotline.ShareLinkUpdate{ExpiresAt: &past}, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := guest.do("GET", "/api/boards/"+st.board, nil)
	r.wantError(t, 410, shotline.EGONE)
	if !strings.Contains(string(r.Body), shotline.LinkExpired) {
		t.Fatalf("expired: %s", r.Body)
	}
	s.client(t).do("POST", "/api/share/open", map[string]any{"token": token, "name": "Lee"}).wantError(t, 410, shotline.EGONE)
}

// guestSocket opens the board's socket with c's cookies and joins it.
func guestSocket(t testing.TB, base string, c *client, board string) *websocket.Conn {
	t.Helper()
	conn, resp, err := dial(t, base, c, board, base)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial: %v (%d)", err, code)
	}
	conn.SetCloseHandler(func(int, string) error { return nil })
	_ = conn.WriteJSON(map[string]any{"type": "join", "protocol": 1, "boardId": board})
	readType(t, conn, "snapshot")
	return conn
}

// waitClose reads until the socket closes and returns its code and how
// long it took.
func waitClose(t testing.TB, conn *websocket.Conn) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if ok := asCloseError(err, &ce); !ok {
			t.Fatalf("socket ended without a close frame: %v", err)
		}
		return ce.Code, time.Since(start)
	}
}

func asCloseError(err error, ce **websocket.CloseError) bool {
	e, ok := err.(*websocket.CloseError)
	*ce = e
	return ok
}

// addShot inserts a shot through the owner's socket and returns its id.
func addShot(t testing.TB, base string, st setup) string {
	t.Helper()
	conn := guestSocket(t, base, st.owner, st.board)
	defer conn.Close()
	id := uuid.NewString()
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0,
		"op": map[string]any{"kind": "shot.insert", "shotId": id, "position": "a0", "shot": map[string]any{"title": "One"}}})
	readType(t, conn, "ack")
	return id
}

func comment(t testing.TB, conn *websocket.Conn, shot string) map[string]any {
	t.Helper()
	opID := uuid.NewString()
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": opID, "baseSeq": 0,
		"op": map[string]any{"kind": "comment.add", "commentId": uuid.NewString(), "shotId": shot, "body": "Love it"}})
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for the comment's answer: %v", err)
		}
		if strings.Contains(string(data), opID) && (strings.Contains(string(data), `"ack"`) || strings.Contains(string(data), `"error"`)) {
			return decode(data)
		}
	}
}

func decode(data []byte) map[string]any {
	r := response{Body: data}
	return r.JSON()
}

// TestShareLinkOnOpenSockets: a guest comments through the socket; lowering
// the link to viewer closes it with 4011 (reconnect) and the reconnected
// socket may not comment; revoking closes it with 4410; a viewer link's
// comment is refused.
func TestShareLinkOnOpenSockets(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	shot := addShot(t, base, st)
	token, id := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)

	conn := guestSocket(t, base, guest, st.board)
	if got := comment(t, conn, shot); got["type"] != "ack" {
		t.Fatalf("guest comment: %v", got)
	}
	// The guest approves the shot; the summary counts it, with the thread.
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0,
		"op": map[string]any{"kind": "shot.review", "shotId": shot, "status": "approved"}})
	readType(t, conn, "ack")
	sum := st.owner.do("GET", "/api/boards/"+st.board+"/review", nil).must(t, 200).JSON()
	if by := sum["byStatus"].(map[string]any); by["approved"] != 1.0 || by["none"] != 0.0 || sum["openThreads"] != 1.0 || sum["shots"] != 1.0 {
		t.Fatalf("review summary: %v", sum)
	}
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"role": "viewer"}).must(t, 200)
	if code, took := waitClose(t, conn); code != 4011 || took > time.Second {
		t.Fatalf("after lowering the link: close %d after %v, want 4011 within 1s", code, took)
	}
	conn = guestSocket(t, base, guest, st.board)
	if got := comment(t, conn, shot); got["type"] != "error" || got["code"] != shotline.EFORBIDDEN {
		t.Fatalf("viewer link's comment: %v", got)
	}
	st.owner.do("DELETE", "/api/links/"+id, nil).must(t, 204)
	if code, took := waitClose(t, conn); code != 4410 || took > time.Second {
		t.Fatalf("after revoking: close %d after %v, want 4410 within 1s", code, took)
	}
	if _, resp, err := dial(t, base, guest, st.board, base); err == nil || resp.StatusCode != 410 {
		t.Fatalf("a revoked link's socket opened: %v", err)
	}
}

func TestShareLinkExpiresOnOpenSocket(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	// Wall clock only (Round(0)): the server times the expiry from the wall
	// clock too, so the two agree to within the clocks' slewing.
	expires := time.Now().Add(1500 * time.Millisecond).Round(0)
	token, _ := st.shareLink(t, map[string]any{"role": "viewer", "expiresAt": expires.UTC().Format(time.RFC3339Nano)})
	guest := s.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)
	conn := guestSocket(t, base, guest, st.board)
	code, _ := waitClose(t, conn)
	if late := time.Since(expires); code != 4410 || late < -5*time.Millisecond || late > time.Second {
		t.Fatalf("close %d %v after the expiry, want 4410 within 1s", code, late)
	}
}

// TestShareLinkRevokedAcrossInstances: the guest's socket is on one app
// instance, the owner revokes on the other; NATS carries it.
func TestShareLinkRevokedAcrossInstances(t *testing.T) {
	a := newServer(t, shttp.Config{})
	b := openServer(t, a.dbURI, a.name, shttp.Config{})
	shareRooms(t, a)
	shareRooms(t, b)
	baseB := b.serve(t)
	st := newSetup(t, a)
	token, id := st.shareLink(t, map[string]any{"role": "commenter"})
	guest := b.client(t)
	guest.do("POST", "/api/share/open", map[string]any{"token": token, "name": "Dana"}).must(t, 200)
	conn := guestSocket(t, baseB, guest, st.board)
	st.owner.do("PATCH", "/api/links/"+id, map[string]any{"role": "viewer"}).must(t, 200)
	if code, took := waitClose(t, conn); code != 4011 || took > time.Second {
		t.Fatalf("lowered on the other instance: close %d after %v", code, took)
	}
	conn = guestSocket(t, baseB, guest, st.board)
	st.owner.do("DELETE", "/api/links/"+id, nil).must(t, 204)
	if code, took := waitClose(t, conn); code != 4410 || took > time.Second {
		t.Fatalf("revoked on the other instance: close %d after %v", code, took)
	}
}
