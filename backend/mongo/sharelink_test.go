package mongo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

func TestShareLinkLifecycle(t *testing.T) {
	db := openDB(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Millisecond)
	s := mongo.NewShareLinkService(db)
	mk := func(id, board string) *shotline.ShareLink {
		t.Helper()
		l := &shotline.ShareLink{ID: id, WorkspaceID: "w", ProjectID: "p", BoardID: board, Role: shotline.RoleCommenter,
			Label: "Client", CreatedBy: "u", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateShareLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	mk("a1", "b1")
	mk("a2", "b1")
	mk("p1", "")
	mk("other", "b2")

	list, err := s.FindShareLinks(ctx, "p", "b1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(list), "a2,a1"; got != want {
		t.Fatalf("board b1 lists %s, want %s (newest first)", got, want)
	}
	if list, _ := s.FindShareLinks(ctx, "p", ""); ids(list) != "p1" {
		t.Fatalf("project p lists %s, want p1", ids(list))
	}

	hash, exp, role := "h", now.Add(time.Hour), shotline.RoleViewer
	l, err := s.UpdateShareLink(ctx, "a1", shotline.ShareLinkUpdate{Role: &role, PasswordHash: &hash, ExpiresAt: &exp}, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Role != shotline.RoleViewer || !l.HasPassword || l.PasswordSerial != 1 || l.ExpiresAt == nil || !l.ExpiresAt.Equal(exp) {
		t.Fatalf("after update: %+v", l)
	}
	empty := ""
	if l, err = s.UpdateShareLink(ctx, "a1", shotline.ShareLinkUpdate{PasswordHash: &empty, ClearExpiry: true}, now); err != nil {
		t.Fatal(err)
	}
	if l.HasPassword || l.PasswordSerial != 2 || l.ExpiresAt != nil {
		t.Fatalf("after clearing: %+v", l)
	}

	if err := s.LinkOpened(ctx, "a1", now); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkOpened(ctx, "a1", now); err != nil {
		t.Fatal(err)
	}
	if l, _ = s.FindShareLink(ctx, "a1"); l.OpenCount != 2 || l.LastOpenedAt == nil {
		t.Fatalf("after two openings: %+v", l)
	}

	if l, err = s.RevokeShareLink(ctx, "a1", now); err != nil || l.RevokedAt == nil {
		t.Fatalf("revoke: %+v %v", l, err)
	}
	if list, _ := s.FindShareLinks(ctx, "p", "b1"); ids(list) != "a2" {
		t.Fatalf("after revoking a1, b1 lists %s", ids(list))
	}
	if l, _ := s.FindShareLink(ctx, "a1"); l.Usable(now) == nil {
		t.Fatal("a revoked link is usable")
	}
	if _, err := s.FindShareLink(ctx, "nope"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("missing link: %v", err)
	}
	if _, err := s.RevokeShareLink(ctx, "nope", now); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("revoking a missing link: %v", err)
	}
}

func TestShareLinksPerScopeAreBounded(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	s := mongo.NewShareLinkService(db)
	for i := range shotline.MaxShareLinksPerScope + 1 {
		err := s.CreateShareLink(ctx, &shotline.ShareLink{ID: fmt.Sprint(i), WorkspaceID: "w", ProjectID: "p", BoardID: "b", Role: shotline.RoleViewer})
		if i < shotline.MaxShareLinksPerScope && err != nil {
			t.Fatal(err)
		} else if i == shotline.MaxShareLinksPerScope && shotline.ErrorCode(err) != shotline.ECONFLICT {
			t.Fatalf("link %d over the limit: %v", i, err)
		}
	}
}

func TestGuestSessions(t *testing.T) {
	db := openDB(t)
	ctx, now := context.Background(), time.Now().UTC()
	s := mongo.NewShareLinkService(db)
	g := &shotline.GuestSession{ID: "g1", LinkID: "l", Name: "Client", CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateGuestSession(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindGuestSession(ctx, "g1")
	if err != nil || got.Name != "Client" || got.LinkID != "l" {
		t.Fatalf("%+v %v", got, err)
	}
	old := &shotline.GuestSession{ID: "g2", LinkID: "l", CreatedAt: now, ExpiresAt: now.Add(-time.Second)}
	if err := s.CreateGuestSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindGuestSession(ctx, "g2"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("expired guest session: %v", err)
	}
	if err := s.DeleteGuestSession(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindGuestSession(ctx, "g1"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Fatalf("deleted guest session: %v", err)
	}
}

func ids(ls []*shotline.ShareLink) string {
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += ","
		}
		s += l.ID
	}
	return s
}
