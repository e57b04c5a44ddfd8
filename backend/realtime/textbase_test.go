package realtime_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// A text edit made before a restart and sent after it, based on a seq the
// restarted room's memory does not reach, is transformed past the ops
// since its base, read back from the op log, not refused: the typing
// survives a deploy (or a crash, or a room that unloaded).
func TestATextEditBasedBeforeARestartIsMerged(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	a.edit(1, textEdit("s1", "hello")) // seq 2
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	b.edit(2, map[string]any{"kind": "shot.set", "shotId": "s1", "field": "title", "value": "Bob's"}) // seq 3
	a.next("applied")                                                                                 // alice has seen seq 3

	// A deploy: the hub stops (its rooms store their state) and a new one
	// starts on the same database.
	if err := e.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	e.hub = realtime.NewHub(e.boards, mongo.NewOpLog(e.db), mongo.NewVersionStore(e.db), en, realtime.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = e.hub.Shutdown(context.Background()) })

	three := int64(3)
	a = e.connect(t, "alice", shotline.RoleEditor, &three)
	a.next("ops")
	// Typed at seq 2, never delivered before the restart.
	a.op(2, textEdit("s1", 5, " world"))
	if got := a.next("applied"); got["seq"].(float64) != 4 {
		t.Fatalf("the edit from before the restart: %v", got)
	}
	a.next("ack")
	snap, _, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Shots) != 1 || snap.Shots[0].Prompt != "hello world" || snap.Shots[0].Title != "Bob's" {
		t.Fatalf("shots %+v, want prompt %q and Bob's title", snap.Shots, "hello world")
	}
}

// Beyond the limit (here a room keeping 3 ops), the late edit is refused
// with ECONFLICT, and a client that rebases it by text on what it has
// confirmed, as the protocol says, keeps its typing.
func TestATextEditBeyondTheLimitIsRefusedAndRebasedByText(t *testing.T) {
	cfg := realtime.Config{RecentOps: 3}
	e := newEnv(t, cfg)
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	a.edit(1, textEdit("s1", "hello")) // seq 2
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	for i := range 5 { // seqs 3–7
		b.edit(int64(2+i), map[string]any{"kind": "shot.set", "shotId": "s1", "field": "title", "value": fmt.Sprint("Title ", i)})
	}
	if err := e.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	e.hub = realtime.NewHub(e.boards, mongo.NewOpLog(e.db), mongo.NewVersionStore(e.db), en, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = e.hub.Shutdown(context.Background()) })

	seven := int64(7)
	a = e.connect(t, "alice", shotline.RoleEditor, &seven)
	a.next("ops")
	late := a.op(2, textEdit("s1", 5, " world")) // 5 ops behind the room's memory
	if got := a.next("error"); got["opId"] != late || got["code"] != string(shotline.ECONFLICT) {
		t.Fatalf("an edit beyond the limit: %v, want ECONFLICT", got)
	}
	// Rebased by text: the confirmed prompt is still "hello", the edit
	// wanted "hello world".
	a.op(7, textEdit("s1", 5, " world"))
	if got := a.next("applied"); got["seq"].(float64) != 8 {
		t.Fatalf("the rebased edit: %v", got)
	}
	snap, _, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil || snap.Shots[0].Prompt != "hello world" {
		t.Fatalf("prompt %q (%v), want %q", snap.Shots[0].Prompt, err, "hello world")
	}
}
