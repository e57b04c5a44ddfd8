package http

import (
	"context"
	"encoding/base64"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shotline/shotline/backend/shotline"
)

// guestCookie holds a guest session's token (HttpOnly, SameSite=Lax), set
// when a browser opens a share link.
const guestCookie = "shotline_guest"

// minLinkPassword is the shortest password a share link may have.
const minLinkPassword = 6

// validLinkToken reports whether t has the shape of a token randomToken
// makes (43 URL-safe base64 characters, 256 bits). Anything else is not
// looked up at all.
func validLinkToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// resolveCaller authenticates a request once: the member session (if its
// cookie is there) and the guest session of a share link (if guestToken is
// set). A guest's link is checked before anything else is asked of it:
// revoked or expired (EGONE), password changed (EUNAUTHORIZED). A member
// whose link no longer works stays a member.
func (s *Server) resolveCaller(ctx context.Context, memberToken, guestToken string) (*Caller, error) {
	caller := &Caller{}
	var memberErr error
	if memberToken != "" || guestToken == "" {
		c, err := s.sessionCaller(ctx, memberToken)
		if err == nil {
			caller = c
		}
		memberErr = err
	}
	if guestToken != "" {
		g, l, err := s.guestSession(ctx, guestToken)
		switch {
		case err == nil:
			caller.Guest, caller.Link = g, l
		case caller.User == nil:
			return nil, err
		}
	}
	if caller.User == nil && caller.Guest == nil {
		return nil, memberErr
	}
	return caller, nil
}

// guestSession loads a guest session and its link, and checks that the
// link may still be used.
func (s *Server) guestSession(ctx context.Context, token string) (*shotline.GuestSession, *shotline.ShareLink, error) {
	if s.Links == nil {
		return nil, nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Sign in first.")
	}
	g, err := s.Links.FindGuestSession(ctx, sessionID(token))
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil, nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Open the share link again.")
	} else if err != nil {
		return nil, nil, err
	}
	l, err := s.Links.FindShareLink(ctx, g.LinkID)
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		return nil, nil, shotline.Errorf(shotline.EUNAUTHORIZED, "Open the share link again.")
	} else if err != nil {
		return nil, nil, err
	}
	if err := g.Check(l, s.now()); err != nil {
		return nil, nil, err
	}
	return g, l, nil
}

type linkIDInput struct {
	LinkID string `path:"linkId" maxLength:"64"`
}

type linkBody struct {
	Role           shotline.Role `json:"role" enum:"viewer,commenter,editor" doc:"An editor link opens only for signed-in accounts."`
	Label          string        `json:"label,omitempty" maxLength:"100"`
	ExpiresAt      *time.Time    `json:"expiresAt,omitempty" doc:"When the link stops working; none if absent."`
	Password       string        `json:"password,omitempty" maxLength:"256" doc:"Asked of everyone who opens the link; none if empty."`
	AllowDownloads bool          `json:"allowDownloads,omitempty" doc:"Whether the link may download assets and exports."`
}

type createBoardLinkInput struct {
	boardIDInput
	Body linkBody
}

type createProjectLinkInput struct {
	projectIDInput
	Body linkBody
}

type createdLinkOutput struct {
	Body struct {
		Link  *shotline.ShareLink `json:"link"`
		Token string              `json:"token" doc:"Shown once: only its hash is stored."`
		Path  string              `json:"path" doc:"The link's path on this server: /s/{token}."`
	}
}

type linkOutput struct{ Body *shotline.ShareLink }

type linkListOutput struct {
	Body struct {
		Links []*shotline.ShareLink `json:"links" doc:"Live links, newest first."`
	}
}

type updateLinkInput struct {
	linkIDInput
	Body struct {
		Role           *shotline.Role `json:"role,omitempty" enum:"viewer,commenter,editor"`
		Label          *string        `json:"label,omitempty" maxLength:"100"`
		ExpiresAt      *time.Time     `json:"expiresAt,omitempty"`
		NoExpiry       bool           `json:"noExpiry,omitempty" doc:"Remove the expiry."`
		Password       *string        `json:"password,omitempty" maxLength:"256" doc:"New password; empty removes it. Guests who typed the old one must type the new one."`
		AllowDownloads *bool          `json:"allowDownloads,omitempty"`
	}
}

type openLinkInput struct {
	Body struct {
		Token    string `json:"token" maxLength:"64" doc:"The token from the link's URL."`
		Password string `json:"password,omitempty" maxLength:"256"`
		Name     string `json:"name,omitempty" maxLength:"100" doc:"The guest's display name; required without an account."`
	}
}

type guestBody struct {
	Name           string        `json:"name"`
	Guest          bool          `json:"guest" doc:"True without an account: comments are marked guest."`
	Actor          string        `json:"actor" doc:"The id the guest's ops and comments carry."`
	Role           shotline.Role `json:"role" doc:"The link's role."`
	ProjectID      string        `json:"projectId"`
	BoardID        string        `json:"boardId,omitempty"`
	Label          string        `json:"label"`
	ExpiresAt      *time.Time    `json:"expiresAt,omitempty"`
	AllowDownloads bool          `json:"allowDownloads"`
	CSRFToken      string        `json:"csrfToken" doc:"Send it back in the X-CSRF-Token header on every write."`
}

type guestOutput struct{ Body guestBody }

func guestView(g *shotline.GuestSession, l *shotline.ShareLink, user *shotline.User) guestBody {
	b := guestBody{Name: g.Name, Guest: user == nil, Actor: g.Actor(), Role: l.Role, ProjectID: l.ProjectID, BoardID: l.BoardID,
		Label: l.Label, ExpiresAt: l.ExpiresAt, AllowDownloads: l.AllowDownloads, CSRFToken: g.CSRFToken}
	if user != nil {
		b.Actor = user.ID
	}
	return b
}

func (s *Server) registerShareLinks() {
	register(s, Route{ID: "createBoardLink", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/links", Tag: "share links",
		Summary: "Make a share link to a board (the token is in the answer, once)", Scope: ScopeBoard, Perm: shotline.PermLinkManage, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *createBoardLinkInput) (*createdLinkOutput, error) {
			b := accessFrom(ctx).Board
			return s.createLink(ctx, b.WorkspaceID, b.ProjectID, b.ID, in.Body)
		})
	register(s, Route{ID: "createProjectLink", Method: nethttp.MethodPost, Path: "/api/projects/{projectId}/links", Tag: "share links",
		Summary: "Make a share link to every board of a project (the token is in the answer, once)", Scope: ScopeProject, Perm: shotline.PermLinkManage, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *createProjectLinkInput) (*createdLinkOutput, error) {
			p := accessFrom(ctx).Project
			return s.createLink(ctx, p.WorkspaceID, p.ID, "", in.Body)
		})
	register(s, Route{ID: "listBoardLinks", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/links", Tag: "share links",
		Summary: "Live share links of a board", Scope: ScopeBoard, Perm: shotline.PermLinkManage},
		func(ctx context.Context, _ *boardIDInput) (*linkListOutput, error) {
			b := accessFrom(ctx).Board
			return s.listLinks(ctx, b.ProjectID, b.ID)
		})
	register(s, Route{ID: "listProjectLinks", Method: nethttp.MethodGet, Path: "/api/projects/{projectId}/links", Tag: "share links",
		Summary: "Live share links of a project", Scope: ScopeProject, Perm: shotline.PermLinkManage},
		func(ctx context.Context, _ *projectIDInput) (*linkListOutput, error) {
			return s.listLinks(ctx, accessFrom(ctx).Project.ID, "")
		})
	register(s, Route{ID: "updateLink", Method: nethttp.MethodPatch, Path: "/api/links/{linkId}", Tag: "share links",
		Summary: "Change a share link's role, label, expiry, password or downloads", Scope: ScopeLink, Perm: shotline.PermLinkManage},
		s.updateLink)
	register(s, Route{ID: "revokeLink", Method: nethttp.MethodDelete, Path: "/api/links/{linkId}", Tag: "share links",
		Summary: "Revoke a share link; open pages and sockets lose access at once", Scope: ScopeLink, Perm: shotline.PermLinkManage, Status: nethttp.StatusNoContent},
		s.revokeLink)

	register(s, Route{ID: "openLink", Method: nethttp.MethodPost, Path: "/api/share/open", Tag: "share links",
		Summary: "Open a share link: starts a guest session (rate-limited; the password if it has one)", Scope: ScopePublic, Status: nethttp.StatusOK},
		s.openLink)
	register(s, Route{ID: "getGuest", Method: nethttp.MethodGet, Path: "/api/share/guest", Tag: "share links",
		Summary: "The share link this browser opened, as it is now", Scope: ScopePublic},
		func(ctx context.Context, _ *struct{}) (*guestOutput, error) {
			c := fiberFrom(ctx)
			g, l, err := s.guestSession(ctx, c.Cookies(guestCookie))
			if err != nil {
				return nil, err
			}
			var user *shotline.User
			if mc, err := s.sessionCaller(ctx, c.Cookies(sessionCookie)); err == nil {
				user = mc.User
			}
			return &guestOutput{Body: guestView(g, l, user)}, nil
		})
}

// linkHash is the stored id of a token.
func linkHash(token string) string { return sessionID(token) }

func (s *Server) createLink(ctx context.Context, workspaceID, projectID, boardID string, in linkBody) (*createdLinkOutput, error) {
	now := s.now()
	if !shotline.ValidLinkRole(in.Role) {
		return nil, shotline.Invalid("role", "must be viewer, commenter or editor")
	}
	label, err := shotline.ValidateLabel(in.Label)
	if err != nil {
		return nil, err
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, shotline.Invalid("expiresAt", "must be in the future")
	}
	l := &shotline.ShareLink{WorkspaceID: workspaceID, ProjectID: projectID, BoardID: boardID, Role: in.Role, Label: label,
		ExpiresAt: utc(in.ExpiresAt), AllowDownloads: in.AllowDownloads, CreatedBy: callerFrom(ctx).Actor(), CreatedAt: now, UpdatedAt: now}
	if in.Password != "" {
		if l.PasswordHash, err = s.linkPasswordHash(in.Password); err != nil {
			return nil, err
		}
		l.HasPassword = true
	}
	token := randomToken()
	l.ID = linkHash(token)
	if err := s.Links.CreateShareLink(ctx, l); err != nil {
		return nil, err
	}
	s.audit(ctx, workspaceID, shotline.AuditLinkCreated, "link:"+l.ID, "role="+string(l.Role))
	out := &createdLinkOutput{}
	out.Body.Link, out.Body.Token, out.Body.Path = l, token, "/s/"+token
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) linkPasswordHash(pw string) (string, error) {
	if len([]rune(pw)) < minLinkPassword {
		return "", shotline.Invalid("password", "must be at least "+strconv.Itoa(minLinkPassword)+" characters")
	}
	return s.Passwords.Hash(pw)
}

func (s *Server) listLinks(ctx context.Context, projectID, boardID string) (*linkListOutput, error) {
	ls, err := s.Links.FindShareLinks(ctx, projectID, boardID)
	if err != nil {
		return nil, err
	}
	out := &linkListOutput{}
	out.Body.Links = append([]*shotline.ShareLink{}, ls...)
	return out, nil
}

func (s *Server) updateLink(ctx context.Context, in *updateLinkInput) (*linkOutput, error) {
	a := accessFrom(ctx)
	if a.Link.RevokedAt != nil {
		return nil, shotline.Errorf(shotline.ECONFLICT, "This link was revoked; make a new one.")
	}
	upd := shotline.ShareLinkUpdate{Role: in.Body.Role, AllowDownloads: in.Body.AllowDownloads, ClearExpiry: in.Body.NoExpiry, ExpiresAt: utc(in.Body.ExpiresAt)}
	if upd.Role != nil && !shotline.ValidLinkRole(*upd.Role) {
		return nil, shotline.Invalid("role", "must be viewer, commenter or editor")
	}
	if upd.ExpiresAt != nil && !upd.ClearExpiry && !upd.ExpiresAt.After(s.now()) {
		return nil, shotline.Invalid("expiresAt", "must be in the future")
	}
	if in.Body.Label != nil {
		label, err := shotline.ValidateLabel(*in.Body.Label)
		if err != nil {
			return nil, err
		}
		upd.Label = &label
	}
	if pw := in.Body.Password; pw != nil {
		hash := ""
		if *pw != "" {
			var err error
			if hash, err = s.linkPasswordHash(*pw); err != nil {
				return nil, err
			}
		}
		upd.PasswordHash = &hash
	}
	l, err := s.Links.UpdateShareLink(ctx, a.Link.ID, upd, s.now())
	if err != nil {
		return nil, err
	}
	s.audit(ctx, l.WorkspaceID, shotline.AuditLinkEdited, "link:"+l.ID, linkChanges(a.Link, l))
	s.linkChanged(a.Link, l)
	return &linkOutput{Body: l}, nil
}

// linkChanges describes an edit for the audit log (never the password).
func linkChanges(before, after *shotline.ShareLink) string {
	d := ""
	add := func(s string) {
		if d != "" {
			d += " "
		}
		d += s
	}
	if before.Role != after.Role {
		add("role=" + string(after.Role))
	}
	if before.Label != after.Label {
		add("label")
	}
	if (before.ExpiresAt == nil) != (after.ExpiresAt == nil) || (before.ExpiresAt != nil && !before.ExpiresAt.Equal(*after.ExpiresAt)) {
		add("expiry")
	}
	if before.PasswordSerial != after.PasswordSerial {
		add("password")
	}
	if before.AllowDownloads != after.AllowDownloads {
		add("downloads=" + strconv.FormatBool(after.AllowDownloads))
	}
	return d
}

func (s *Server) revokeLink(ctx context.Context, in *linkIDInput) (*struct{}, error) {
	a := accessFrom(ctx)
	l, err := s.Links.RevokeShareLink(ctx, a.Link.ID, s.now())
	if err != nil {
		return nil, err
	}
	if a.Link.RevokedAt == nil {
		s.audit(ctx, l.WorkspaceID, shotline.AuditLinkRevoked, "link:"+l.ID, "")
	}
	s.linkChanged(a.Link, l)
	return nil, nil
}

// openLink checks a token (and its password) and starts a guest session.
// Unknown tokens are counted per address and refused once there are too
// many; wrong passwords are counted per link and per address.
func (s *Server) openLink(ctx context.Context, in *openLinkInput) (*guestOutput, error) {
	now, ip := s.now(), clientIP(ctx)
	if ok, wait := s.linkMisses.check("ip:"+ip, s.cfg.LinkAttempts*2, now); !ok {
		return nil, linkRateLimited("Too many unknown links from this address", wait)
	}
	tok := in.Body.Token
	var l *shotline.ShareLink
	var err error
	if validLinkToken(tok) {
		l, err = s.Links.FindShareLink(ctx, linkHash(tok))
	} else {
		err = shotline.Errorf(shotline.ENOTFOUND, "")
	}
	if shotline.ErrorCode(err) == shotline.ENOTFOUND {
		s.linkMisses.allow("ip:"+ip, s.cfg.LinkAttempts*2, now)
		return nil, shotline.Errorf(shotline.ENOTFOUND, "This link does not exist; check that it was copied whole.")
	} else if err != nil {
		return nil, err
	}
	if err := l.Usable(now); err != nil {
		s.auditLink(ctx, l, nil, shotline.AuditLinkRefused, reasonOf(err))
		return nil, err
	}
	fc := fiberFrom(ctx)
	var user *shotline.User
	if mc, err := s.sessionCaller(ctx, fc.Cookies(sessionCookie)); err == nil {
		user = mc.User
	}
	if l.HasPassword {
		for _, key := range []struct {
			k   string
			max int
		}{{"link:" + l.ID, s.cfg.LinkAttempts}, {"ip:" + ip, 10 * s.cfg.LinkAttempts}} {
			if ok, wait := s.linkPasswords.check(key.k, key.max, now); !ok {
				return nil, linkRateLimited("Too many password attempts", wait)
			}
		}
		ok, err := s.Passwords.Verify(in.Body.Password, l.PasswordHash)
		if err != nil {
			return nil, err
		}
		if !ok {
			s.linkPasswords.allow("link:"+l.ID, s.cfg.LinkAttempts, now)
			s.linkPasswords.allow("ip:"+ip, 10*s.cfg.LinkAttempts, now)
			s.auditLink(ctx, l, user, shotline.AuditLinkRefused, "wrong password")
			msg := "Wrong password."
			if in.Body.Password == "" {
				msg = "This link needs a password."
			}
			return nil, &shotline.Error{Code: shotline.EUNAUTHORIZED, Message: msg, Details: []shotline.FieldError{{Field: "password", Message: "wrong"}}}
		}
	}
	if l.Role == shotline.RoleEditor && user == nil {
		return nil, shotline.Errorf(shotline.EUNAUTHORIZED, "An editor link opens only for signed-in accounts; sign in, then open it again.")
	}
	name := ""
	if user != nil {
		name = user.Name
	} else if name, err = shotline.ValidateName("name", in.Body.Name, maxNameLength); err != nil {
		return nil, err
	}
	token := randomToken()
	g := &shotline.GuestSession{ID: sessionID(token), LinkID: l.ID, Name: name, CSRFToken: randomToken(), PasswordSerial: l.PasswordSerial,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.Links.CreateGuestSession(ctx, g); err != nil {
		return nil, err
	}
	if err := s.Links.LinkOpened(ctx, l.ID, now); err != nil {
		return nil, err
	}
	s.auditLink(ctx, l, user, shotline.AuditLinkOpened, name)
	fc.Cookie(&fiber.Cookie{Name: guestCookie, Value: token, Path: "/", Expires: g.ExpiresAt, HTTPOnly: true, Secure: s.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
	return &guestOutput{Body: guestView(g, l, user)}, nil
}

// reasonOf is the detail an EGONE error carries (revoked, expired).
func reasonOf(err error) string {
	if e, ok := err.(*shotline.Error); ok && len(e.Details) > 0 {
		return e.Details[0].Message
	}
	return ""
}

func linkRateLimited(what string, wait time.Duration) error {
	return rateLimited(wait, "%s; try again in %d seconds.", what, retryAfterSeconds(wait))
}
