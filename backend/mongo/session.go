package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// SessionService stores sessions in the sessions collection. Expired sessions
// are refused on read and removed by DeleteExpiredSessions (no TTL index, so
// that FerretDB works too). Every query is by _id (docs/storage.md): a
// user's sessions are listed in a scope index, and so are the sessions
// that expire on each day, which the sweep reads once that day is over.
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
	if err := s.db.indexAdd(ctx, expiringKey(se.ExpiresAt), se.ID); err != nil {
		return err
	}
	if _, err := s.db.sessions().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// FindSession implements shotline.SessionService.
func (s *SessionService) FindSession(ctx context.Context, id string) (*shotline.Session, error) {
	var d sessionDoc
	if err := s.db.sessions().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
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

// expiringKey is the scope index of the sessions that expire on t's day.
func expiringKey(t time.Time) string { return "sessions-expiring:" + t.UTC().Format(time.DateOnly) }

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

// sweptKey is the scope index document whose ids hold the last day the
// sweep finished.
const sweptKey = "sessions-swept"

// sweepFrom is how far back a first sweep looks: sessions last at most
// this long (SHOTLINE_SESSION_TTL is far shorter).
const sweepFrom = 400 * 24 * time.Hour

// DeleteExpiredSessions implements shotline.SessionService. It deletes the
// sessions of every day that ended since the last sweep, and those of
// today that have expired, reading each day's list by _id: its cost is
// what it deletes, today's sessions, and one lookup a day.
func (s *SessionService) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	last, err := s.db.indexIDs(ctx, sweptKey)
	if err != nil {
		return 0, err
	}
	day := now.UTC().Add(-sweepFrom).Truncate(24 * time.Hour)
	if len(last) > 0 {
		if t, err := time.Parse(time.DateOnly, last[0]); err == nil {
			day = t.AddDate(0, 0, 1)
		}
	}
	var n int64
	for ; !day.After(now); day = day.AddDate(0, 0, 1) {
		over := !day.AddDate(0, 0, 1).After(now) // every session of that day has expired
		ids, err := s.db.indexIDs(ctx, expiringKey(day))
		if err != nil {
			return n, err
		}
		var swept []string
		for _, id := range ids {
			var d sessionDoc
			err := s.db.sessions().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
			if errors.Is(err, mongo.ErrNoDocuments) {
				swept = append(swept, id)
				continue
			} else if err != nil {
				return n, fmt.Errorf("read expiring session: %w", err)
			}
			if !over && d.ExpiresAt.After(now) {
				continue
			}
			if _, err := s.db.sessions().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return n, fmt.Errorf("delete expired session: %w", err)
			}
			n++
			swept = append(swept, id)
			if err := s.db.indexRemove(ctx, userSessionsKey(d.UserID), id); err != nil {
				return n, err
			}
		}
		if !over {
			if err := s.db.indexRemove(ctx, expiringKey(day), swept...); err != nil {
				return n, err
			}
			break
		}
		if err := s.db.indexDrop(ctx, expiringKey(day)); err != nil {
			return n, err
		}
		_, err = s.db.scopeIDs().ReplaceOne(ctx, bson.D{{Key: "_id", Value: sweptKey}},
			bson.D{{Key: "_id", Value: sweptKey}, {Key: "ids", Value: []string{day.Format(time.DateOnly)}}}, options.Replace().SetUpsert(true))
		if err != nil {
			return n, fmt.Errorf("record session sweep: %w", err)
		}
	}
	return n, nil
}
