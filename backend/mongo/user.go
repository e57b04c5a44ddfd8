package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// UserService stores accounts in the users collection.
type UserService struct{ db *DB }

var _ shotline.UserService = (*UserService)(nil)

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	PasswordHash string    `bson:"passwordHash"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

func (d *userDoc) user() *shotline.User {
	return &shotline.User{ID: d.ID, Email: d.Email, Name: d.Name, PasswordHash: d.PasswordHash, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

const userNotFound = "User not found."

// CreateUser implements shotline.UserService.
func (s *UserService) CreateUser(ctx context.Context, u *shotline.User) error {
	now := s.db.Now()
	d := userDoc{ID: newID(), Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, CreatedAt: now, UpdatedAt: now}
	if err := s.claimEmail(ctx, d.Email, d.ID); err != nil {
		return err
	}
	if _, err := s.db.users().InsertOne(ctx, d); err != nil {
		s.releaseEmail(ctx, d.Email, d.ID)
		if isDuplicate(err) {
			return shotline.Errorf(shotline.ECONFLICT, "An account with this email already exists.")
		}
		return fmt.Errorf("insert user: %w", err)
	}
	*u = *d.user()
	return nil
}

// user_emails maps each email to its user (its _id is the email), so that
// finding a user by email is a lookup by _id (docs/storage.md). The claim
// comes before the user is written and goes after it changes its email, so
// a user's email is always claimed by it; a claim whose user does not hold
// that email (a crash between the writes) is stale, and taken over.
type emailDoc struct {
	ID     string `bson:"_id"` // the email
	UserID string `bson:"userId"`
}

func (db *DB) userEmails() *mongo.Collection { return db.db.Collection("user_emails") }

// claimEmail makes email userID's, or returns ECONFLICT if another user
// has it.
func (s *UserService) claimEmail(ctx context.Context, email, userID string) error {
	_, err := s.db.userEmails().InsertOne(ctx, emailDoc{ID: email, UserID: userID})
	if !isDuplicate(err) {
		if err != nil {
			return fmt.Errorf("claim email: %w", err)
		}
		return nil
	}
	var cur emailDoc
	if err := s.db.userEmails().FindOne(ctx, bson.D{{Key: "_id", Value: email}}).Decode(&cur); err != nil {
		return fmt.Errorf("read email claim: %w", err)
	}
	if cur.UserID == userID {
		return nil
	}
	if holder, err := s.FindUserByID(ctx, cur.UserID); err == nil && holder.Email == email {
		return shotline.Errorf(shotline.ECONFLICT, "An account with this email already exists.")
	} else if err != nil && shotline.ErrorCode(err) != shotline.ENOTFOUND {
		return err
	}
	// Stale: its user is gone or has another email now.
	if _, err := s.db.userEmails().ReplaceOne(ctx, bson.D{{Key: "_id", Value: email}}, emailDoc{ID: email, UserID: userID}); err != nil {
		return fmt.Errorf("take over email claim: %w", err)
	}
	return nil
}

// releaseEmail drops userID's claim of email (best effort: a claim left
// behind is stale, and claimEmail takes it over).
func (s *UserService) releaseEmail(ctx context.Context, email, userID string) {
	var cur emailDoc
	if s.db.userEmails().FindOne(ctx, bson.D{{Key: "_id", Value: email}}).Decode(&cur) == nil && cur.UserID == userID {
		_, _ = s.db.userEmails().DeleteOne(ctx, bson.D{{Key: "_id", Value: email}})
	}
}

// migrateEmails claims the emails of users created before user_emails.
func (db *DB) migrateEmails(ctx context.Context) error {
	docs, err := findAll[userDoc](ctx, db.users(), bson.D{}, options.Find().SetComment("scan: one-time migration of the users").SetProjection(bson.D{{Key: "email", Value: 1}}))
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := db.userEmails().InsertOne(ctx, emailDoc{ID: d.Email, UserID: d.ID}); err != nil && !isDuplicate(err) {
			return err
		}
	}
	return nil
}

// FindUserByID implements shotline.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*shotline.User, error) {
	// Shared while in flight, like sessions (a reconnect storm).
	d, err := shared(ctx, s.db, "users/"+id, func(ctx context.Context) (userDoc, error) {
		var d userDoc
		err := s.db.users().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		return d, err
	})
	if err != nil {
		return nil, notFound(err, userNotFound, "find user")
	}
	return d.user(), nil // a copy of its own for each caller
}

// FindUserByEmail implements shotline.UserService.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*shotline.User, error) {
	var c emailDoc
	if err := s.db.userEmails().FindOne(ctx, bson.D{{Key: "_id", Value: email}}).Decode(&c); err != nil {
		return nil, notFound(err, userNotFound, "find user by email")
	}
	u, err := s.FindUserByID(ctx, c.UserID)
	if err == nil && u.Email != email {
		return nil, shotline.Errorf(shotline.ENOTFOUND, userNotFound) // a stale claim
	}
	return u, err
}

// FindUsersByIDs implements shotline.UserService.
func (s *UserService) FindUsersByIDs(ctx context.Context, ids []string) (map[string]*shotline.User, error) {
	docs, err := byIDs[userDoc](ctx, s.db.users(), ids)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	out := make(map[string]*shotline.User, len(docs))
	for i := range docs {
		out[docs[i].ID] = docs[i].user()
	}
	return out, nil
}

// UpdateUser implements shotline.UserService.
func (s *UserService) UpdateUser(ctx context.Context, id string, upd shotline.UserUpdate) (*shotline.User, error) {
	set := bson.D{{Key: "updatedAt", Value: s.db.Now()}}
	if upd.Name != nil {
		set = append(set, bson.E{Key: "name", Value: *upd.Name})
	}
	var oldEmail string
	if upd.Email != nil {
		cur, err := s.FindUserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		oldEmail = cur.Email
		if *upd.Email != oldEmail {
			if err := s.claimEmail(ctx, *upd.Email, id); err != nil {
				return nil, err
			}
		}
		set = append(set, bson.E{Key: "email", Value: *upd.Email})
	}
	var d userDoc
	err := s.db.users().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if isDuplicate(err) {
		return nil, shotline.Errorf(shotline.ECONFLICT, "An account with this email already exists.")
	} else if err != nil {
		return nil, notFound(err, userNotFound, "update user")
	}
	if oldEmail != "" && oldEmail != d.Email {
		s.releaseEmail(ctx, oldEmail, id)
	}
	return d.user(), nil
}

// SetPasswordHash implements shotline.UserService.
func (s *UserService) SetPasswordHash(ctx context.Context, id, hash string) error {
	res, err := s.db.users().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "passwordHash", Value: hash}, {Key: "updatedAt", Value: s.db.Now()}}}})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	} else if res.MatchedCount == 0 {
		return shotline.Errorf(shotline.ENOTFOUND, userNotFound)
	}
	return nil
}
