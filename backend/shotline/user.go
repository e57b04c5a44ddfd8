package shotline

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person with an account.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Password length bounds. The upper bound keeps hashing cost bounded.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// NormalizeEmail trims and lower-cases an email address and checks its shape.
// Returns EINVALID if it is not a plain address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", Invalid("email", "must be a valid email address")
	}
	return s, nil
}

// ValidateName checks a display name or title: trimmed, 1 to max characters.
func ValidateName(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalid(field, "must not be empty")
	} else if utf8.RuneCountInString(s) > max {
		return "", Invalid(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
	return s, nil
}

// ValidatePassword checks a new password against the password rules.
// Returns EINVALID if it is too short, too long, or the same as the email.
func ValidatePassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return Invalid("password", "must be at least "+strconv.Itoa(MinPasswordLength)+" characters")
	case len(password) > MaxPasswordLength:
		return Invalid("password", "must be at most "+strconv.Itoa(MaxPasswordLength)+" bytes")
	case strings.EqualFold(password, email):
		return Invalid("password", "must not be your email address")
	}
	return nil
}

// UserUpdate holds the profile fields a user may change; nil means unchanged.
type UserUpdate struct {
	Name  *string
	Email *string
}

// UserService stores accounts.
type UserService interface {
	// CreateUser stores u, setting its ID and timestamps.
	// Returns ECONFLICT if the email is already taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND if there is no such user.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail returns ENOTFOUND if no user has that (normalized) email.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUsersByIDs returns the users that exist among ids, keyed by id.
	FindUsersByIDs(ctx context.Context, ids []string) (map[string]*User, error)
	// UpdateUser applies upd. Returns ENOTFOUND or, for a taken email, ECONFLICT.
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (*User, error)
	// SetPasswordHash replaces the user's password hash. Returns ENOTFOUND.
	SetPasswordHash(ctx context.Context, id, hash string) error
}

// PasswordHasher hashes and checks passwords.
type PasswordHasher interface {
	// Hash returns an encoded hash of password with a fresh salt.
	Hash(password string) (string, error)
	// Verify reports whether password matches the encoded hash.
	Verify(password, encoded string) (bool, error)
}
