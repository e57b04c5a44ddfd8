package shotline

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// hash is stored, as ID, so a leaked database does not leak sessions.
type Session struct {
	ID        string    // hash of the cookie token
	UserID    string    //
	CSRFToken string    // sent back by the client on every cookie-authenticated write
	CreatedAt time.Time //
	ExpiresAt time.Time //
}

// Expired reports whether the session has expired at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// SessionService stores sessions.
type SessionService interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with the given ID.
	// Returns ENOTFOUND if it does not exist or has expired.
	FindSession(ctx context.Context, id string) (*Session, error)
	// DeleteSession ends one session. Deleting a missing session is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of a user except exceptID (may be "").
	DeleteUserSessions(ctx context.Context, userID, exceptID string) error
	// DeleteExpiredSessions removes sessions expired at now and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
