package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

func TestSignUpSignInSignOut(t *testing.T) {
	s := newServer(t, shttp.Config{})
	c := s.client(t)
	r := c.do("POST", "/api/auth/signup", map[string]any{"email": " Ann@Example.com ", "password": "a long passphrase", "name": "Ann"}).must(t, 201)
	if got := r.JSON()["user"].(map[string]any)["email"]; got != "ann@example.com" {
		t.Errorf("email stored as %v", got)
	}
	if strings.Contains(string(r.Body), "argon2") || strings.Contains(string(r.Body), "passwordHash") {
		t.Fatalf("the password hash leaked: %s", r.Body)
	}
	var sessionSetCookie string
	for _, v := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "shotline_session=") {
			sessionSetCookie = v
		}
	}
	for _, want := range []string{"httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(strings.ToLower(sessionSetCookie), want) {
			t.Errorf("session cookie %q lacks %s", sessionSetCookie, want)
		}
	}
	c.do("GET", "/api/auth/session", nil).must(t, 200)

	// Duplicate email, any case.
	s.client(t).do("POST", "/api/auth/signup", map[string]any{"email": "ANN@example.com", "password": "another passphrase", "name": "Imposter"}).
		wantError(t, 409, shotline.ECONFLICT)
	// Weak password.
	s.client(t).do("POST", "/api/auth/signup", map[string]any{"email": "bob@example.com", "password": "short", "name": "Bob"}).
		wantError(t, 422, shotline.EINVALID)

	// Wrong password and unknown email read the same.
	wrong := s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": "ann@example.com", "password": "not the passphrase"})
	wrong.wantError(t, 401, shotline.EUNAUTHORIZED)
	unknown := s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": "nobody@example.com", "password": "not the passphrase"})
	unknown.wantError(t, 401, shotline.EUNAUTHORIZED)
	if wrong.Str("message") != unknown.Str("message") {
		t.Errorf("wrong password says %q, unknown email %q: reveals which accounts exist", wrong.Str("message"), unknown.Str("message"))
	}

	c.do("POST", "/api/auth/signout", nil).must(t, 204)
	c.do("GET", "/api/auth/session", nil).wantError(t, 401, shotline.EUNAUTHORIZED)

	c2 := s.client(t)
	c2.do("POST", "/api/auth/signin", map[string]any{"email": "ann@example.com", "password": "a long passphrase"}).must(t, 200)
	c2.do("GET", "/api/auth/session", nil).must(t, 200)
}

func TestSignOutEndsOnlyThatSessionUnlessEverywhere(t *testing.T) {
	s := newServer(t, shttp.Config{})
	laptop := s.signUp(t, "Cat")
	email := laptop.email()
	phone, tablet := s.client(t), s.client(t)
	for _, c := range []*client{phone, tablet} {
		c.do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a long passphrase"}).must(t, 200)
	}
	phone.do("POST", "/api/auth/signout", nil).must(t, 204)
	phone.do("GET", "/api/auth/session", nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	laptop.do("GET", "/api/auth/session", nil).must(t, 200)

	laptop.do("POST", "/api/auth/signout-all", nil).must(t, 204)
	for _, c := range []*client{laptop, tablet} {
		c.do("GET", "/api/auth/session", nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	}
}

func TestChangePassword(t *testing.T) {
	s := newServer(t, shttp.Config{})
	a := s.signUp(t, "Dee")
	email := a.email()
	other := s.client(t)
	other.do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a long passphrase"}).must(t, 200)

	a.do("PUT", "/api/me/password", map[string]any{"currentPassword": "wrong one here", "newPassword": "a newer passphrase"}).wantError(t, 422, shotline.EINVALID)
	a.do("PUT", "/api/me/password", map[string]any{"currentPassword": "a long passphrase", "newPassword": "short"}).wantError(t, 422, shotline.EINVALID)
	a.do("PUT", "/api/me/password", map[string]any{"currentPassword": "a long passphrase", "newPassword": "a newer passphrase"}).must(t, 204)

	a.do("GET", "/api/auth/session", nil).must(t, 200)                                  // this session stays
	other.do("GET", "/api/auth/session", nil).wantError(t, 401, shotline.EUNAUTHORIZED) // others end
	s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a long passphrase"}).wantError(t, 401, shotline.EUNAUTHORIZED)
	s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a newer passphrase"}).must(t, 200)
}

func TestUpdateProfile(t *testing.T) {
	s := newServer(t, shttp.Config{})
	a, b := s.signUp(t, "Eve"), s.signUp(t, "Fay")
	r := a.do("PATCH", "/api/me", map[string]any{"name": "  Eve Park "}).must(t, 200)
	if got := r.Str("name"); got != "Eve Park" {
		t.Errorf("name = %q", got)
	}
	a.do("PATCH", "/api/me", map[string]any{"email": b.email()}).wantError(t, 409, shotline.ECONFLICT)
	a.do("PATCH", "/api/me", map[string]any{"name": ""}).wantError(t, 422, shotline.EINVALID)
}

func TestSignInIsRateLimited(t *testing.T) {
	s := newServer(t, shttp.Config{SignInAttempts: 3, SignInWindow: time.Hour})
	email := s.signUp(t, "Gus").email()
	for i := 0; i < 3; i++ {
		s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "wrong passphrase"}).wantError(t, 401, shotline.EUNAUTHORIZED)
	}
	// Even the right password is refused now: guessing is what is limited.
	r := s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": email, "password": "a long passphrase"})
	r.wantError(t, 429, shotline.ERATELIMIT)
	wantRetryAfter(t, r, time.Hour)
	// Another account is not locked out by it.
	other := s.signUp(t, "Hal").email()
	s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": other, "password": "a long passphrase"}).must(t, 200)
}

// wantRetryAfter checks that a 429 says when to retry: whole seconds, at
// most window.
func wantRetryAfter(t *testing.T, r *response, window time.Duration) {
	t.Helper()
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(window.Seconds()) {
		t.Fatalf("Retry-After = %q, want 1 to %d seconds", r.Header.Get("Retry-After"), int(window.Seconds()))
	}
}

// TestSignUpIsRateLimited: sign-up tells whether an address has an account
// (ECONFLICT), so probing addresses is limited like sign-in.
func TestSignUpIsRateLimited(t *testing.T) {
	s := newServer(t, shttp.Config{SignInAttempts: 3, SignInWindow: time.Hour})
	body := map[string]any{"email": "kim@example.com", "password": "a long passphrase", "name": "Kim"}
	s.client(t).do("POST", "/api/auth/signup", body).must(t, 201)
	for range 2 {
		s.client(t).do("POST", "/api/auth/signup", body).wantError(t, 409, shotline.ECONFLICT)
	}
	r := s.client(t).do("POST", "/api/auth/signup", body)
	r.wantError(t, 429, shotline.ERATELIMIT)
	wantRetryAfter(t, r, time.Hour)
	// Another address is not limited by it, nor is signing in.
	s.client(t).do("POST", "/api/auth/signup", map[string]any{"email": "lee@example.com", "password": "a long passphrase", "name": "Lee"}).must(t, 201)
	s.client(t).do("POST", "/api/auth/signin", map[string]any{"email": "kim@example.com", "password": "a long passphrase"}).must(t, 200)
}

// TestOriginMustMatchSchemeHostAndPort: a write whose Origin is another
// scheme, host or port than the server's is refused. The test requests go
// to http://example.com.
func TestOriginMustMatchSchemeHostAndPort(t *testing.T) {
	signIn := map[string]any{"email": "nobody@example.com", "password": "whatever it is"}
	for _, tt := range []struct {
		name    string
		public  []string
		origin  string
		allowed bool
	}{
		{"same origin", nil, "http://example.com", true},
		{"same origin, default port", nil, "http://example.com:80", true},
		{"other scheme", nil, "https://example.com", false},
		{"other port", nil, "http://example.com:8080", false},
		{"other host", nil, "http://evil.example", false},
		{"not an origin", nil, "example.com", false},
		{"configured origin", []string{"https://app.example"}, "https://app.example", true},
		{"request's origin when others are configured", []string{"https://app.example"}, "http://example.com", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, shttp.Config{PublicOrigins: tt.public})
			c := s.client(t)
			c.header.Set("Origin", tt.origin)
			r := c.do("POST", "/api/auth/signin", signIn)
			if tt.allowed {
				r.wantError(t, 401, shotline.EUNAUTHORIZED)
			} else {
				r.wantError(t, 403, shotline.ECSRF)
			}
		})
	}
}

func TestExpiredSessionIsRefused(t *testing.T) {
	s := newServer(t, shttp.Config{})
	c := s.signUp(t, "Ivy")
	uid := c.userID()
	token := "expired-token-for-test"
	sum := sha256.Sum256([]byte(token))
	past := time.Now().Add(-time.Hour)
	err := mongo.NewSessionService(s.db).CreateSession(context.Background(), &shotline.Session{
		ID: hex.EncodeToString(sum[:]), UserID: uid, CSRFToken: "x", CreatedAt: past.Add(-time.Hour), ExpiresAt: past})
	if err != nil {
		t.Fatal(err)
	}
	old := s.client(t)
	old.cookies["shotline_session"] = newCookie("shotline_session", token)
	old.do("GET", "/api/workspaces", nil).wantError(t, 401, shotline.EUNAUTHORIZED)
	if n, err := mongo.NewSessionService(s.db).DeleteExpiredSessions(context.Background(), time.Now()); err != nil || n != 1 {
		t.Errorf("swept %d expired sessions (%v), want 1", n, err)
	}
	c.do("GET", "/api/workspaces", nil).must(t, 200) // the live one survives the sweep
}

func TestCSRF(t *testing.T) {
	s := newServer(t, shttp.Config{})
	c := s.signUp(t, "Jo")
	token := c.csrf
	c.csrf = ""
	c.do("POST", "/api/workspaces", map[string]any{"name": "No token"}).wantError(t, 403, shotline.ECSRF)
	c.header.Set("X-CSRF-Token", "forged")
	c.do("POST", "/api/workspaces", map[string]any{"name": "Wrong token"}).wantError(t, 403, shotline.ECSRF)
	c.header.Set("X-CSRF-Token", token)
	c.do("POST", "/api/workspaces", map[string]any{"name": "Right token"}).must(t, 201)
	// Reads need no token.
	c.header.Del("X-CSRF-Token")
	r := c.do("GET", "/api/workspaces", nil).must(t, 200)
	if ws := r.JSON()["workspaces"].([]any); len(ws) != 1 {
		t.Fatalf("%d workspaces, want only the one made with the right token", len(ws))
	}
	// A cross-site form posting to sign-in is refused by Origin.
	x := s.client(t)
	x.header.Set("Origin", "https://evil.example")
	x.do("POST", "/api/auth/signin", map[string]any{"email": "a@b.cd", "password": "whatever it is"}).wantError(t, 403, shotline.ECSRF)
}
