package http

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	nethttp "net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shotline/shotline/backend/shotline"
)

const (
	sessionCookie = "shotline_session"
	csrfCookie    = "shotline_csrf"
	csrfHeader    = "X-CSRF-Token"
	maxNameLength = 100
)

// randomToken returns 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("read random: %v", err)) // the OS is broken; nothing safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

type sessionBody struct {
	User      *shotline.User `json:"user"`
	CSRFToken string         `json:"csrfToken" doc:"Send it back in the X-CSRF-Token header on every write."`
}

type sessionOutput struct {
	Body sessionBody
}

// startSession creates a session for user and returns the response that sets
// its cookies.
func (s *Server) startSession(ctx context.Context, user *shotline.User) (*sessionOutput, error) {
	token, now := randomToken(), s.now()
	sess := &shotline.Session{ID: sessionID(token), UserID: user.ID, CSRFToken: randomToken(), CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	s.setCookies(ctx, token, sess.CSRFToken, sess.ExpiresAt)
	return &sessionOutput{Body: sessionBody{User: user, CSRFToken: sess.CSRFToken}}, nil
}

// setCookies sets the session cookies on the response (through Fiber: huma
// would fold two Set-Cookie headers into one). The session token is HttpOnly
// so scripts cannot read it; the CSRF token is readable by our own scripts
// (SameSite keeps it first-party) so the page can send it back in a header.
func (s *Server) setCookies(ctx context.Context, token, csrf string, expires time.Time) {
	c := fiberFrom(ctx)
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires, HTTPOnly: true, Secure: s.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode})
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: csrf, Path: "/", Expires: expires, Secure: s.cfg.CookieSecure, SameSite: fiber.CookieSameSiteStrictMode})
}

// clearCookies tells the browser to forget the session cookies.
func (s *Server) clearCookies(ctx context.Context) {
	s.setCookies(ctx, "", "", time.Unix(0, 0))
}

type signUpInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ann@example.com"`
		Password string `json:"password" maxLength:"256" doc:"At least 10 characters."`
		Name     string `json:"name" maxLength:"100" example:"Ann Lee"`
	}
}

type signInInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"256"`
	}
}

type userOutput struct{ Body *shotline.User }

type updateMeInput struct {
	Body struct {
		Name  *string `json:"name,omitempty" maxLength:"100"`
		Email *string `json:"email,omitempty" maxLength:"254"`
	}
}

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"currentPassword" maxLength:"256"`
		NewPassword     string `json:"newPassword" maxLength:"256"`
	}
}

// wrongCredentials is the same for an unknown email and a wrong password, so
// sign-in does not tell which accounts exist.
var wrongCredentials = shotline.Errorf(shotline.EUNAUTHORIZED, "Email or password is incorrect.")

// limitAttempts counts an attempt at action (sign-in or sign-up) for email
// and for the caller's IP: Config.SignInAttempts per address and ten times
// that per IP in each window. Returns ERATELIMIT, with when to retry, over
// either.
func (s *Server) limitAttempts(ctx context.Context, action, email string) error {
	now := s.now()
	for _, key := range []struct {
		k   string
		max int
	}{{action + ":email:" + email, s.cfg.SignInAttempts}, {action + ":ip:" + clientIP(ctx), 10 * s.cfg.SignInAttempts}} {
		if ok, wait := s.signIns.allow(key.k, key.max, now); !ok {
			return rateLimited(wait, "Too many %s attempts; try again in %d seconds.", action, retryAfterSeconds(wait))
		}
	}
	return nil
}

func (s *Server) registerAuth() {
	register(s, Route{ID: "signUp", Method: nethttp.MethodPost, Path: "/api/auth/signup", Tag: "auth",
		Summary: "Create an account and sign in", Scope: ScopePublic, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *signUpInput) (*sessionOutput, error) {
			email, err := shotline.NormalizeEmail(in.Body.Email)
			if err != nil {
				return nil, err
			}
			name, err := shotline.ValidateName("name", in.Body.Name, maxNameLength)
			if err != nil {
				return nil, err
			}
			if err := shotline.ValidatePassword(in.Body.Password, email); err != nil {
				return nil, err
			}
			// Sign-up says when an address has an account (see README,
			// "Accounts"), so it is rate-limited like sign-in: per address
			// and per IP, which bounds probing for accounts to the pace of
			// guessing passwords.
			if err := s.limitAttempts(ctx, "sign-up", email); err != nil {
				return nil, err
			}
			hash, err := s.Passwords.Hash(in.Body.Password)
			if err != nil {
				return nil, err
			}
			user := &shotline.User{Email: email, Name: name, PasswordHash: hash}
			if err := s.Users.CreateUser(ctx, user); err != nil {
				return nil, err
			}
			if err := s.acceptInvites(ctx, user); err != nil {
				return nil, err
			}
			return s.startSession(ctx, user)
		})

	register(s, Route{ID: "signIn", Method: nethttp.MethodPost, Path: "/api/auth/signin", Tag: "auth",
		Summary: "Sign in with email and password (rate-limited)", Scope: ScopePublic, Status: nethttp.StatusOK},
		func(ctx context.Context, in *signInInput) (*sessionOutput, error) {
			email, err := shotline.NormalizeEmail(in.Body.Email)
			if err != nil {
				return nil, wrongCredentials
			}
			if err := s.limitAttempts(ctx, "sign-in", email); err != nil {
				return nil, err
			}
			user, err := s.Users.FindUserByEmail(ctx, email)
			if shotline.ErrorCode(err) == shotline.ENOTFOUND {
				// Spend the same time as a real check so timing does not tell either.
				_, _ = s.Passwords.Verify(in.Body.Password, s.dummyHash())
				return nil, wrongCredentials
			} else if err != nil {
				return nil, err
			}
			if ok, err := s.Passwords.Verify(in.Body.Password, user.PasswordHash); err != nil {
				return nil, err
			} else if !ok {
				s.auditUser(ctx, user, shotline.AuditSignInFailed)
				return nil, wrongCredentials
			}
			s.signIns.reset("sign-in:email:" + email)
			s.auditUser(ctx, user, shotline.AuditSignIn)
			return s.startSession(ctx, user)
		})

	register(s, Route{ID: "signOut", Method: nethttp.MethodPost, Path: "/api/auth/signout", Tag: "auth",
		Summary: "End this session", Scope: ScopeSession, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			if err := s.Sessions.DeleteSession(ctx, callerFrom(ctx).Session.ID); err != nil {
				return nil, err
			}
			s.sessionsEnded("", callerFrom(ctx).Session.ID, "")
			s.clearCookies(ctx)
			return nil, nil
		})

	register(s, Route{ID: "signOutEverywhere", Method: nethttp.MethodPost, Path: "/api/auth/signout-all", Tag: "auth",
		Summary: "End every session of this account", Scope: ScopeSession, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			if err := s.Sessions.DeleteUserSessions(ctx, callerFrom(ctx).User.ID, ""); err != nil {
				return nil, err
			}
			s.sessionsEnded(callerFrom(ctx).User.ID, "", "")
			s.auditUser(ctx, callerFrom(ctx).User, shotline.AuditSignOutEverywhere)
			s.clearCookies(ctx)
			return nil, nil
		})

	register(s, Route{ID: "getSession", Method: nethttp.MethodGet, Path: "/api/auth/session", Tag: "auth",
		Summary: "The signed-in user and the CSRF token", Scope: ScopeSession},
		func(ctx context.Context, _ *struct{}) (*struct{ Body sessionBody }, error) {
			c := callerFrom(ctx)
			return &struct{ Body sessionBody }{Body: sessionBody{User: c.User, CSRFToken: c.Session.CSRFToken}}, nil
		})

	register(s, Route{ID: "updateMe", Method: nethttp.MethodPatch, Path: "/api/me", Tag: "auth",
		Summary: "Change your name or email", Scope: ScopeSession},
		func(ctx context.Context, in *updateMeInput) (*userOutput, error) {
			var upd shotline.UserUpdate
			if in.Body.Name != nil {
				name, err := shotline.ValidateName("name", *in.Body.Name, maxNameLength)
				if err != nil {
					return nil, err
				}
				upd.Name = &name
			}
			if in.Body.Email != nil {
				email, err := shotline.NormalizeEmail(*in.Body.Email)
				if err != nil {
					return nil, err
				}
				upd.Email = &email
			}
			u, err := s.Users.UpdateUser(ctx, callerFrom(ctx).User.ID, upd)
			if err != nil {
				return nil, err
			}
			return &userOutput{Body: u}, nil
		})

	register(s, Route{ID: "changePassword", Method: nethttp.MethodPut, Path: "/api/me/password", Tag: "auth",
		Summary: "Change your password; ends your other sessions", Scope: ScopeSession, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
			c := callerFrom(ctx)
			if ok, err := s.Passwords.Verify(in.Body.CurrentPassword, c.User.PasswordHash); err != nil {
				return nil, err
			} else if !ok {
				return nil, &shotline.Error{Code: shotline.EINVALID, Message: "Current password is incorrect.",
					Details: []shotline.FieldError{{Field: "currentPassword", Message: "is incorrect"}}}
			}
			if err := shotline.ValidatePassword(in.Body.NewPassword, c.User.Email); err != nil {
				return nil, err
			}
			hash, err := s.Passwords.Hash(in.Body.NewPassword)
			if err != nil {
				return nil, err
			}
			if err := s.Users.SetPasswordHash(ctx, c.User.ID, hash); err != nil {
				return nil, err
			}
			if err := s.Sessions.DeleteUserSessions(ctx, c.User.ID, c.Session.ID); err != nil {
				return nil, err
			}
			s.sessionsEnded(c.User.ID, "", c.Session.ID)
			return nil, nil
		})
}

// acceptInvites turns the invites waiting for user's email into memberships.
func (s *Server) acceptInvites(ctx context.Context, user *shotline.User) error {
	ws, err := s.Workspaces.FindWorkspacesByInvite(ctx, user.Email)
	if err != nil {
		return err
	}
	for _, w := range ws {
		_, err := s.Workspaces.UpdateWorkspace(ctx, w.ID, func(w *shotline.Workspace) error {
			w.AcceptInvite(user.Email, user.ID, s.now())
			return nil
		})
		if err != nil && shotline.ErrorCode(err) != shotline.ENOTFOUND {
			return fmt.Errorf("accept invite to %s: %w", w.ID, err)
		}
	}
	return nil
}

// dummyHash is a hash of a random password made with the server's hasher,
// verified against when the email is unknown so both paths cost the same.
func (s *Server) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = s.Passwords.Hash(randomToken()) })
	return s.dummy
}
