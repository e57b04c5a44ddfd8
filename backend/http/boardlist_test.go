package http_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/board"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

// TestBoardListCountsShots checks that a project's board list says how many
// shots each board has and which come first (for their frames), following
// inserts, moves and deletes made live.
func TestBoardListCountsShots(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	for i, pos := range []string{"a0", "a1", "a2", "a3", "a4", "a5"} {
		insertShotAs(t, s, st.board, st.owner.userID(), fmt.Sprintf("shot-%d", i), pos, "")
	}
	apply := func(op board.Op) {
		t.Helper()
		if _, err := s.Hub.Apply(t.Context(), st.board, st.owner.userID(), shotline.RoleOwner, op); err != nil {
			t.Fatal(err)
		}
	}
	apply(board.ShotMove{ShotID: "shot-5", Position: "Zz"})
	apply(board.ShotDelete{ShotID: "shot-1"})

	want := []any{"shot-5", "shot-0", "shot-2", "shot-3"}
	var got map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := st.owner.do("GET", "/api/projects/"+st.project+"/boards", nil).must(t, 200).JSON()["boards"].([]any)
		if len(list) != 1 {
			t.Fatalf("boards: %v", list)
		}
		got = list[0].(map[string]any)
		ids, _ := got["frameShotIds"].([]any)
		if got["shotCount"] == 5.0 && slices.Equal(ids, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("board in the list: shotCount %v, frameShotIds %v; want 5, %v", got["shotCount"], got["frameShotIds"], want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPendingInvitesAreForInviters checks that only those who may invite
// see whom the workspace invited.
func TestPendingInvitesAreForInviters(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	st.owner.do("POST", "/api/workspaces/"+st.workspace+"/members", map[string]any{"email": "not-yet@example.test", "role": "editor"}).must(t, 201)
	viewer := st.join(t, s, shotline.RoleViewer)
	for _, tc := range []struct {
		name string
		c    *client
		want int
	}{{"owner", st.owner, 1}, {"viewer", viewer, 0}} {
		invites, _ := tc.c.do("GET", "/api/workspaces/"+st.workspace+"/members", nil).must(t, 200).JSON()["invites"].([]any)
		if got := len(invites); got != tc.want {
			t.Errorf("%s sees %d pending invites, want %d", tc.name, got, tc.want)
		}
	}
}
