package shotline

import (
	"context"
	"strings"
	"time"
)

// ShareLink gives people outside the workspace (or members, for more than
// their role) access to one board or to every board of one project. The
// token is shown once, when the link is made; only its SHA-256 is stored,
// as ID, so the link is found by an _id lookup and a leaked database opens
// nothing.
type ShareLink struct {
	ID             string     `json:"id" doc:"Hex SHA-256 of the token; not a secret."`
	WorkspaceID    string     `json:"workspaceId"`
	ProjectID      string     `json:"projectId"`
	BoardID        string     `json:"boardId,omitempty" doc:"Empty for a link to the whole project."`
	Role           Role       `json:"role" enum:"viewer,commenter,editor"`
	Label          string     `json:"label"`
	PasswordHash   string     `json:"-"`
	HasPassword    bool       `json:"hasPassword"`
	PasswordSerial int64      `json:"-"` // bumped when the password changes: older guest sessions end
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`
	AllowDownloads bool       `json:"allowDownloads"`
	CreatedBy      string     `json:"createdBy"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	RevokedAt      *time.Time `json:"revokedAt,omitempty"`
	LastOpenedAt   *time.Time `json:"lastOpenedAt,omitempty"`
	OpenCount      int64      `json:"openCount"`
}

// MaxShareLinksPerScope bounds the live links of one board or one project,
// which keeps their list one small document.
const MaxShareLinksPerScope = 100

// LinkRoles are the roles a share link may carry, from least to most.
var LinkRoles = []Role{RoleViewer, RoleCommenter, RoleEditor}

// ValidLinkRole reports whether r is a role a link may carry.
func ValidLinkRole(r Role) bool {
	return r == RoleViewer || r == RoleCommenter || r == RoleEditor
}

// linkPrefix marks the policy subjects of share links (link:viewer, …), which
// the policy grants far less than the member roles of the same name: never
// the member list, other boards or the workspace.
const linkPrefix = "link:"

// LinkSubject is the policy subject of a link carrying r: "link:commenter".
func LinkSubject(r Role) Role { return Role(linkPrefix + string(r)) }

// IsLink reports whether r is a link subject (LinkSubject).
func (r Role) IsLink() bool { return strings.HasPrefix(string(r), linkPrefix) }

// Rank orders roles by power, link subjects like the role they carry:
// viewer 1, commenter 2, editor 3, admin 4, owner 5; 0 for anything else.
func (r Role) Rank() int {
	switch Role(strings.TrimPrefix(string(r), linkPrefix)) {
	case RoleViewer:
		return 1
	case RoleCommenter:
		return 2
	case RoleEditor:
		return 3
	case RoleAdmin:
		if !r.IsLink() {
			return 4
		}
	case RoleOwner:
		if !r.IsLink() {
			return 5
		}
	}
	return 0
}

// Higher returns the more powerful of a and b ("" counts as nothing); a
// member who opens a link gets the higher of their role and the link's.
func Higher(a, b Role) Role {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Covers reports whether the link gives access to boardID of projectID.
func (l *ShareLink) Covers(projectID, boardID string) bool {
	if l.ProjectID != projectID {
		return false
	}
	return l.BoardID == "" || l.BoardID == boardID
}

// Reasons a link no longer opens, in the details of an EGONE error.
const (
	LinkRevoked = "revoked"
	LinkExpired = "expired"
)

// Usable returns nil if the link may be used at now: EGONE (with the reason
// as the detail of field "link") if it was revoked or has expired. These are
// checked before the policy is asked anything.
func (l *ShareLink) Usable(now time.Time) error {
	switch {
	case l.RevokedAt != nil:
		return &Error{Code: EGONE, Message: "This link was revoked; ask whoever sent it for a new one.",
			Details: []FieldError{{Field: "link", Message: LinkRevoked}}}
	case l.ExpiresAt != nil && !now.Before(*l.ExpiresAt):
		return &Error{Code: EGONE, Message: "This link has expired; ask whoever sent it for a new one.",
			Details: []FieldError{{Field: "link", Message: LinkExpired}}}
	}
	return nil
}

// ShareLinkUpdate changes a link; nil fields stay as they are.
type ShareLinkUpdate struct {
	Role           *Role
	Label          *string
	ExpiresAt      *time.Time // with ClearExpiry false: the new expiry
	ClearExpiry    bool       // the link no longer expires
	PasswordHash   *string    // "" removes the password
	AllowDownloads *bool
}

// ValidateLabel checks a link's label.
func ValidateLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if len([]rune(label)) > 100 {
		return "", Invalid("label", "must be at most 100 characters")
	}
	return label, nil
}

// GuestSession is a browser that opened a share link. Like a member's
// session, the cookie holds a random token and only its hash is stored, as
// ID. Every request of a guest is checked against the link as it is then.
type GuestSession struct {
	ID             string    // hash of the cookie token
	LinkID         string    //
	Name           string    // display name the guest gave; shown marked "guest"
	CSRFToken      string    //
	PasswordSerial int64     // the link's PasswordSerial when opened
	CreatedAt      time.Time //
	ExpiresAt      time.Time //
}

// Actor is how a guest appears as the author of ops and comments:
// "guest:" and the first 16 hex digits of its session id (not a secret:
// the session id is itself a hash).
func (g *GuestSession) Actor() string { return GuestActorPrefix + g.ID[:16] }

// GuestActorPrefix starts the actor id of every guest.
const GuestActorPrefix = "guest:"

// Check returns nil if the guest session may still use l at now: EGONE if
// the link was revoked or expired, EUNAUTHORIZED if its password changed
// since the guest typed it, or if the session belongs to another link.
func (g *GuestSession) Check(l *ShareLink, now time.Time) error {
	if g.LinkID != l.ID {
		return Errorf(EUNAUTHORIZED, "Open the share link again.")
	}
	if err := l.Usable(now); err != nil {
		return err
	}
	if l.HasPassword && g.PasswordSerial != l.PasswordSerial {
		return &Error{Code: EUNAUTHORIZED, Message: "The link's password has changed; enter the new one.",
			Details: []FieldError{{Field: "password", Message: "changed"}}}
	}
	return nil
}

// ShareLinkService stores share links, their per-board and per-project
// lists, and guest sessions. Every lookup is by _id (docs/storage.md).
type ShareLinkService interface {
	// CreateShareLink stores l (ID set by the caller: the token's hash).
	// Returns ECONFLICT if its board or project has MaxShareLinksPerScope
	// live links.
	CreateShareLink(ctx context.Context, l *ShareLink) error
	// FindShareLink returns ENOTFOUND if there is no link with that id.
	FindShareLink(ctx context.Context, id string) (*ShareLink, error)
	// FindShareLinks lists the live (not revoked) links made on one board
	// (boardID set) or on one project (boardID ""), newest first.
	FindShareLinks(ctx context.Context, projectID, boardID string) ([]*ShareLink, error)
	// UpdateShareLink applies upd and returns the link as stored.
	// Returns ENOTFOUND if there is no such link.
	UpdateShareLink(ctx context.Context, id string, upd ShareLinkUpdate, now time.Time) (*ShareLink, error)
	// RevokeShareLink marks the link revoked (it stays, so its page can say
	// so) and drops it from its scope's list. Returns ENOTFOUND if missing.
	RevokeShareLink(ctx context.Context, id string, now time.Time) (*ShareLink, error)
	// LinkOpened counts one opening of the link at now.
	LinkOpened(ctx context.Context, id string, now time.Time) error

	// CreateGuestSession stores g.
	CreateGuestSession(ctx context.Context, g *GuestSession) error
	// FindGuestSession returns ENOTFOUND if it does not exist or has expired.
	FindGuestSession(ctx context.Context, id string) (*GuestSession, error)
	// DeleteGuestSession ends a guest session; a missing one is not an error.
	DeleteGuestSession(ctx context.Context, id string) error
}
