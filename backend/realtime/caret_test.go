package realtime_test

import (
	"reflect"
	"testing"

	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// TestCaretsReachTheOthers checks that where someone types in a prompt or
// notes reaches the others with their presence, and that a caret in no
// field of a shot on the board is taken as none.
func TestCaretsReachTheOthers(t *testing.T) {
	e := newEnv(t, realtime.Config{})
	a := e.connect(t, "alice", shotline.RoleEditor, nil)
	a.next("snapshot")
	a.edit(0, insertShot("s1", "a0"))
	b := e.connect(t, "bob", shotline.RoleEditor, nil)
	b.next("snapshot")
	bobsCaret := func() any {
		t.Helper()
		for {
			for _, p := range a.next("presence")["peers"].([]any) {
				if m := p.(map[string]any); m["userId"] == "bob" {
					if c, ok := m["caret"]; ok || m["selectedShotId"] == "s1" {
						return c
					}
				}
			}
		}
	}
	tests := []struct {
		name  string
		caret map[string]any
		want  any
	}{
		{"in the prompt", map[string]any{"shotId": "s1", "field": "prompt", "offset": 7}, map[string]any{"shotId": "s1", "field": "prompt", "offset": 7.0}},
		{"in the notes", map[string]any{"shotId": "s1", "field": "notes", "offset": 0}, map[string]any{"shotId": "s1", "field": "notes", "offset": 0.0}},
		{"in a field that is not text", map[string]any{"shotId": "s1", "field": "title", "offset": 1}, nil},
		{"in a shot not on the board", map[string]any{"shotId": "nope", "field": "prompt", "offset": 1}, nil},
	}
	for _, tt := range tests {
		b.sendJSON(map[string]any{"type": "presence", "selectedShotId": "s1", "caret": tt.caret})
		if got := bobsCaret(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: alice sees bob's caret %v, want %v", tt.name, got, tt.want)
		}
	}
}
