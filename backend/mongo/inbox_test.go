package mongo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

func TestInbox(t *testing.T) {
	db := openDB(t)
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Millisecond)
	s := mongo.NewInboxService(db)
	s.Limit = 5
	add := func(id string, at time.Time) {
		t.Helper()
		if err := s.AddInboxEntry(ctx, "u", shotline.InboxEntry{ID: id, Kind: shotline.InboxMention, BoardID: "b", CommentID: id, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	add("m1", now)
	add("m2", now.Add(time.Second))
	add("m2", now.Add(time.Second)) // again: no duplicate
	es, unread, err := s.FindInbox(ctx, "u")
	if err != nil || len(es) != 2 || unread != 2 || es[0].ID != "m2" {
		t.Fatalf("inbox: %v, %d unread, %v", es, unread, err)
	}
	if err := s.MarkInboxRead(ctx, "u", []string{"m1"}, false, now); err != nil {
		t.Fatal(err)
	}
	if _, unread, _ := s.FindInbox(ctx, "u"); unread != 1 {
		t.Fatalf("%d unread after reading m1", unread)
	}
	if err := s.MarkInboxRead(ctx, "u", nil, true, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	add("m3", now.Add(2*time.Second))
	if es, unread, _ := s.FindInbox(ctx, "u"); unread != 1 || es[0].Read || !es[1].Read {
		t.Fatalf("after reading all then one more: %d unread, %v", unread, es)
	}
	// Bounded: the oldest drop off.
	for i := range 7 {
		add(fmt.Sprint("x", i), now.Add(time.Hour))
	}
	if es, _, _ := s.FindInbox(ctx, "u"); len(es) != 5 || es[0].ID != "x6" || es[4].ID != "x2" {
		t.Fatalf("%d entries, newest %s", len(es), es[0].ID)
	}
	for i := range 7 {
		if err := s.MarkInboxRead(ctx, "u", []string{fmt.Sprint("x", i), "not-there"}, false, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, unread, _ := s.FindInbox(ctx, "u"); unread != 0 {
		t.Fatalf("%d unread after reading each", unread)
	}
	if es, unread, err := s.FindInbox(ctx, "nobody"); err != nil || len(es) != 0 || unread != 0 {
		t.Fatalf("empty inbox: %v %d %v", es, unread, err)
	}
}
