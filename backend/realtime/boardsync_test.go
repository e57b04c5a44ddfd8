package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// gatedBoards holds the first UpdateBoard until gate closes and records
// the titles written.
type gatedBoards struct {
	shotline.BoardService
	gate   chan struct{}
	mu     sync.Mutex
	titles []string
}

func (g *gatedBoards) UpdateBoard(ctx context.Context, id string, upd shotline.BoardUpdate) (*shotline.Board, error) {
	g.mu.Lock()
	first := len(g.titles) == 0
	g.titles = append(g.titles, *upd.Title)
	g.mu.Unlock()
	if first {
		<-g.gate
	}
	return g.BoardService.UpdateBoard(ctx, id, upd)
}

// TestBoardDocumentFollowsRapidSettingsInOrder: twenty title changes while
// the board document's first write waits end with the last title in the
// document, written last (writes in flight at once could land out of
// order and leave an older one), in fewer writes than changes.
func TestBoardDocumentFollowsRapidSettingsInOrder(t *testing.T) {
	ctx := context.Background()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	stored := mongo.NewBoardService(db)
	b := &shotline.Board{WorkspaceID: "w1", ProjectID: "p1", Title: "Board", AspectRatio: "16:9", DefaultShotDuration: 3}
	if err := stored.CreateBoard(ctx, b); err != nil {
		t.Fatal(err)
	}
	boards := &gatedBoards{BoardService: stored, gate: make(chan struct{})}
	hub := realtime.NewHub(boards, mongo.NewOpLog(db), mongo.NewVersionStore(db), en, realtime.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	for i := 1; i <= 20; i++ {
		raw, _ := json.Marshal(fmt.Sprint("title ", i))
		if _, err := hub.Apply(ctx, b.ID, "alice", shotline.RoleEditor, board.BoardSet{Field: board.BoardTitle, Value: raw}); err != nil {
			t.Fatal(err)
		}
	}
	close(boards.gate)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, err := stored.FindBoardByID(ctx, b.ID)
		if err == nil && got.Title == "title 20" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the board document's title is %q, want the last one (%v)", got.Title, err)
		}
	}
	boards.mu.Lock()
	defer boards.mu.Unlock()
	if n := len(boards.titles); n == 0 || n >= 20 || boards.titles[n-1] != "title 20" {
		t.Fatalf("board document writes: %q; want fewer than the 20 changes, the last one last", boards.titles)
	}
}
