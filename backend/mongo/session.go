package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/shotline/shotline/backend/shotline"
)

// SessionService stores sessions in the sessions collection. Expired sessions
// are refused on read and removed by DeleteExpiredSessions (no TTL index, so
// that FerretDB works too).
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
	if _, err := s.db.sessions().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements shotline.SessionService.
func (s *SessionService) DeleteUserSessions(ctx context.Context, userID, exceptID string) error {
	filter := bson.D{{Key: "userId", Value: userID}}
	if exceptID != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: exceptID}}})
	}
	if _, err := s.db.sessions().DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("delete user sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions implements shotline.SessionService.
func (s *SessionService) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.sessions().DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.DeletedCount, nil
}
