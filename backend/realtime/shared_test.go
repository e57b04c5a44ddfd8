package realtime_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/nats"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// newSharedEnv is newEnv with a second hub (another app instance) on the
// same database, the two sharing rooms through a real NATS server.
func newSharedEnv(t *testing.T) (*env, *env) {
	t.Helper()
	a := newEnv(t, realtime.Config{})
	b := *a
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.hub = realtime.NewHub(a.boards, mongo.NewOpLog(a.db), mongo.NewVersionStore(a.db), en, realtime.Config{}, log)
	t.Cleanup(func() { _ = b.hub.Shutdown(context.Background()) })
	for _, h := range []*realtime.Hub{a.hub, b.hub} {
		broker, err := nats.Connect(testenv.NATS(t), "", log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = broker.Close() })
		if err := h.ShareRooms(broker); err != nil {
			t.Fatal(err)
		}
	}
	return a, &b
}

// newSharedPair is newSharedEnv with alice, an editor, on the first
// instance and bob, an editor, on the second, both joined.
func newSharedPair(t *testing.T) (one, two *env, alice, bob *peer) {
	t.Helper()
	one, two = newSharedEnv(t)
	alice = one.connect(t, "alice", shotline.RoleEditor, nil)
	alice.next("snapshot")
	bob = two.connect(t, "bob", shotline.RoleEditor, nil)
	bob.next("snapshot")
	return one, two, alice, bob
}

// appliedUntil collects the applied ops p receives until seq, skipping acks
// and presence; it fails on an error message.
func (p *peer) appliedUntil(seq float64) []map[string]any {
	p.t.Helper()
	var out []map[string]any
	p.read(fmt.Sprintf("the applied op with seq %v", seq), func(m map[string]any, d []byte) bool {
		switch m["type"] {
		case "applied":
			out = append(out, m)
			return m["seq"].(float64) == seq
		case "ack", "presence", "pong":
			return false
		}
		p.t.Fatalf("got %s while waiting for seq %v: %s", m["type"], seq, d)
		return true
	})
	return out
}

// Two instances each hold a room for one board: each one's ops reach the
// other's clients, concurrent ops land in one order everyone agrees on
// (a room whose write lost the race takes the other's ops in and writes
// its own after them), presence spans both, and access changes reach
// sockets on the other instance.
func TestRoomsSharedBetweenInstances(t *testing.T) {
	one, two, alice, bob := newSharedPair(t)

	id := alice.edit(0, insertShot("s1", "a0"))
	if got := bob.next("applied"); got["opId"] != id || got["seq"].(float64) != 1 {
		t.Fatalf("bob got %v, want alice's op at seq 1", got)
	}

	// Both send a burst at once: the rooms race for every seq.
	const each = 30
	keys, err := board.GenerateNKeysBetween("a0", "", each)
	if err != nil {
		t.Fatal(err)
	}
	for i := range each {
		alice.op(1, insertShot(fmt.Sprintf("a%d", i), keys[i]))
		bob.op(1, map[string]any{"kind": "shot.set", "shotId": "s1", "field": "title", "value": fmt.Sprintf("bob %d", i)})
	}
	last := float64(1 + 2*each)
	seenA, seenB := alice.appliedUntil(last), bob.appliedUntil(last)
	if !reflect.DeepEqual(seenA, seenB) {
		t.Fatal("alice and bob saw different ops or orders")
	}
	for i, m := range seenA {
		if m["seq"].(float64) != float64(i+2) {
			t.Fatalf("op %d has seq %v: a gap or a duplicate", i, m["seq"])
		}
	}
	sa, _, err := one.hub.BoardSnapshot(context.Background(), one.board.ID)
	if err != nil {
		t.Fatal(err)
	}
	sb, _, err := two.hub.BoardSnapshot(context.Background(), one.board.ID)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := realtime.LoadState(context.Background(), one.boards, one.log, one.board.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sa, sb) || !reflect.DeepEqual(sa, fresh.State.Snapshot()) || len(sa.Shots) != 1+each {
		t.Fatalf("the instances' states differ from each other or from the log (%d shots)", len(sa.Shots))
	}

	// Presence spans both: bob sees what alice selects, and the reverse.
	alice.sendJSON(map[string]any{"type": "presence", "selectedShotId": "s1"})
	bob.waitPresence("alice", "s1")
	bob.sendJSON(map[string]any{"type": "presence", "selectedShotId": "a3"})
	alice.waitPresence("bob", "a3")

	// Bob is removed from the workspace on instance one: his socket on two closes.
	one.hub.MemberChanged("w1", "bob", "")
	bob.waitClosed(realtime.CloseForbidden)
}

// waitClosed waits until the server closes p's socket and checks the code.
func (p *peer) waitClosed(want realtime.CloseCode) {
	p.t.Helper()
	select {
	case <-p.conn.closed:
		if p.conn.code != want {
			p.t.Fatalf("closed with %d, want %d", p.conn.code, want)
		}
	case <-time.After(10 * time.Second):
		p.t.Fatalf("the socket stayed open; want it closed with %d", want)
	}
}

// waitPresence waits for a presence message in which userID has selected
// shotID, skipping other messages.
func (p *peer) waitPresence(userID, shotID string) {
	p.t.Helper()
	p.read(userID+" selecting "+shotID, func(m map[string]any, _ []byte) bool {
		peers, _ := m["peers"].([]any)
		for _, pr := range peers {
			pr := pr.(map[string]any)
			if m["type"] == "presence" && pr["userId"] == userID && pr["selectedShotId"] == shotID {
				return true
			}
		}
		return false
	})
}

// When an instance shuts down, its clients come back through the other one
// and resume exactly where they were, and its members leave everyone's
// presence at once.
func TestClientsMoveToTheOtherInstance(t *testing.T) {
	one, two, alice, bob := newSharedPair(t)
	alice.sendJSON(map[string]any{"type": "presence", "selectedShotId": nil})
	bob.read("alice on the board", func(m map[string]any, _ []byte) bool {
		peers, _ := m["peers"].([]any)
		return m["type"] == "presence" && len(peers) == 2
	})
	alice.edit(0, insertShot("s1", "a0"))
	bob.next("applied") // alice's, through the other instance
	bob.edit(1, insertShot("s2", "a1"))

	if err := one.hub.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	alice.waitClosed(realtime.CloseShuttingDown)
	bob.read("alice leaving", func(m map[string]any, _ []byte) bool {
		peers, _ := m["peers"].([]any)
		return m["type"] == "presence" && len(peers) == 1
	})
	bob.edit(2, insertShot("s3", "a2")) // while alice is away

	one2 := int64(2)
	alice = two.connect(t, "alice", shotline.RoleEditor, &one2)
	ops := alice.next("ops")["ops"].([]any)
	if len(ops) != 1 || ops[0].(map[string]any)["seq"].(float64) != 3 {
		t.Fatalf("alice resumed on the other instance with %v, want seq 3", ops)
	}
	alice.edit(3, insertShot("s4", "a3"))
}
