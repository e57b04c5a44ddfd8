package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	if _, err := s.db.users().InsertOne(ctx, d); isDuplicate(err) {
		return shotline.Errorf(shotline.ECONFLICT, "An account with this email already exists.")
	} else if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	*u = *d.user()
	return nil
}

func (s *UserService) findOne(ctx context.Context, filter bson.D) (*shotline.User, error) {
	var d userDoc
	if err := s.db.users().FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err, userNotFound, "find user")
	}
	return d.user(), nil
}

// FindUserByID implements shotline.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*shotline.User, error) {
	return s.findOne(ctx, bson.D{{Key: "_id", Value: id}})
}

// FindUserByEmail implements shotline.UserService.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*shotline.User, error) {
	return s.findOne(ctx, bson.D{{Key: "email", Value: email}})
}

// FindUsersByIDs implements shotline.UserService.
func (s *UserService) FindUsersByIDs(ctx context.Context, ids []string) (map[string]*shotline.User, error) {
	docs, err := findAll[userDoc](ctx, s.db.users(), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
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
	if upd.Email != nil {
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
