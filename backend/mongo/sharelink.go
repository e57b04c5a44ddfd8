package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/shotline/shotline/backend/shotline"
)

// ShareLinkService stores share links in share_links (keyed by the token's
// hash), each board's and project's list of live link ids in
// share_link_scopes (keyed "board:<id>" or "project:<id>"), and guest
// sessions in guest_sessions (keyed by the cookie token's hash). Every
// query is a single-key _id filter (docs/storage.md).
type ShareLinkService struct{ db *DB }

var _ shotline.ShareLinkService = (*ShareLinkService)(nil)

// NewShareLinkService returns a ShareLinkService on db.
func NewShareLinkService(db *DB) *ShareLinkService { return &ShareLinkService{db: db} }

func (s *ShareLinkService) links() *mongo.Collection  { return s.db.db.Collection("share_links") }
func (s *ShareLinkService) scopes() *mongo.Collection { return s.db.db.Collection("share_link_scopes") }
func (s *ShareLinkService) guests() *mongo.Collection { return s.db.db.Collection("guest_sessions") }
func linkDocID(id string) bson.D                      { return bson.D{{Key: "_id", Value: id}} }

type shareLinkDoc struct {
	ID             string     `bson:"_id"`
	WorkspaceID    string     `bson:"workspaceId"`
	ProjectID      string     `bson:"projectId"`
	BoardID        string     `bson:"boardId,omitempty"`
	Role           string     `bson:"role"`
	Label          string     `bson:"label"`
	PasswordHash   string     `bson:"passwordHash,omitempty"`
	PasswordSerial int64      `bson:"passwordSerial"`
	ExpiresAt      *time.Time `bson:"expiresAt,omitempty"`
	AllowDownloads bool       `bson:"allowDownloads"`
	CreatedBy      string     `bson:"createdBy"`
	CreatedAt      time.Time  `bson:"createdAt"`
	UpdatedAt      time.Time  `bson:"updatedAt"`
	RevokedAt      *time.Time `bson:"revokedAt,omitempty"`
	LastOpenedAt   *time.Time `bson:"lastOpenedAt,omitempty"`
	OpenCount      int64      `bson:"openCount"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (d *shareLinkDoc) link() *shotline.ShareLink {
	return &shotline.ShareLink{ID: d.ID, WorkspaceID: d.WorkspaceID, ProjectID: d.ProjectID, BoardID: d.BoardID,
		Role: shotline.Role(d.Role), Label: d.Label, PasswordHash: d.PasswordHash, HasPassword: d.PasswordHash != "",
		PasswordSerial: d.PasswordSerial, ExpiresAt: utcPtr(d.ExpiresAt), AllowDownloads: d.AllowDownloads,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), RevokedAt: utcPtr(d.RevokedAt),
		LastOpenedAt: utcPtr(d.LastOpenedAt), OpenCount: d.OpenCount}
}

// scopeKey is the _id of the list of links made on a board or a project.
func scopeKey(projectID, boardID string) string {
	if boardID != "" {
		return "board:" + boardID
	}
	return "project:" + projectID
}

type linkScopeDoc struct {
	ID      string   `bson:"_id"`
	LinkIDs []string `bson:"linkIds"`
}

func (s *ShareLinkService) scopeIDs(ctx context.Context, key string) ([]string, error) {
	var d linkScopeDoc
	err := s.scopes().FindOne(ctx, linkDocID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find share link list: %w", err)
	}
	return d.LinkIDs, nil
}

// CreateShareLink implements shotline.ShareLinkService. The limit is
// checked on the list as read; two links made at the same instant may
// both pass it, which only lets the list exceed it by a few.
func (s *ShareLinkService) CreateShareLink(ctx context.Context, l *shotline.ShareLink) error {
	key := scopeKey(l.ProjectID, l.BoardID)
	ids, err := s.scopeIDs(ctx, key)
	if err != nil {
		return err
	}
	if len(ids) >= shotline.MaxShareLinksPerScope {
		return shotline.Errorf(shotline.ECONFLICT, "This %s has %d share links; revoke one first.", map[bool]string{true: "board", false: "project"}[l.BoardID != ""], len(ids))
	}
	d := shareLinkDoc{ID: l.ID, WorkspaceID: l.WorkspaceID, ProjectID: l.ProjectID, BoardID: l.BoardID, Role: string(l.Role),
		Label: l.Label, PasswordHash: l.PasswordHash, PasswordSerial: l.PasswordSerial, ExpiresAt: l.ExpiresAt,
		AllowDownloads: l.AllowDownloads, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
	if _, err := s.links().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert share link: %w", err)
	}
	_, err = s.scopes().UpdateOne(ctx, linkDocID(key), bson.D{{Key: "$push", Value: bson.D{{Key: "linkIds", Value: l.ID}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("list share link: %w", err)
	}
	return nil
}

// FindShareLink implements shotline.ShareLinkService.
func (s *ShareLinkService) FindShareLink(ctx context.Context, id string) (*shotline.ShareLink, error) {
	var d shareLinkDoc
	if err := s.links().FindOne(ctx, linkDocID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "Share link not found.", "find share link")
	}
	return d.link(), nil
}

// FindShareLinks implements shotline.ShareLinkService: one read of the
// scope's list, then one _id read per link (at most MaxShareLinksPerScope).
func (s *ShareLinkService) FindShareLinks(ctx context.Context, projectID, boardID string) ([]*shotline.ShareLink, error) {
	ids, err := s.scopeIDs(ctx, scopeKey(projectID, boardID))
	if err != nil {
		return nil, err
	}
	out := make([]*shotline.ShareLink, 0, len(ids))
	for _, id := range slices.Backward(ids) {
		l, err := s.FindShareLink(ctx, id)
		if shotline.ErrorCode(err) == shotline.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if l.RevokedAt == nil {
			out = append(out, l)
		}
	}
	return out, nil
}

// UpdateShareLink implements shotline.ShareLinkService.
func (s *ShareLinkService) UpdateShareLink(ctx context.Context, id string, upd shotline.ShareLinkUpdate, now time.Time) (*shotline.ShareLink, error) {
	set := bson.D{{Key: "updatedAt", Value: now}}
	unset := bson.D{}
	inc := bson.D{}
	if upd.Role != nil {
		set = append(set, bson.E{Key: "role", Value: string(*upd.Role)})
	}
	if upd.Label != nil {
		set = append(set, bson.E{Key: "label", Value: *upd.Label})
	}
	if upd.ClearExpiry {
		unset = append(unset, bson.E{Key: "expiresAt", Value: ""})
	} else if upd.ExpiresAt != nil {
		set = append(set, bson.E{Key: "expiresAt", Value: *upd.ExpiresAt})
	}
	if upd.PasswordHash != nil {
		if *upd.PasswordHash == "" {
			unset = append(unset, bson.E{Key: "passwordHash", Value: ""})
		} else {
			set = append(set, bson.E{Key: "passwordHash", Value: *upd.PasswordHash})
		}
		inc = append(inc, bson.E{Key: "passwordSerial", Value: 1})
	}
	if upd.AllowDownloads != nil {
		set = append(set, bson.E{Key: "allowDownloads", Value: *upd.AllowDownloads})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	return s.findAndUpdate(ctx, id, update)
}

func (s *ShareLinkService) findAndUpdate(ctx context.Context, id string, update bson.D) (*shotline.ShareLink, error) {
	var d shareLinkDoc
	err := s.links().FindOneAndUpdate(ctx, linkDocID(id), update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return nil, notFound(err, "Share link not found.", "update share link")
	}
	return d.link(), nil
}

// RevokeShareLink implements shotline.ShareLinkService.
func (s *ShareLinkService) RevokeShareLink(ctx context.Context, id string, now time.Time) (*shotline.ShareLink, error) {
	l, err := s.findAndUpdate(ctx, id, bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: now}, {Key: "updatedAt", Value: now}}}})
	if err != nil {
		return nil, err
	}
	_, err = s.scopes().UpdateOne(ctx, linkDocID(scopeKey(l.ProjectID, l.BoardID)), bson.D{{Key: "$pull", Value: bson.D{{Key: "linkIds", Value: id}}}})
	if err != nil {
		return nil, fmt.Errorf("unlist share link: %w", err)
	}
	return l, nil
}

// LinkOpened implements shotline.ShareLinkService.
func (s *ShareLinkService) LinkOpened(ctx context.Context, id string, now time.Time) error {
	_, err := s.links().UpdateOne(ctx, linkDocID(id), bson.D{
		{Key: "$set", Value: bson.D{{Key: "lastOpenedAt", Value: now}}},
		{Key: "$inc", Value: bson.D{{Key: "openCount", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("count link opening: %w", err)
	}
	return nil
}

type guestSessionDoc struct {
	ID             string    `bson:"_id"`
	LinkID         string    `bson:"linkId"`
	Name           string    `bson:"name"`
	CSRFToken      string    `bson:"csrfToken"`
	PasswordSerial int64     `bson:"passwordSerial"`
	CreatedAt      time.Time `bson:"createdAt"`
	ExpiresAt      time.Time `bson:"expiresAt"`
}

// CreateGuestSession implements shotline.ShareLinkService.
func (s *ShareLinkService) CreateGuestSession(ctx context.Context, g *shotline.GuestSession) error {
	d := guestSessionDoc{ID: g.ID, LinkID: g.LinkID, Name: g.Name, CSRFToken: g.CSRFToken, PasswordSerial: g.PasswordSerial,
		CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt}
	if err := s.db.guestExpiries().add(ctx, g.ExpiresAt, g.ID); err != nil {
		return err
	}
	if _, err := s.guests().InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert guest session: %w", err)
	}
	return nil
}

// guestExpiries is the day ledger of guest sessions.
func (db *DB) guestExpiries() dayExpiry {
	return dayExpiry{db: db, prefix: "guest:", sweptKey: "guest-sessions-swept"}
}

// DeleteExpiredGuestSessions deletes the guest sessions expired at now and
// returns how many (FindGuestSession refuses them already; this frees
// their space), reading the day ledger by _id as the session sweep does.
func (s *ShareLinkService) DeleteExpiredGuestSessions(ctx context.Context, now time.Time) (int64, error) {
	return s.db.guestExpiries().sweep(ctx, now, func(ctx context.Context, id string, over bool) (expiryOutcome, error) {
		var d guestSessionDoc
		err := s.guests().FindOne(ctx, linkDocID(id)).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return expiryGone, nil
		case err != nil:
			return 0, fmt.Errorf("read expiring guest session: %w", err)
		case !over && d.ExpiresAt.After(now):
			return expiryLater, nil
		}
		if _, err := s.guests().DeleteOne(ctx, linkDocID(id)); err != nil {
			return 0, fmt.Errorf("delete expired guest session: %w", err)
		}
		return expiryDeleted, nil
	})
}

// FindGuestSession implements shotline.ShareLinkService.
func (s *ShareLinkService) FindGuestSession(ctx context.Context, id string) (*shotline.GuestSession, error) {
	var d guestSessionDoc
	if err := s.guests().FindOne(ctx, linkDocID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "Guest session not found.", "find guest session")
	}
	if !s.db.Now().Before(d.ExpiresAt) {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Guest session expired.")
	}
	return &shotline.GuestSession{ID: d.ID, LinkID: d.LinkID, Name: d.Name, CSRFToken: d.CSRFToken,
		PasswordSerial: d.PasswordSerial, CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}, nil
}

// DeleteGuestSession implements shotline.ShareLinkService.
func (s *ShareLinkService) DeleteGuestSession(ctx context.Context, id string) error {
	if _, err := s.guests().DeleteOne(ctx, linkDocID(id)); err != nil {
		return fmt.Errorf("delete guest session: %w", err)
	}
	return nil
}
