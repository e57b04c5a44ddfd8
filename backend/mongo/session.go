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
// user's sessions are listed in a scope index, and the sessions that expire
// on a day are numbered entries of session_expiry (a counter per day, an
// entry per session, written once), which the sweep reads by _id. (A list
// in one document would make every sign-in rewrite the whole day's list.)
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
	if err := s.db.expireOn(ctx, se.ExpiresAt, se.ID); err != nil {
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

func (db *DB) sessionExpiry() *mongo.Collection { return db.db.Collection("session_expiry") }

func sessionExpiryDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// expiryDoc is a day's counter (_id: the day) or one of its entries (_id:
// day + ":" + number).
type expiryDoc struct {
	ID        string `bson:"_id"`
	N         int64  `bson:"n,omitempty"`         // a counter: entries 1…n were handed out
	SessionID string `bson:"sessionId,omitempty"` // an entry
}

// expireOn records that session id expires on t's day: a number from the
// day's counter, then an entry under it.
func (db *DB) expireOn(ctx context.Context, t time.Time, id string) error {
	day := sessionExpiryDay(t)
	var c expiryDoc
	err := db.sessionExpiry().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: day}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return fmt.Errorf("count expiring sessions: %w", err)
	}
	if _, err := db.sessionExpiry().InsertOne(ctx, expiryDoc{ID: fmt.Sprintf("%s:%d", day, c.N), SessionID: id}); err != nil {
		return fmt.Errorf("record session expiry: %w", err)
	}
	return nil
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

// sweptKey is the scope index document whose ids hold the last day the
// sweep finished.
const sweptKey = "sessions-swept"

// sweepFrom is how far back a first sweep looks: sessions last at most
// this long (SHOTLINE_SESSION_TTL is far shorter).
const sweepFrom = 400 * 24 * time.Hour

// DeleteExpiredSessions implements shotline.SessionService. It deletes the
// sessions of every day that ended since the last sweep, and those of
// today that have expired, reading each day's entries by _id: its cost is
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
		swept, err := s.sweepDay(ctx, sessionExpiryDay(day), now, over)
		n += swept
		if err != nil || !over {
			return n, err
		}
		_, err = s.db.scopeIDs().ReplaceOne(ctx, bson.D{{Key: "_id", Value: sweptKey}},
			bson.D{{Key: "_id", Value: sweptKey}, {Key: "ids", Value: []string{sessionExpiryDay(day)}}}, options.Replace().SetUpsert(true))
		if err != nil {
			return n, fmt.Errorf("record session sweep: %w", err)
		}
	}
	return n, nil
}

// sweepDay deletes the day's sessions that expired by now (all of them if
// the day is over, and then its entries too).
func (s *SessionService) sweepDay(ctx context.Context, day string, now time.Time, over bool) (int64, error) {
	var c expiryDoc
	err := s.db.sessionExpiry().FindOne(ctx, bson.D{{Key: "_id", Value: day}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read expiring sessions: %w", err)
	}
	var n int64
	for i := int64(1); i <= c.N; i++ {
		key := fmt.Sprintf("%s:%d", day, i)
		var e expiryDoc
		err := s.db.sessionExpiry().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // swept before, or its writer stopped between the two writes
		} else if err != nil {
			return n, fmt.Errorf("read expiring session: %w", err)
		}
		var d sessionDoc
		err = s.db.sessions().FindOne(ctx, bson.D{{Key: "_id", Value: e.SessionID}}).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
		case err != nil:
			return n, fmt.Errorf("read expiring session: %w", err)
		case !over && d.ExpiresAt.After(now):
			continue // later today
		default:
			if _, err := s.db.sessions().DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
				return n, fmt.Errorf("delete expired session: %w", err)
			}
			n++
			if err := s.db.indexRemove(ctx, userSessionsKey(d.UserID), d.ID); err != nil {
				return n, err
			}
		}
		if _, err := s.db.sessionExpiry().DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
			return n, fmt.Errorf("delete session expiry: %w", err)
		}
	}
	if over {
		if _, err := s.db.sessionExpiry().DeleteOne(ctx, bson.D{{Key: "_id", Value: day}}); err != nil {
			return n, fmt.Errorf("delete session expiry: %w", err)
		}
	}
	return n, nil
}
