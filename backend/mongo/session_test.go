package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

// The sweep deletes what expired on earlier days and what expired today,
// reading each day's list by _id, and keeps the rest; a user's session
// list follows deletions.
func TestSessionsExpireByDay(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := mongo.NewSessionService(db)
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now } // the store's "is it expired?" too, not the wall clock's
	add := func(id string, expires time.Time) {
		t.Helper()
		if err := s.CreateSession(ctx, &shotline.Session{ID: id, UserID: "u1", CSRFToken: "c", CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	add("two-days-ago", now.Add(-48*time.Hour))
	add("this-morning", now.Add(-2*time.Hour))
	add("tonight", now.Add(6*time.Hour))
	add("next-week", now.Add(7*24*time.Hour))
	add("signed-out", now.Add(-30*time.Hour))
	if err := s.DeleteSession(ctx, "signed-out"); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredSessions(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("swept %d (%v), want the 2 expired ones", n, err)
	}
	for id, want := range map[string]bool{"two-days-ago": false, "this-morning": false, "tonight": true, "next-week": true} {
		_, err := s.FindSession(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("session %s kept = %v, want %v (%v)", id, got, want, err)
		}
	}
	// Again the same day: nothing left to sweep; the next day, tonight's.
	if n, err := s.DeleteExpiredSessions(ctx, now); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v", n, err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(24*time.Hour)); err != nil || n != 1 {
		t.Errorf("next day's sweep: %d, %v; want tonight's session", n, err)
	}
	// Sign out everywhere but here.
	for i := range 3 {
		add(fmt.Sprint("device-", i), now.Add(30*24*time.Hour))
	}
	if err := s.DeleteUserSessions(ctx, "u1", "device-0"); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"device-0": true, "device-1": false, "device-2": false, "next-week": false} {
		if _, err := s.FindSession(ctx, id); (err == nil) != want {
			t.Errorf("after signing out elsewhere, session %s kept = %v", id, err == nil)
		}
	}
}

// Guest sessions have a day ledger of their own in the same collection:
// their sweep deletes the expired ones and leaves the members' sessions
// that expire the same day to theirs.
func TestGuestSessionsExpireByDay(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	links, sessions := mongo.NewShareLinkService(db), mongo.NewSessionService(db)
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	for id, expires := range map[string]time.Time{"yesterday": now.Add(-24 * time.Hour), "an-hour-ago": now.Add(-time.Hour), "tonight": now.Add(6 * time.Hour)} {
		if err := links.CreateGuestSession(ctx, &shotline.GuestSession{ID: id, LinkID: "l1", Name: "Dana", CSRFToken: "c", CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sessions.CreateSession(ctx, &shotline.Session{ID: "member", UserID: "u1", CSRFToken: "c", CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	stored := func(coll, id string) bool {
		t.Helper()
		err := db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
		if err != nil && !errors.Is(err, driver.ErrNoDocuments) {
			t.Fatal(err)
		}
		return err == nil
	}
	if n, err := links.DeleteExpiredGuestSessions(ctx, now); err != nil || n != 2 {
		t.Fatalf("swept %d guest sessions (%v), want the 2 expired", n, err)
	}
	for id, want := range map[string]bool{"yesterday": false, "an-hour-ago": false, "tonight": true} {
		if got := stored("guest_sessions", id); got != want {
			t.Errorf("guest session %s stored = %v, want %v", id, got, want)
		}
	}
	if !stored("sessions", "member") {
		t.Fatal("the guest sweep deleted a member's session")
	}
	if n, err := sessions.DeleteExpiredSessions(ctx, now); err != nil || n != 1 {
		t.Fatalf("the member sweep: %d, %v; want the member's expired session", n, err)
	}
	if n, err := links.DeleteExpiredGuestSessions(ctx, now.Add(24*time.Hour)); err != nil || n != 1 || stored("guest_sessions", "tonight") {
		t.Fatalf("next day's guest sweep: %d, %v; want tonight's", n, err)
	}
}
