package board

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/shotline/shotline/backend/testenv/golden"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// These tests pin the conflict rules of docs/protocol.md. "Concurrent"
// means both ops were made against the same seq (the same baseSeq) and the
// server applied them one after the other.

func applyAt(tb testing.TB, s *BoardState, actor string, op Op, base int64) (Op, error) {
	tb.Helper()
	return s.Apply(actor, testRoles[actor], testAuthz{}, op, base)
}

func TestConflictSameFieldLastAppliedWins(t *testing.T) {
	s := newTestState(t)
	base := s.Seq
	for _, o := range []struct {
		actor, title string
	}{{"ed", "First"}, {"ed2", "Second"}} {
		if _, err := applyAt(t, s, o.actor, ShotSet{ShotID: "s1", Field: ShotTitle, Value: raw(t, o.title)}, base); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Shots["s1"].Title; got != "Second" {
		t.Fatalf("title %q, want the last applied, Second", got)
	}
}

func TestConflictDifferentFieldsBothSurvive(t *testing.T) {
	s := newTestState(t)
	base := s.Seq
	mustApplyAt(t, s, "ed", ShotSet{ShotID: "s1", Field: ShotTitle, Value: raw(t, "T")}, base)
	mustApplyAt(t, s, "ed2", ShotSet{ShotID: "s1", Field: ShotDuration, Value: raw(t, 7)}, base)
	mustApplyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, "Oh, ", 5)}, base)
	if sh := s.Shots["s1"]; sh.Title != "T" || sh.Duration != 7 || sh.Prompt != "Oh, hello" {
		t.Fatalf("%+v", sh)
	}
}

func mustApplyAt(tb testing.TB, s *BoardState, actor string, o Op, base int64) Op {
	tb.Helper()
	applied, err := applyAt(tb, s, actor, o, base)
	if err != nil {
		tb.Fatalf("Apply(%s, %#v, base %d): %v", actor, o, base, err)
	}
	return applied
}

func TestConflictMoveAndDelete(t *testing.T) {
	t.Run("delete then move: the move fails with ENOTFOUND", func(t *testing.T) {
		s := newTestState(t)
		base := s.Seq
		mustApplyAt(t, s, "ed", ShotDelete{ShotID: "s2"}, base)
		before := s.Clone()
		if _, err := applyAt(t, s, "ed2", ShotMove{ShotID: "s2", Position: "Zz"}, base); shotline.ErrorCode(err) != shotline.ENOTFOUND {
			t.Fatalf("move: %v, want ENOTFOUND", err)
		}
		if !reflect.DeepEqual(before, s) {
			t.Fatal("the refused move changed the state")
		}
	})
	t.Run("move then delete: the shot is gone", func(t *testing.T) {
		s := newTestState(t)
		base := s.Seq
		mustApplyAt(t, s, "ed2", ShotMove{ShotID: "s2", Position: "Zz"}, base)
		mustApplyAt(t, s, "ed", ShotDelete{ShotID: "s2"}, base)
		if _, ok := s.Shots["s2"]; ok {
			t.Fatal("shot survived its deletion")
		}
	})
}

func TestConflictEditsOfADeletedShotFail(t *testing.T) {
	for _, o := range []Op{
		ShotSet{ShotID: "s1", Field: ShotTitle, Value: raw(t, "x")},
		TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")},
		ShotDuplicate{ShotID: "s1", NewShotID: "d1", Position: "a0V"},
		ShotMove{ShotID: "s1", Position: "a5"},
		CommentAdd{CommentID: "c9", ShotID: "s1", Body: "late"},
	} {
		t.Run(string(o.Kind()), func(t *testing.T) {
			s := newTestState(t)
			base := s.Seq
			mustApplyAt(t, s, "ed", ShotDelete{ShotID: "s1"}, base)
			before := s.Clone()
			if _, err := applyAt(t, s, "ed2", o, base); shotline.ErrorCode(err) != shotline.ENOTFOUND {
				t.Fatalf("got %v, want ENOTFOUND", err)
			}
			if !reflect.DeepEqual(before, s) {
				t.Fatal("state changed")
			}
		})
	}
}

func TestConflictConcurrentInsertsAtOnePlace(t *testing.T) {
	s := newTestState(t)
	base := s.Seq
	// Both editors insert between s1 (a0) and s2 (a1): same key.
	k, _ := GenerateKeyBetween(s.Shots["s1"].Position, s.Shots["s2"].Position)
	mustApplyAt(t, s, "ed2", ShotInsert{ShotID: "zz", Position: k}, base)
	mustApplyAt(t, s, "ed", ShotInsert{ShotID: "aa", Position: k}, base)
	if got, want := shotIDs(s), []string{"s1", "aa", "zz", "s2", "s3"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v (equal keys ordered by id)", got, want)
	}
	// Inserting between the two tied shots still works, after the tie.
	next, err := GenerateKeyBetween(k, s.Shots["s2"].Position)
	if err != nil {
		t.Fatal(err)
	}
	mustApplyAt(t, s, "ed", ShotInsert{ShotID: "mm", Position: next}, s.Seq)
	if got, want := shotIDs(s), []string{"s1", "aa", "zz", "mm", "s2", "s3"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestConflictInsertRetryIsIdempotent(t *testing.T) {
	s := newTestState(t)
	o := ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Title: "New", Prompt: "p"}}
	mustApplyAt(t, s, "ed", o, s.Seq)
	mustApplyAt(t, s, "ed", TextEdit{ShotID: "n1", Field: TextPrompt, TextOp: op(t, 1, "q")}, s.Seq)
	// The retry now differs from the shot (its prompt changed): conflict.
	if _, err := applyAt(t, s, "ed", o, s.Seq); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("got %v, want ECONFLICT", err)
	}
}

func TestConflictConcurrentTextEditsMerge(t *testing.T) {
	s := newTestState(t) // s1's prompt is "hello"
	base := s.Seq
	// Three people type at once against "hello"; two at the same place.
	mustApplyAt(t, s, "ed", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, " world")}, base)
	a2 := mustApplyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, " there")}, base)
	mustApplyAt(t, s, "owner", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, -1, "H", 4)}, base)
	if got, want := s.Shots["s1"].Prompt, "Hello world there"; got != want {
		t.Fatalf("prompt %q, want %q (server order breaks the tie)", got, want)
	}
	// The applied op is transformed and carries no base version.
	if te := a2.(TextEdit); te.BaseVersion != nil || !reflect.DeepEqual(te.TextOp, op(t, 11, " there")) {
		t.Fatalf("applied %+v", te)
	}
	// An edit of the other text field is not transformed against these.
	mustApplyAt(t, s, "ed", TextEdit{ShotID: "s1", Field: TextNotes, TextOp: op(t, "n")}, base)
	if got := s.Shots["s1"].Notes; got != "n" {
		t.Fatalf("notes %q", got)
	}
}

func TestConflictTextEditOlderThanHistory(t *testing.T) {
	s := newTestState(t)
	base := s.Seq
	// Fill the history past its bound with edits on another shot.
	for range maxTextHistoryEntries + 1 {
		mustApplyAt(t, s, "ed", TextEdit{ShotID: "s3", Field: TextNotes, TextOp: op(t, "x").Retain(utf8.RuneCountInString(s.Shots["s3"].Notes))}, s.Seq)
	}
	before := s.Clone()
	if _, err := applyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, base); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("got %v, want ECONFLICT", err)
	}
	if !reflect.DeepEqual(before, s) {
		t.Fatal("state changed")
	}
	if len(s.history.entries) > maxTextHistoryEntries {
		t.Fatalf("history holds %d entries, bound is %d", len(s.history.entries), maxTextHistoryEntries)
	}
	// Based on a recent seq, it is fine.
	mustApplyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, s.Seq-5)
}

func TestConflictTextEditAcrossRestoreOrReinsert(t *testing.T) {
	content := &RestoreContent{
		BoardSettings: BoardSettings{Title: "Old", AspectRatio: "16:9", DefaultShotDuration: 3},
		Shots:         []Shot{{ID: "s1", Position: "a0", Prompt: "hello", Duration: 3, AspectRatio: "16:9", Status: "draft"}},
	}
	for name, replace := range map[string][]Op{
		"restore":             {VersionRestore{VersionID: "v1", Content: content}},
		"delete and reinsert": {ShotDelete{ShotID: "s1"}, ShotInsert{ShotID: "s1", Position: "a0", Shot: ShotFields{Prompt: "hello"}}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestState(t)
			base := s.Seq
			for _, o := range replace {
				mustApplyAt(t, s, "ed", o, s.Seq)
			}
			// The text may even have the same length; the edit was made
			// against a text that was replaced, so it cannot be merged.
			if _, err := applyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, base); shotline.ErrorCode(err) != shotline.ECONFLICT {
				t.Fatalf("got %v, want ECONFLICT", err)
			}
			mustApplyAt(t, s, "ed2", TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, s.Seq)
		})
	}
}

func TestConflictCommentsSurviveTheirShot(t *testing.T) {
	s := newTestState(t)
	mustApplyAt(t, s, "ed", ShotDelete{ShotID: "s1"}, s.Seq)
	// The thread stays, and can still be resolved, edited and deleted…
	mustApplyAt(t, s, "rev", CommentResolve{CommentID: "c1"}, s.Seq)
	mustApplyAt(t, s, "rev", CommentEdit{CommentID: "c1", Body: "ok"}, s.Seq)
	// …and a restore that brings the shot back reattaches it.
	mustApplyAt(t, s, "ed", VersionRestore{VersionID: "v1", Content: &RestoreContent{
		BoardSettings: s.Settings,
		Shots:         []Shot{{ID: "s1", Position: "a0", Duration: 3, AspectRatio: "16:9", Status: "draft"}},
	}}, s.Seq)
	mustApplyAt(t, s, "rev2", CommentAdd{CommentID: "c9", ShotID: "s1", ParentID: "c1", Body: "back"}, s.Seq)
}

// TestReplayIsDeterministic applies random ops from random actors and
// checks that a replica fed only the applied ops (as the op log or a
// client would) ends in the same state, and that failed ops changed
// nothing.
func TestReplayIsDeterministic(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 5))
	s := newTestState(t)
	replica := newTestState(t)
	actors := []string{"owner", "ed", "ed2", "rev", "rev2", "view"}
	accepted := 0
	for i := range 3000 {
		actor := actors[r.IntN(len(actors))]
		o := randomOp(r, s)
		// Sometimes base the op on an older seq (a slow client); text
		// edits are made against the current text, so they are current.
		base := max(10, s.Seq-int64(r.IntN(3)))
		if _, ok := o.(TextEdit); ok {
			base = s.Seq
		}
		before := s.Clone()
		applied, err := s.Apply(actor, testRoles[actor], testAuthz{}, o, base)
		if err != nil {
			if shotline.ErrorCode(err) == shotline.EINTERNAL {
				t.Fatalf("seed %d step %d: internal error %v", seed, i, err)
			}
			if !reflect.DeepEqual(before, s) {
				t.Fatalf("seed %d step %d: failed op %#v (%v) changed the state", seed, i, o, err)
			}
			continue
		}
		accepted++
		// Through JSON, as the op log and the clients see it.
		data, err := json.Marshal(AppliedOp{Seq: s.Seq, OpID: "x", Actor: actor, Op: applied})
		if err != nil {
			t.Fatal(err)
		}
		var back AppliedOp
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("seed %d step %d: decode %s: %v", seed, i, data, err)
		}
		if _, err := replica.Apply(back.Actor, shotline.RoleOwner, allowAll{}, back.Op, replica.Seq); err != nil {
			t.Fatalf("seed %d step %d: replica refused applied op %s: %v", seed, i, data, err)
		}
		if replica.Seq != s.Seq {
			t.Fatalf("seed %d step %d: replica seq %d, want %d", seed, i, replica.Seq, s.Seq)
		}
	}
	if !reflect.DeepEqual(s.Snapshot(), replica.Snapshot()) {
		t.Fatalf("seed %d: replica diverged", seed)
	}
	if accepted < 1000 {
		t.Fatalf("seed %d: only %d of 3000 ops accepted; the generator is too weak", seed, accepted)
	}
}

// allowAll lets everything through: replicas apply what the server already
// authorized.
type allowAll struct{}

func (allowAll) Allowed(shotline.Role, shotline.Permission) bool { return true }
func (allowAll) Permissions(shotline.Role) []shotline.Permission { return nil }

// randomOp makes a plausible op against s: mostly valid, sometimes aimed
// at something missing or malformed.
func randomOp(r *rand.Rand, s *BoardState) Op {
	snap := s.Snapshot()
	pickShot := func() string {
		if len(snap.Shots) == 0 || r.IntN(10) == 0 {
			return fmt.Sprintf("s%d", r.IntN(20))
		}
		return snap.Shots[r.IntN(len(snap.Shots))].ID
	}
	pickComment := func() (Comment, bool) {
		if len(snap.Comments) == 0 || r.IntN(10) == 0 {
			return Comment{ID: fmt.Sprintf("c%d", r.IntN(50))}, false
		}
		return snap.Comments[r.IntN(len(snap.Comments))], true
	}
	position := func() string {
		i := r.IntN(len(snap.Shots) + 1)
		var a, b string
		if i > 0 {
			a = snap.Shots[i-1].Position
		}
		if i < len(snap.Shots) {
			b = snap.Shots[i].Position
		}
		if a == b && a != "" {
			b = ""
		}
		k, err := GenerateKeyBetween(a, b)
		if err != nil {
			return "a0"
		}
		return k
	}
	switch r.IntN(14) {
	case 13:
		return ShotReviewOp{ShotID: pickShot(), Status: ReviewStatuses[r.IntN(len(ReviewStatuses))]}
	case 0:
		return ShotInsert{ShotID: fmt.Sprintf("s%d", r.IntN(40)), Position: position(),
			Shot: ShotFields{Title: randomText(r, 5), Prompt: randomText(r, 8)}}
	case 1:
		return ShotMove{ShotID: pickShot(), Position: position()}
	case 2:
		return ShotDuplicate{ShotID: pickShot(), NewShotID: fmt.Sprintf("s%d", r.IntN(40)), Position: position()}
	case 3:
		return ShotDelete{ShotID: pickShot()}
	case 4:
		fields := []struct {
			f ShotField
			v any
		}{{ShotTitle, randomText(r, 6)}, {ShotDuration, float64(r.IntN(120)) / 2}, {ShotStatus, "approved"},
			{ShotAspectRatio, "9:16"}, {ShotSettings, map[string]int{"seed": r.IntN(9)}}, {ShotProvider, "animatic"}}
		f := fields[r.IntN(len(fields))]
		v, _ := json.Marshal(f.v)
		return ShotSet{ShotID: pickShot(), Field: f.f, Value: v}
	case 5, 6, 7:
		id := pickShot()
		field := []TextField{TextPrompt, TextNotes}[r.IntN(2)]
		text := s.Shots[id].Prompt
		if field == TextNotes {
			text = s.Shots[id].Notes
		}
		return TextEdit{ShotID: id, Field: field, TextOp: randomTextOp(r, text)}
	case 8:
		v, _ := json.Marshal(float64(1 + r.IntN(10)))
		return BoardSet{Field: BoardDefaultShotDuration, Value: v}
	case 9:
		add := CommentAdd{CommentID: fmt.Sprintf("c%d", r.IntN(50)), ShotID: pickShot(), Body: "b" + randomText(r, 6)}
		if c, ok := pickComment(); ok && c.ParentID == "" && r.IntN(2) == 0 {
			add.ParentID, add.ShotID = c.ID, c.ShotID
		}
		return add
	case 10:
		c, _ := pickComment()
		return CommentEdit{CommentID: c.ID, Body: "e" + randomText(r, 6)}
	case 11:
		c, _ := pickComment()
		switch r.IntN(3) {
		case 0:
			return CommentDelete{CommentID: c.ID}
		case 1:
			return CommentResolve{CommentID: c.ID}
		}
		return CommentReopen{CommentID: c.ID}
	default:
		shots := snap.Shots
		if len(shots) > 3 {
			shots = shots[:3]
		}
		return VersionRestore{VersionID: "v1", Content: &RestoreContent{BoardSettings: snap.BoardSettings, Shots: shots}}
	}
}

// TestTextEditingConverges simulates several clients typing into one
// prompt with the protocol's rules: each client has at most one text edit
// in flight per field and composes further typing into a buffer; the
// server transforms each edit from its baseSeq; clients transform incoming
// edits past their own pending ones. Messages arrive in order but with
// random delays. At the end everyone must see the server's text.
func TestTextEditingConverges(t *testing.T) {
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 6))
	for round := range 40 {
		server := newTestState(t)
		type sent struct {
			opID string
			op   TextEdit
			base int64
		}
		type client struct {
			actor     string
			confirmed *BoardState
			inflight  *sent
			buffer    TextOp // composed local edits not yet sent
			outbox    []sent
			inbox     []AppliedOp
		}
		actors := []string{"owner", "ed", "ed2"}
		clients := make([]*client, len(actors))
		for i, a := range actors {
			clients[i] = &client{actor: a, confirmed: newTestState(t)}
		}
		ids := 0
		view := func(c *client) string {
			text := c.confirmed.Shots["s1"].Prompt
			if c.inflight != nil {
				text = mustApply(t, text, c.inflight.op.TextOp)
			}
			if c.buffer != nil {
				text = mustApply(t, text, c.buffer)
			}
			return text
		}
		send := func(c *client) {
			if c.inflight == nil && c.buffer != nil {
				ids++
				s := sent{fmt.Sprint(ids), TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: c.buffer}, c.confirmed.Seq}
				c.inflight, c.buffer = &s, nil
				c.outbox = append(c.outbox, s)
			}
		}
		step := func(c *client, action int) {
			switch action {
			case 0: // type
				e := randomTextOp(r, view(c))
				if c.buffer == nil {
					c.buffer = e
				} else {
					composed, err := c.buffer.Compose(e)
					if err != nil {
						t.Fatal(err)
					}
					c.buffer = composed
				}
				send(c)
			case 1: // the server takes this client's next message
				if len(c.outbox) == 0 {
					return
				}
				m := c.outbox[0]
				c.outbox = c.outbox[1:]
				applied, err := server.Apply(c.actor, testRoles[c.actor], testAuthz{}, m.op, m.base)
				if err != nil {
					t.Fatalf("seed %d round %d: server refused %+v: %v", seed, round, m, err)
				}
				for _, o := range clients {
					o.inbox = append(o.inbox, AppliedOp{Seq: server.Seq, OpID: m.opID, Actor: c.actor, Op: applied})
				}
			case 2: // this client receives its next message
				if len(c.inbox) == 0 {
					return
				}
				a := c.inbox[0]
				c.inbox = c.inbox[1:]
				if _, err := c.confirmed.Apply(a.Actor, shotline.RoleOwner, allowAll{}, a.Op, c.confirmed.Seq); err != nil {
					t.Fatalf("seed %d round %d: client could not apply %+v: %v", seed, round, a, err)
				}
				if c.inflight != nil && a.OpID == c.inflight.opID { // the ack
					c.inflight = nil
					send(c)
					return
				}
				x := a.Op.(TextEdit).TextOp
				if c.inflight != nil {
					x2, p2, err := TransformText(x, c.inflight.op.TextOp)
					if err != nil {
						t.Fatal(err)
					}
					x, c.inflight.op.TextOp = x2, p2
				}
				if c.buffer != nil {
					_, b2, err := TransformText(x, c.buffer)
					if err != nil {
						t.Fatal(err)
					}
					c.buffer = b2
				}
			}
		}
		for range 200 {
			step(clients[r.IntN(len(clients))], r.IntN(3))
		}
		// Drain: stop typing, deliver everything.
		for busy := true; busy; {
			busy = false
			for _, c := range clients {
				if len(c.outbox) > 0 || len(c.inbox) > 0 {
					busy = true
					step(c, 1)
					step(c, 2)
				}
			}
		}
		want := server.Shots["s1"].Prompt
		for _, c := range clients {
			if c.inflight != nil || c.buffer != nil {
				t.Fatalf("seed %d round %d: %s still has pending edits", seed, round, c.actor)
			}
			if got := view(c); got != want {
				t.Fatalf("seed %d round %d: %s sees %q, server has %q", seed, round, c.actor, got, want)
			}
		}
	}
}

// replayFixture is testdata/replay.json: a board, ops as the server
// applied them (random, from a fixed seed), and the board at checkpoints.
// The TypeScript state mirror must reach the same boards from the same ops.
type replayFixture struct {
	Comment     string          `json:"comment"`
	Seq         int64           `json:"seq"`
	Initial     BoardSnapshot   `json:"initial"`
	Ops         []AppliedOp     `json:"ops"`
	Checkpoints []replayCheckpt `json:"checkpoints"`
}

type replayCheckpt struct {
	Seq   int64         `json:"seq"`
	Board BoardSnapshot `json:"board"`
}

func TestReplayFixture(t *testing.T) {
	r := rand.New(rand.NewPCG(20260602, 7)) // fixed: the file must not change between runs
	s := newTestState(t)
	f := replayFixture{Comment: "Generated by go test ./backend/realtime -run TestReplayFixture -update.", Seq: s.Seq, Initial: s.Snapshot()}
	actors := []string{"owner", "ed", "rev"}
	for len(f.Ops) < 250 {
		actor := actors[r.IntN(len(actors))]
		applied, err := s.Apply(actor, testRoles[actor], testAuthz{}, randomOp(r, s), s.Seq)
		if err != nil {
			continue
		}
		f.Ops = append(f.Ops, AppliedOp{Seq: s.Seq, OpID: fmt.Sprintf("op-%d", s.Seq), Actor: actor, Op: applied})
		if len(f.Ops)%50 == 0 {
			f.Checkpoints = append(f.Checkpoints, replayCheckpt{s.Seq, s.Snapshot()})
		}
	}
	kinds := map[OpKind]bool{}
	for _, o := range f.Ops {
		kinds[o.Op.Kind()] = true
	}
	if len(kinds) != len(OpKinds()) {
		t.Fatalf("the replay covers %d op kinds of %d", len(kinds), len(OpKinds()))
	}
	// One op or board per line keeps the file diffable.
	var buf bytes.Buffer
	line := func(prefix string, v any, suffix string) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString(prefix)
		buf.Write(b)
		buf.WriteString(suffix)
	}
	line("{\n\"comment\": ", f.Comment, ",\n")
	line("\"seq\": ", f.Seq, ",\n")
	line("\"initial\": ", f.Initial, ",\n\"ops\": [\n")
	for i, o := range f.Ops {
		line("  ", o, map[bool]string{true: ",\n", false: "\n"}[i < len(f.Ops)-1])
	}
	buf.WriteString("],\n\"checkpoints\": [\n")
	for i, c := range f.Checkpoints {
		line("  ", c, map[bool]string{true: ",\n", false: "\n"}[i < len(f.Checkpoints)-1])
	}
	buf.WriteString("]\n}\n")
	golden.Check(t, "./backend/board", "testdata/replay.json", buf.Bytes())
}
