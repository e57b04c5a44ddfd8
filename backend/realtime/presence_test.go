package realtime

import (
	"fmt"
	"testing"
)

func TestAssignColorsTellsPeopleApart(t *testing.T) {
	tests := []struct {
		name   string
		people int
	}{
		{"two", 2},
		{"a palette's worth", len(palette)},
		{"more than the palette", len(palette) + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var peers []Peer
			for i := range tt.people {
				id := fmt.Sprintf("019a-user-%d", i)
				// Each person twice (two tabs), in an order no instance shares.
				peers = append(peers, Peer{UserID: id}, Peer{UserID: id})
			}
			assignColors(peers)
			byColor := map[string]map[string]bool{}
			byUser := map[string]string{}
			for _, p := range peers {
				if p.Color == "" {
					t.Fatalf("%s has no colour", p.UserID)
				}
				if c, ok := byUser[p.UserID]; ok && c != p.Color {
					t.Errorf("%s has two colours, %s and %s", p.UserID, c, p.Color)
				}
				byUser[p.UserID] = p.Color
				if byColor[p.Color] == nil {
					byColor[p.Color] = map[string]bool{}
				}
				byColor[p.Color][p.UserID] = true
			}
			if got, want := len(byColor), min(tt.people, len(palette)); got != want {
				t.Errorf("%d people got %d colours, want %d", tt.people, got, want)
			}
		})
	}
}

func TestAssignColorsIsTheSameInAnyOrder(t *testing.T) {
	a := []Peer{{UserID: "u1"}, {UserID: "u2"}, {UserID: "u3"}}
	b := []Peer{{UserID: "u3"}, {UserID: "u1"}, {UserID: "u2"}}
	assignColors(a)
	assignColors(b)
	want := map[string]string{}
	for _, p := range a {
		want[p.UserID] = p.Color
	}
	for _, p := range b {
		if got := p.Color; got != want[p.UserID] {
			t.Errorf("%s: %s in one order, %s in another", p.UserID, want[p.UserID], got)
		}
	}
}
