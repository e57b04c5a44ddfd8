package http

import (
	"context"
	"fmt"
	nethttp "net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fasthttp/websocket"
	fws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// LivePath is the WebSocket endpoint of a board's realtime channel
// (docs/protocol.md). The OpenAPI document describes its upgrade request
// (documentLive); OpenAPI cannot describe the messages.
const LivePath = "/api/boards/:boardId/live"

// documentLive adds the WebSocket endpoint's upgrade to the OpenAPI
// document, with the answers it gives before the upgrade.
func (s *Server) documentLive() {
	errorBody := map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/APIError"}}}
	errorResponse := func(desc string) *huma.Response { return &huma.Response{Description: desc, Content: errorBody} }
	op := &huma.Operation{
		OperationID: "openBoardLive",
		Method:      nethttp.MethodGet,
		Path:        "/api/boards/{boardId}/live",
		Summary:     "Open the board's realtime channel (WebSocket)",
		Description: "A WebSocket upgrade (send Connection: Upgrade, Upgrade: websocket and the Origin of the app). " +
			"The messages, close codes and guarantees are in docs/protocol.md (protocol version 1).",
		Tags:     []string{"boards"},
		Security: []map[string][]string{{"session": {}}},
		Parameters: []*huma.Param{{Name: "boardId", In: "path", Required: true, Schema: &huma.Schema{Type: huma.TypeString, MaxLength: ptr(64)}},
			{Name: "Origin", In: "header", Required: true, Description: "The app's origin (scheme, host and port); another one, or none, gets 403 ECSRF.",
				Schema: &huma.Schema{Type: huma.TypeString}}},
		Responses: map[string]*huma.Response{
			"101": {Description: "Switching Protocols: the socket is open; send join first."},
			"401": errorResponse("EUNAUTHORIZED: no valid session."),
			"403": errorResponse("ECSRF: another origin or none; EFORBIDDEN: the role may not read the board."),
			"404": errorResponse("ENOTFOUND: no such board, or not a member of its workspace."),
			"426": errorResponse("EINVALID: not a WebSocket upgrade."),
		},
	}
	s.api.OpenAPI().AddOperation(op)
}

// liveReadLimit is the largest frame read at all; frames above
// realtime.MaxClientMessageBytes but below this get an ETOOLARGE error and
// the socket lives on, larger ones close it (1009).
const liveReadLimit = 1 << 20

// idleTimeout closes a socket that sent nothing (not even a ping) for this
// long; clients ping every 20 seconds.
const idleTimeout = 60 * time.Second

// liveKeyHeader carries a connection's key from its checks to its handler.
// The checks set it on the request once they have deleted the client's
// headers, so a client cannot choose it.
const liveKeyHeader = "X-Shotline-Socket"

type liveInfo struct {
	caller  *Caller
	access  *Access
	boardID string
	request *fasthttp.RequestCtx // emptied once upgraded, see releaseRequest
	held    *heldConn            // nil when not served through Serve
}

// registerLive adds the WebSocket route: the session, the Origin and the
// caller's right to read the board are all checked before the upgrade;
// every message is then checked by the room against the caller's current
// role.
func (s *Server) registerLive() {
	var (
		mu    sync.Mutex
		infos = map[string]liveInfo{}
	)
	s.app.Get(LivePath, func(c *fiber.Ctx) error {
		if !fws.IsWebSocketUpgrade(c) {
			c.Set("Upgrade", "websocket")
			return fiber.NewError(nethttp.StatusUpgradeRequired, "This endpoint speaks WebSocket.")
		}
		// Browsers send Origin on every WebSocket upgrade, and a socket is
		// authenticated by the session cookie alone, so the Origin must name
		// this server; without one, the upgrade is not from a page of ours.
		origin := c.Get("Origin")
		if origin != "" && !s.sameOrigin(c, origin) {
			return c.Status(nethttp.StatusForbidden).JSON(&APIError{Code: shotline.ECSRF, Message: "Cross-site WebSocket refused."})
		}
		ctx := c.UserContext()
		caller, err := s.resolveCaller(ctx, c.Cookies(sessionCookie), c.Cookies(guestCookie))
		if err != nil {
			e := apiError(ctx, s.log, err)
			return c.Status(e.status).JSON(e)
		}
		if origin == "" {
			return c.Status(nethttp.StatusForbidden).JSON(&APIError{Code: shotline.ECSRF, Message: "A WebSocket signed in by cookie needs an Origin header."})
		}
		boardID := strings.Clone(c.Params("boardId"))
		a, err := s.access(ctx, caller, ScopeBoard, boardID, shotline.PermBoardRead)
		if err != nil {
			e := apiError(ctx, s.log, err)
			return c.Status(e.status).JSON(e)
		}
		key := uuid.NewString()
		held, _ := c.Context().Conn().(*heldConn)
		mu.Lock()
		infos[key] = liveInfo{caller: caller, access: a, boardID: boardID, request: c.Context(), held: held}
		mu.Unlock()
		// The WebSocket middleware copies every local and header into maps
		// the socket keeps: no local stays (the request's context goes
		// too), and the key travels in a header of ours, set after the
		// client's are gone.
		c.Context().ResetUserValues()
		dropHeadersAfterUpgrade(c)
		c.Request().Header.Set(liveKeyHeader, key)
		return c.Next()
	}, fws.New(func(conn *fws.Conn) {
		key := conn.Headers(liveKeyHeader)
		mu.Lock()
		info, ok := infos[key]
		delete(infos, key)
		mu.Unlock()
		if !ok {
			return
		}
		releaseRequest(info.request)
		conn.SetReadLimit(liveReadLimit)
		client := s.liveClient(key, info.caller, info.access)
		defer client.StopLinkExpiry()
		if s.Metrics != nil {
			s.Metrics.SocketOpened()
			defer func() { s.Metrics.SocketClosed(client.CloseCode() == realtime.CloseSlowConsumer) }()
		}
		s.Hub.Serve(client, &wsTransport{conn: conn.Conn, held: info.held}, info.boardID)
	}, fws.Config{
		// A small read buffer: a frame's header is read through it and a
		// payload longer than it straight into the message (fasthttp gives
		// its own 4 KiB buffer back before the upgrade, see
		// ReduceMemoryUsage in server.go). It must hold a control frame.
		// Write buffers are pooled: a socket holds one only while writing.
		ReadBufferSize: 128, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{},
	}))
}

// liveClient makes the realtime client of an authorized socket: a member
// as themselves, a guest as "guest:…" with the name they gave (marked
// guest), and with the link's part of the grant and expiry so that a
// change to the link reaches the socket.
func (s *Server) liveClient(key string, c *Caller, a *Access) *realtime.Client {
	sessionID, name := "", ""
	if c.Session != nil {
		sessionID, name = c.Session.ID, c.User.Name
	} else {
		name = c.Guest.Name + " (guest)"
	}
	client := realtime.NewClient(key, c.Actor(), name, sessionID, a.Workspace.ID, a.Role, s.Hub.QueueSize())
	if g := a.Grant; g.LinkID != "" {
		client.SetGrant(g.MemberRole, g.LinkRole, g.LinkID)
		s.Hub.ExpireLink(client, c.Link.ExpiresAt)
	}
	return client
}

// upgradeHeaders are the request headers the WebSocket upgrade reads.
var upgradeHeaders = map[string]bool{"Connection": true, "Upgrade": true, "Sec-Websocket-Key": true, "Sec-Websocket-Version": true}

// dropHeadersAfterUpgrade deletes the request headers and cookies nothing
// reads once the socket is authorized: the WebSocket middleware copies all
// of them into maps that live as long as the connection, which with a
// browser's dozen headers is a few KiB per socket.
func dropHeadersAfterUpgrade(c *fiber.Ctx) {
	h := &c.Request().Header
	var drop []string
	h.VisitAll(func(k, _ []byte) {
		if !upgradeHeaders[string(k)] {
			drop = append(drop, string(k))
		}
	})
	for _, k := range drop {
		h.Del(k)
	}
	h.DelAllCookies()
}

// releaseRequest lets the upgrade request's buffers go. fasthttp keeps a
// hijacked connection's request context (its headers, cookies and the 101
// response, a few KiB) until the handler returns, which for a socket is its
// whole life; nothing reads it after the upgrade (fasthttp resets and pools
// it when the handler returns), so the socket's handler empties it first.
func releaseRequest(rc *fasthttp.RequestCtx) {
	rc.Request = fasthttp.Request{}
	rc.Response = fasthttp.Response{}
}

// sessionCaller authenticates a session token from a cookie.
func (s *Server) sessionCaller(ctx context.Context, token string) (*Caller, error) {
	if token == "" {
		return nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Sign in first.")
	}
	sess, err := s.Sessions.FindSession(ctx, sessionID(token))
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Your session has ended; sign in again.")
	} else if err != nil {
		return nil, err
	}
	user, err := s.Users.FindUserByID(ctx, sess.UserID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Sign in first.")
	} else if err != nil {
		return nil, err
	}
	return &Caller{User: user, Session: sess}, nil
}

// wsTransport adapts a fasthttp WebSocket connection to realtime.Transport.
type wsTransport struct {
	conn    *websocket.Conn
	held    *heldConn // the connection under conn, to send a batch in one write
	closing atomic.Bool
}

func (t *wsTransport) Read() ([]byte, error) {
	_ = t.conn.SetReadDeadline(time.Now().Add(idleTimeout))
	if t.closing.Load() { // Close ran: keep its short deadline
		_ = t.conn.SetReadDeadline(time.Now().Add(time.Second))
	}
	for {
		typ, data, err := t.conn.ReadMessage()
		if err != nil {
			return nil, err
		}
		if typ == websocket.TextMessage {
			return data, nil
		}
		if typ == websocket.BinaryMessage {
			return nil, fmt.Errorf("binary frame: %w", realtime.ErrMalformedFrame)
		}
	}
}

func (t *wsTransport) Write(msgs [][]byte) error {
	_ = t.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if len(msgs) == 1 || t.held == nil {
		return t.writeEach(msgs)
	}
	t.held.hold()
	err := t.writeEach(msgs)
	if rerr := t.held.release(); err == nil {
		err = rerr
	}
	return err
}

func (t *wsTransport) writeEach(msgs [][]byte) error {
	for _, m := range msgs {
		if err := t.conn.WriteMessage(websocket.TextMessage, m); err != nil {
			return err
		}
	}
	return nil
}

// Abort cuts a stuck write and the read: the connection's deadlines are set
// to now (the embedded net.Conn's Close does nothing on a hijacked fasthttp
// connection; fasthttp closes it once the handler returns).
func (t *wsTransport) Abort() {
	_ = t.conn.NetConn().SetDeadline(time.Now())
}

// Close sends the close frame, then gives the peer a second to answer
// before the read gives up, so the handler returns and the connection is
// closed even if the peer never does.
func (t *wsTransport) Close(code realtime.CloseCode) error {
	msg := websocket.FormatCloseMessage(int(code), code.String())
	err := t.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	t.closing.Store(true)
	_ = t.conn.NetConn().SetReadDeadline(time.Now().Add(time.Second))
	return err
}

// The hooks below tell open sockets about changes made through the REST API,
// so that revoking access takes effect at once. They do nothing without a hub.

func (s *Server) memberChanged(workspaceID, userID string, role shotline.Role) {
	if s.Hub != nil {
		s.Hub.MemberChanged(workspaceID, userID, role)
	}
}

func (s *Server) sessionsEnded(userID, sessionID, exceptSessionID string) {
	if s.Hub != nil {
		s.Hub.SessionsEnded(userID, sessionID, exceptSessionID)
	}
}

func (s *Server) boardsDeleted(ids ...string) {
	if s.Hub != nil {
		for _, id := range ids {
			s.Hub.BoardDeleted(id)
		}
	}
}

func (s *Server) workspaceDeleted(id string) {
	if s.Hub != nil {
		s.Hub.WorkspaceDeleted(id)
	}
}

// linkChanged tells open sockets that a share link changed from before to
// after: revoked, expired or with a new password it ends; with another
// role they hold that role now.
func (s *Server) linkChanged(before, after *shotline.ShareLink) {
	if s.Hub == nil {
		return
	}
	if after.Usable(s.now()) != nil || (after.HasPassword && before.PasswordSerial != after.PasswordSerial) {
		s.Hub.LinkChanged(after.ID, "", nil)
		return
	}
	s.Hub.LinkChanged(after.ID, shotline.LinkSubject(after.Role), after.ExpiresAt)
}
