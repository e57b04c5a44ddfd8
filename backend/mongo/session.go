package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/shotline/shotline/backend/shotline"
)

// SessionService stores sessions in the sessions collection. Expired sessions
// are refused on read and removed by DeleteExpiredSessions (no TTL index, so
// that FerretDB works too). Every query is by _id (docs/storage.md): a
// user's sessions are listed in a scope index, and the sessions that expire
// on a day are entries of a day ledger (dayExpiry), which the sweep reads
// by _id.
type SessionService struct{ db *DB }

var _ shotline.SessionService = (*SessionService)(nil)

// NewSessionService returns a SessionService on db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

type sessionDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"userId"`
	CSRFToken string    `bson:"csrfToken"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// CreateSession implements shotline.SessionService.
func (s *SessionService) CreateSession(ctx context.Context, se *shotline.Session) error {
	d := sessionDoc{ID: se.ID, UserID: se.UserID, CSRFToken: se.CSRFToken, CreatedAt: se.CreatedAt, ExpiresAt: se.ExpiresAt}
	if err := s.db.indexAdd(ctx, userSessionsKey(se.UserID), se.ID); err != nil {
		return err
	}
	if err := s.db.sessionExpiries().add(ctx, se.ExpiresAt, se.ID); err != nil {
		return err
	}
	if _, err := s.db.sessions().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// FindSession implements shotline.SessionService.
func (s *SessionService) FindSession(ctx context.Context, id string) (*shotline.Session, error) {
	// Shared while in flight: a reconnect storm sends every tab of a
	// person with the same session at once.
	d, err := shared(ctx, s.db, "sessions/"+id, func(ctx context.Context) (sessionDoc, error) {
		var d sessionDoc
		err := s.db.sessions().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		return d, err
	})
	if err != nil {
		return nil, notFound(err, "Session not found.", "find session")
	}
	se := &shotline.Session{ID: d.ID, UserID: d.UserID, CSRFToken: d.CSRFToken, CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
	if se.Expired(s.db.Now()) {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Session expired.")
	}
	return se, nil
}

// DeleteSession implements shotline.SessionService.
func (s *SessionService) DeleteSession(ctx context.Context, id string) error {
	var d sessionDoc
	err := s.db.sessions().FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	} else if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	// The day's expiry list keeps the id; the sweep skips what is gone.
	return s.db.indexRemove(ctx, userSessionsKey(d.UserID), id)
}

// DeleteUserSessions implements shotline.SessionService.
func (s *SessionService) DeleteUserSessions(ctx context.Context, userID, exceptID string) error {
	ids, err := s.db.indexIDs(ctx, userSessionsKey(userID))
	if err != nil {
		return err
	}
	var gone []string
	for _, id := range ids {
		if id == exceptID {
			continue
		}
		if _, err := s.db.sessions().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("delete user sessions: %w", err)
		}
		gone = append(gone, id)
	}
	return s.db.indexRemove(ctx, userSessionsKey(userID), gone...)
}

// sessionExpiries is the day ledger of sessions (its keys have no prefix:
// they are the first the ledger held).
func (db *DB) sessionExpiries() dayExpiry {
	return dayExpiry{db: db, prefix: "", sweptKey: "sessions-swept"}
}

// DeleteExpiredSessions implements shotline.SessionService. It deletes the
// sessions of every day that ended since the last sweep, and those of
// today that have expired, reading each day's entries by _id: its cost is
// what it deletes, today's sessions, and one lookup a day.
func (s *SessionService) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return s.db.sessionExpiries().sweep(ctx, now, func(ctx context.Context, id string, over bool) (expiryOutcome, error) {
		var d sessionDoc
		err := s.db.sessions().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return expiryGone, nil
		case err != nil:
			return 0, fmt.Errorf("read expiring session: %w", err)
		case !over && d.ExpiresAt.After(now):
			return expiryLater, nil
		}
		if _, err := s.db.sessions().DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
			return 0, fmt.Errorf("delete expired session: %w", err)
		}
		if err := s.db.indexRemove(ctx, userSessionsKey(d.UserID), d.ID); err != nil {
			return expiryDeleted, err
		}
		return expiryDeleted, nil
	})
}
