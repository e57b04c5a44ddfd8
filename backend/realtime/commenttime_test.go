package realtime_test

import (
	"testing"
	"time"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// TestCommentsAreDatedByTheServer checks that a comment carries the time
// the server took it, whatever time its client claimed, in the applied op
// and in a later snapshot (so every client shows "2 min ago" alike).
func TestCommentsAreDatedByTheServer(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	before := time.Now().Add(-time.Second)
	a.op(1, map[string]any{"kind": "comment.add", "commentId": "c1", "shotId": "s1", "body": "Too dark", "at": "1999-01-01T00:00:00Z"})
	applied := a.next("applied")
	a.next("ack")
	at, err := time.Parse(time.RFC3339, applied["op"].(map[string]any)["at"].(string))
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Fatalf("comment.add at = %v (%v), want the server's time now", applied["op"].(map[string]any)["at"], err)
	}

	b := e.connect(t, "bob", shotline.RoleViewer, nil)
	snap := b.next("snapshot")
	comments := snap["board"].(map[string]any)["comments"].([]any)
	if got, want := comments[0].(map[string]any)["createdAt"], applied["op"].(map[string]any)["at"]; got != want {
		t.Errorf("snapshot comment createdAt = %v, want %v", got, want)
	}
}

// TestReviewsAreDatedByTheServer: a review status carries who set it and
// the server's time when it did, in the applied op and in a later snapshot.
func TestReviewsAreDatedByTheServer(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleCommenter, nil)
	a.next("snapshot")
	if _, err := e.hub.Apply(t.Context(), e.board.ID, "ed", shotline.RoleEditor, board.ShotInsert{ShotID: "s1", Position: "a0"}); err != nil {
		t.Fatal(err)
	}
	a.next("applied")
	before := time.Now().Add(-time.Second)
	a.op(1, map[string]any{"kind": "shot.review", "shotId": "s1", "status": "approved", "at": "1999-01-01T00:00:00Z"})
	applied := a.next("applied")
	a.next("ack")
	op := applied["op"].(map[string]any)
	at, err := time.Parse(time.RFC3339, op["at"].(string))
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) || op["by"] != "alice" {
		t.Fatalf("shot.review applied as %v (%v), want alice at the server's time now", op, err)
	}
	b := e.connect(t, "bob", shotline.RoleViewer, nil)
	snap := b.next("snapshot")
	review := snap["board"].(map[string]any)["shots"].([]any)[0].(map[string]any)["review"].(map[string]any)
	if review["at"] != op["at"] || review["by"] != "alice" || review["status"] != "approved" {
		t.Errorf("snapshot review = %v, want the applied op's", review)
	}
}
