package realtime

import (
	"hash/fnv"
	"slices"
)

// palette holds the presence colours, chosen to stay apart from each other
// and readable with dark initials on them (each 4.5:1 or more against
// #0b0d10, WCAG AA).
var palette = []string{"#e5484d", "#f76b15", "#ffc53d", "#46a758", "#12a594", "#0090ff", "#8e7cf0", "#d6409f"}

// preferredColor is the palette slot a person gets when nobody on the board
// has it: the same on every board and every instance.
func preferredColor(userID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(userID))
	return int(h.Sum32() % uint32(len(palette)))
}

// assignColors gives everyone in peers a colour no other person on the
// board has, as long as there are no more people than colours (then some
// share). Each person takes their preferred colour, or the next free one;
// people are served in user-id order, so every instance of the app,
// seeing the same people, gives the same answer. One person's tabs share
// their colour.
func assignColors(peers []Peer) {
	ids := make([]string, 0, len(peers))
	for _, p := range peers {
		ids = append(ids, p.UserID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	taken := make([]bool, len(palette))
	colors := make(map[string]string, len(ids))
	for _, id := range ids {
		slot := preferredColor(id)
		for i := range palette {
			if s := (slot + i) % len(palette); !taken[s] {
				slot = s
				break
			}
		}
		colors[id] = palette[slot]
		taken[slot] = true
		if !slices.Contains(taken, false) {
			clear(taken) // the palette is used up: from here on, colours repeat
		}
	}
	for i := range peers {
		peers[i].Color = colors[peers[i].UserID]
	}
}
