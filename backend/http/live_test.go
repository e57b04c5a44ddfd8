package http_test

import (
	"encoding/json"
	"errors"
	"io"
	nethttp "net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// dial opens the board's live socket as c over a real connection.
func dial(t testing.TB, base string, c *client, boardID string, origin string) (*websocket.Conn, *nethttp.Response, error) {
	t.Helper()
	h := c.header.Clone()
	var cookies []string
	for _, ck := range c.cookies {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/boards/" + boardID + "/live"
	conn, resp, err := websocket.DefaultDialer.Dial(url, h)
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, resp, err
}

func readType(t testing.TB, conn *websocket.Conn, typ string) map[string]any {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		if m["type"] == typ {
			return m
		}
		if m["type"] != "presence" && m["type"] != "applied" {
			t.Fatalf("got %s while waiting for %s", data, typ)
		}
	}
}

func TestLiveSocketIsAuthorizedBeforeUpgrade(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	outsider := s.signUp(t, "Outsider")
	port := strings.TrimPrefix(base[strings.LastIndex(base, ":"):], ":")
	for _, tt := range []struct {
		name   string
		c      *client
		origin string
		status int
	}{
		{"anonymous", s.client(t), "", 401},
		{"non-member", outsider, base, 404},
		{"cross-site origin", st.owner, "https://evil.example", 403},
		{"other scheme", st.owner, "https://127.0.0.1:" + port, 403},
		{"other port", st.owner, "http://127.0.0.1:1", 403},
		{"cookie without origin", st.owner, "", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := dial(t, base, tt.c, st.board, tt.origin)
			if err == nil || resp == nil || resp.StatusCode != tt.status {
				code := 0
				if resp != nil {
					code = resp.StatusCode
				}
				t.Fatalf("dial: %v, status %d, want %d", err, code, tt.status)
			}
			if tt.status == 403 {
				var e struct{ Code string }
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code != shotline.ECSRF {
					t.Fatalf("refused with %q (%v), want %s", e.Code, err, shotline.ECSRF)
				}
			}
		})
	}
	// A plain GET (no upgrade) says what it needs.
	plain, err := nethttp.Get(base + "/api/boards/" + st.board + "/live")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Code string }
	_ = json.NewDecoder(plain.Body).Decode(&e)
	plain.Body.Close()
	if plain.StatusCode != nethttp.StatusUpgradeRequired || e.Code != shotline.EINVALID || plain.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("plain GET: %d %q, Upgrade %q; want 426 %s, websocket", plain.StatusCode, e.Code, plain.Header.Get("Upgrade"), shotline.EINVALID)
	}

	// A viewer connects and reads, and is refused edits per message. The
	// header that carries a socket's key past the upgrade is the server's
	// to set: the viewer's own is dropped.
	viewer := st.join(t, s, shotline.RoleViewer)
	viewer.header.Set("X-Shotline-Socket", "forged")
	conn, _, err := dial(t, base, viewer, st.board, base)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteJSON(map[string]any{"type": "join", "protocol": 1, "boardId": st.board})
	readType(t, conn, "snapshot")
	opID := uuid.NewString()
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": opID, "baseSeq": 0,
		"op": map[string]any{"kind": "board.set", "field": "title", "value": "Mine"}})
	if got := readType(t, conn, "error"); got["code"] != shotline.EFORBIDDEN || got["opId"] != opID {
		t.Fatalf("viewer op: %v", got)
	}

	// An owner's REST change reaches the open socket, in order.
	st.owner.do("PATCH", "/api/boards/"+st.board, map[string]any{"title": "Renamed live"}).must(t, 200)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"applied"`) && strings.Contains(string(data), "Renamed live") {
			break
		}
	}

	// Removing the viewer closes their socket with 4003 (terminal). This
	// client does not answer close frames.
	conn.SetCloseHandler(func(int, string) error { return nil })
	st.owner.do("DELETE", "/api/workspaces/"+st.workspace+"/members/"+viewer.userID(), nil).must(t, 204)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, 4003) {
			t.Fatalf("after removal: %v, want close 4003", err)
		}
		break
	}
	// The client never answers the close frame; the server still drops the
	// TCP connection (within a second or so) rather than holding it.
	_ = conn.NetConn().SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := conn.NetConn().Read(make([]byte, 64)); !errors.Is(err, io.EOF) {
		t.Fatalf("after the close frame: read %d bytes, %v; want EOF from the server closing", n, err)
	}
}

func TestVersionsRestoreAndUndo(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	o := st.owner
	board := "/api/boards/" + st.board
	v1 := o.do("POST", board+"/versions", map[string]any{"name": "First cut"}).must(t, 201).Str("id")
	o.do("PATCH", board, map[string]any{"title": "Second cut", "aspectRatio": "9:16"}).must(t, 200)
	v2 := o.do("POST", board+"/versions", map[string]any{"name": "Second"}).must(t, 201).Str("id")

	list := o.do("GET", board+"/versions", nil).must(t, 200).JSON()["versions"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["id"] != v2 {
		t.Fatalf("versions = %v", list)
	}
	one := o.do("GET", board+"/versions/"+v1, nil).must(t, 200).JSON()
	if one["board"].(map[string]any)["title"] != "Opening" {
		t.Fatalf("version v1 = %v", one)
	}

	o.do("POST", board+"/versions/"+v1+"/restore", nil).must(t, 200)
	if b := o.do("GET", board, nil).must(t, 200).JSON(); b["title"] != "Opening" || b["aspectRatio"] != "16:9" {
		t.Fatalf("after restoring v1: %v", b)
	}
	// Restoring is itself undone by restoring the later version.
	o.do("POST", board+"/versions/"+v2+"/restore", nil).must(t, 200)
	if b := o.do("GET", board, nil).must(t, 200).JSON(); b["title"] != "Second cut" || b["aspectRatio"] != "9:16" {
		t.Fatalf("after restoring v2: %v", b)
	}
	o.do("POST", board+"/versions/nope/restore", nil).wantError(t, 404, shotline.ENOTFOUND)
	o.do("POST", board+"/versions", map[string]any{"name": " "}).wantError(t, 422, shotline.EINVALID)
}

// TestLiveSocketFrameLimits sends frames of every size through a real
// socket: the 128-byte WebSocket read buffer must not matter, a frame over
// the message limit gets ETOOLARGE naming its op and the socket lives on,
// and one over the frame limit closes the socket with 1009.
func TestLiveSocketFrameLimits(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	conn := joined(t, base, st.owner, st.board)

	// A 4,900-character description goes through (many times the read
	// buffer).
	title := strings.Repeat("t", 4900)
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0,
		"op": map[string]any{"kind": "board.set", "field": "description", "value": title}})
	if got := readType(t, conn, "ack"); got["seq"] == nil {
		t.Fatalf("ack: %v", got)
	}

	big := uuid.NewString()
	_ = conn.WriteJSON(map[string]any{"type": "op", "opId": big, "baseSeq": 0,
		"op": map[string]any{"kind": "board.set", "field": "description", "value": strings.Repeat("x", 200<<10)}})
	if got := readType(t, conn, "error"); got["code"] != shotline.ETOOLARGE || got["opId"] != big {
		t.Fatalf("200 KiB frame: %v", got)
	}
	_ = conn.WriteJSON(map[string]any{"type": "ping"})
	readType(t, conn, "pong")

	_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping","x":"`+strings.Repeat("x", 2<<20)+`"}`))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			t.Fatalf("2 MiB frame: %v, want close 1009", err)
		}
		break
	}
}

// joined opens the board's live socket as c, with the server's origin,
// and joins it (the snapshot read).
func joined(t *testing.T, base string, c *client, boardID string) *websocket.Conn {
	t.Helper()
	conn, _, err := dial(t, base, c, boardID, base)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteJSON(map[string]any{"type": "join", "protocol": 1, "boardId": boardID})
	readType(t, conn, "snapshot")
	return conn
}

// readClose reads until the server closes the socket and returns the close
// code (0 if the connection ended without a close frame).
func readClose(t *testing.T, conn *websocket.Conn) int {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("waiting for a close frame: %v", err)
	}
}

// TestLiveSocketMalformedFrames: a binary frame is a client bug, answered
// with the terminal 4002 (not 4000, which would make the
// client reconnect and send it again), before or after the join; malformed
// JSON in a text frame only gets EINVALID and the socket lives on.
func TestLiveSocketMalformedFrames(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	open := func(t *testing.T, join bool) *websocket.Conn {
		t.Helper()
		if join {
			return joined(t, base, st.owner, st.board)
		}
		conn, _, err := dial(t, base, st.owner, st.board, base)
		if err != nil {
			t.Fatal(err)
		}
		return conn
	}
	t.Run("malformed JSON", func(t *testing.T) {
		conn := open(t, true)
		_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"`))
		if got := readType(t, conn, "error"); got["code"] != shotline.EINVALID {
			t.Fatalf("malformed JSON: %v", got)
		}
		_ = conn.WriteJSON(map[string]any{"type": "ping"})
		readType(t, conn, "pong")
	})
	for _, joined := range []bool{false, true} {
		t.Run("binary frame, joined "+strconv.FormatBool(joined), func(t *testing.T) {
			conn := open(t, joined)
			_ = conn.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"ping"}`))
			if code := readClose(t, conn); code != int(realtime.CloseProtocolError) {
				t.Fatalf("binary frame closed with %d, want %d", code, realtime.CloseProtocolError)
			}
		})
	}
}

// TestLiveSettingsNestingIsBounded: a shot's settings may nest
// board.MaxSettingsDepth levels and no more, and a message at most
// shotline.MaxJSONDepth, however small (MongoDB refuses documents nested
// over 100 levels, so deeper ones could never be stored); each refusal is
// EINVALID for that op, and the socket lives on.
func TestLiveSettingsNestingIsBounded(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	conn := joined(t, base, st.owner, st.board)
	insert := func(levels int) string {
		opID := uuid.NewString()
		msg := `{"type":"op","opId":"` + opID + `","baseSeq":0,"op":{"kind":"shot.insert","shotId":"` + uuid.NewString() +
			`","position":"a0","shot":{"settings":` + nested(levels) + `}}}`
		_ = conn.WriteMessage(websocket.TextMessage, []byte(msg))
		return opID
	}
	if id := insert(board.MaxSettingsDepth); readType(t, conn, "ack")["opId"] != id {
		t.Fatalf("settings nested %d levels were not acknowledged", board.MaxSettingsDepth)
	}
	for _, levels := range []int{board.MaxSettingsDepth + 1, 200, 1300} {
		id := insert(levels)
		if got := readType(t, conn, "error"); got["code"] != shotline.EINVALID || got["opId"] != id {
			t.Fatalf("settings nested %d levels: %v, want EINVALID for %s", levels, got, id)
		}
	}
	_ = conn.WriteJSON(map[string]any{"type": "ping"})
	readType(t, conn, "pong")
}

// TestRESTBoardHasTheRealtimeContent: GET /api/boards/{id} shows a shot's
// provider, model and settings and the board's comments as the realtime
// channel made them (a comment's author is the op's actor).
func TestRESTBoardHasTheRealtimeContent(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	base := s.serve(t)
	conn := joined(t, base, st.owner, st.board)
	shotID, commentID := uuid.NewString(), uuid.NewString()
	for _, op := range []map[string]any{
		{"kind": "shot.insert", "shotId": shotID, "position": "a0",
			"shot": map[string]any{"title": "Wide", "provider": "animatic", "model": "card-1", "settings": map[string]any{"seed": 7}}},
		{"kind": "comment.add", "commentId": commentID, "shotId": shotID, "body": "Too dark"},
	} {
		_ = conn.WriteJSON(map[string]any{"type": "op", "opId": uuid.NewString(), "baseSeq": 0, "op": op})
		readType(t, conn, "ack")
	}
	b := st.owner.do("GET", "/api/boards/"+st.board, nil).must(t, 200).JSON()
	shots, _ := b["shots"].([]any)
	comments, _ := b["comments"].([]any)
	if len(shots) != 1 || len(comments) != 1 {
		t.Fatalf("board: %v", b)
	}
	sh := shots[0].(map[string]any)
	if sh["provider"] != "animatic" || sh["model"] != "card-1" || sh["settings"].(map[string]any)["seed"] != 7.0 {
		t.Fatalf("shot: %v", sh)
	}
	cm := comments[0].(map[string]any)
	if cm["id"] != commentID || cm["body"] != "Too dark" || cm["authorId"] != st.owner.userID() || cm["shotId"] != shotID {
		t.Fatalf("comment: %v", cm)
	}
}
