package board

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// testAuthz is the role matrix of policies/roles.csv plus the rows this
// package asks for (comment:resolve for editors, comment:moderate for
// admins), with the same inheritance. authz_rows_test.go checks the real
// Casbin policy with those rows gives the same answers.
type testAuthz struct{}

var testGrants = map[shotline.Role][]shotline.Permission{
	shotline.RoleViewer:    {shotline.PermBoardRead},
	shotline.RoleCommenter: {shotline.PermCommentCreate, shotline.PermReviewSet},
	shotline.RoleEditor:    {shotline.PermBoardUpdate, shotline.PermCommentResolve},
	shotline.RoleAdmin:     {shotline.PermCommentModerate},
	shotline.RoleOwner:     {},
}

func (testAuthz) Permissions(role shotline.Role) []shotline.Permission {
	var out []shotline.Permission
	for i := slices.Index(shotline.Roles, role); i >= 0 && i < len(shotline.Roles); i++ {
		out = append(out, testGrants[shotline.Roles[i]]...)
	}
	slices.Sort(out)
	return out
}

func (a testAuthz) Allowed(role shotline.Role, p shotline.Permission) bool {
	return slices.Contains(a.Permissions(role), p)
}

// Actors of the tests and their roles.
var testRoles = map[string]shotline.Role{
	"owner": shotline.RoleOwner, "adm": shotline.RoleAdmin, "ed": shotline.RoleEditor, "ed2": shotline.RoleEditor,
	"rev": shotline.RoleCommenter, "rev2": shotline.RoleCommenter, "view": shotline.RoleViewer,
}

func raw(tb testing.TB, v any) json.RawMessage {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// newTestState returns a board at seq 10 with shots s1, s2, s3 (in that
// order), a thread c1 on s1 by rev with a reply c2 by ed.
func newTestState(tb testing.TB) *BoardState {
	tb.Helper()
	shot := func(id, pos, prompt string) Shot {
		return Shot{ID: id, Position: pos, Title: "Shot " + id, Prompt: prompt, Duration: 3, AspectRatio: "16:9",
			Status: shotline.ShotDraft, Settings: json.RawMessage(`{}`)}
	}
	s, err := FromSnapshot(BoardSnapshot{
		ID:            "b1",
		BoardSettings: BoardSettings{Title: "Board", Description: "", AspectRatio: "16:9", DefaultShotDuration: 3},
		Shots:         []Shot{shot("s1", "a0", "hello"), shot("s2", "a1", ""), shot("s3", "a2", "wide shot")},
		Comments: []Comment{
			{ID: "c1", ShotID: "s1", AuthorID: "rev", Body: "Too dark", CreatedSeq: 4},
			{ID: "c2", ShotID: "s1", ParentID: "c1", AuthorID: "ed", Body: "Fixed", CreatedSeq: 5},
		},
	}, 10)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// apply applies op as actor (role from testRoles) at the current seq.
func apply(tb testing.TB, s *BoardState, actor string, op Op) Op {
	tb.Helper()
	applied, err := s.Apply(actor, testRoles[actor], testAuthz{}, op, s.Seq)
	if err != nil {
		tb.Fatalf("Apply(%s, %#v): %v", actor, op, err)
	}
	return applied
}

func shotIDs(s *BoardState) []string {
	var ids []string
	for _, sh := range s.Snapshot().Shots {
		ids = append(ids, sh.ID)
	}
	return ids
}

func TestApplyOps(t *testing.T) {
	type check func(t *testing.T, s *BoardState, applied Op)
	for _, c := range []struct {
		name  string
		setup []Op // applied first, as owner
		actor string
		op    Op
		code  string
		check check
	}{
		// shot.insert
		{name: "insert fills defaults", actor: "ed",
			op: ShotInsert{ShotID: "n1", Position: "a0V", Shot: ShotFields{Title: "New"}},
			check: func(t *testing.T, s *BoardState, applied Op) {
				sh := s.Shots["n1"]
				if sh.Duration != 3 || sh.AspectRatio != "16:9" || sh.Status != "draft" || string(sh.Settings) != "{}" {
					t.Fatalf("defaults not filled: %+v", sh)
				}
				if got := applied.(ShotInsert).Shot; got.Duration != 3 || got.Status != "draft" {
					t.Fatalf("applied op lacks the defaults: %+v", got)
				}
				if got, want := shotIDs(s), []string{"s1", "n1", "s2", "s3"}; !slices.Equal(got, want) {
					t.Fatalf("order %v, want %v", got, want)
				}
			}},
		{name: "insert compacts settings", actor: "ed",
			op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Settings: json.RawMessage(`{ "seed" : 7 }`)}},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if got := string(s.Shots["n1"].Settings); got != `{"seed":7}` {
					t.Fatalf("settings %s", got)
				}
			}},
		{name: "insert identical to an existing shot is a no-op", actor: "ed",
			setup: []Op{ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Title: "X"}}},
			op:    ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Title: "X"}},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Seq != 12 || len(s.Shots) != 4 {
					t.Fatalf("seq %d shots %d, want 12 and 4", s.Seq, len(s.Shots))
				}
			}},
		{name: "insert with an id in use", actor: "ed", op: ShotInsert{ShotID: "s1", Position: "a3"}, code: shotline.ECONFLICT},
		{name: "insert with a bad position", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a00"}, code: shotline.EINVALID},
		{name: "insert with a bad id", actor: "ed", op: ShotInsert{ShotID: "n 1", Position: "a3"}, code: shotline.EINVALID},
		{name: "insert with a bad duration", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Duration: 61}}, code: shotline.EINVALID},
		{name: "insert with a bad status", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Status: "done"}}, code: shotline.EINVALID},
		{name: "insert with a long title", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Title: strings.Repeat("é", 201)}}, code: shotline.EINVALID},
		{name: "insert with a long prompt", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Prompt: strings.Repeat("x", MaxTextLength+1)}}, code: shotline.EINVALID},
		{name: "insert with settings not an object", actor: "ed", op: ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Settings: json.RawMessage(`[1]`)}}, code: shotline.EINVALID},
		{name: "insert by a commenter", actor: "rev", op: ShotInsert{ShotID: "n1", Position: "a3"}, code: shotline.EFORBIDDEN},
		{name: "insert by a viewer", actor: "view", op: ShotInsert{ShotID: "n1", Position: "a3"}, code: shotline.EFORBIDDEN},

		// shot.move
		{name: "move", actor: "ed", op: ShotMove{ShotID: "s3", Position: "Zz"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if got, want := shotIDs(s), []string{"s3", "s1", "s2"}; !slices.Equal(got, want) {
					t.Fatalf("order %v, want %v", got, want)
				}
			}},
		{name: "move of a deleted shot", setup: []Op{ShotDelete{ShotID: "s3"}}, actor: "ed", op: ShotMove{ShotID: "s3", Position: "Zz"}, code: shotline.ENOTFOUND},
		{name: "move to a bad position", actor: "ed", op: ShotMove{ShotID: "s3", Position: "!"}, code: shotline.EINVALID},
		{name: "move by a viewer", actor: "view", op: ShotMove{ShotID: "s3", Position: "Zz"}, code: shotline.EFORBIDDEN},

		// shot.duplicate
		{name: "duplicate", actor: "ed", op: ShotDuplicate{ShotID: "s1", NewShotID: "d1", Position: "a0V"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				d := s.Shots["d1"]
				if d.Prompt != "hello" || d.Position != "a0V" || d.Title != "Shot s1" {
					t.Fatalf("copy %+v", d)
				}
				if got, want := shotIDs(s), []string{"s1", "d1", "s2", "s3"}; !slices.Equal(got, want) {
					t.Fatalf("order %v, want %v", got, want)
				}
			}},
		{name: "duplicate of a deleted shot", setup: []Op{ShotDelete{ShotID: "s1"}}, actor: "ed", op: ShotDuplicate{ShotID: "s1", NewShotID: "d1", Position: "a0V"}, code: shotline.ENOTFOUND},
		{name: "duplicate onto an id in use", actor: "ed", op: ShotDuplicate{ShotID: "s1", NewShotID: "s2", Position: "a0V"}, code: shotline.ECONFLICT},
		{name: "duplicate by a commenter", actor: "rev", op: ShotDuplicate{ShotID: "s1", NewShotID: "d1", Position: "a0V"}, code: shotline.EFORBIDDEN},

		// shot.delete
		{name: "delete keeps the shot's comments", actor: "ed", op: ShotDelete{ShotID: "s1"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if _, ok := s.Shots["s1"]; ok {
					t.Fatal("shot still there")
				}
				if len(s.Comments) != 2 {
					t.Fatalf("comments %d, want 2", len(s.Comments))
				}
			}},
		{name: "delete of a deleted shot", setup: []Op{ShotDelete{ShotID: "s1"}}, actor: "ed", op: ShotDelete{ShotID: "s1"}, code: shotline.ENOTFOUND},
		{name: "delete by a viewer", actor: "view", op: ShotDelete{ShotID: "s1"}, code: shotline.EFORBIDDEN},

		// shot.set
		{name: "set title", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotTitle, Value: json.RawMessage(`"Close-up"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Shots["s2"].Title != "Close-up" {
					t.Fatalf("title %q", s.Shots["s2"].Title)
				}
			}},
		{name: "set duration canonicalizes the value", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotDuration, Value: json.RawMessage(`4.50`)},
			check: func(t *testing.T, s *BoardState, applied Op) {
				if s.Shots["s2"].Duration != 4.5 || string(applied.(ShotSet).Value) != "4.5" {
					t.Fatalf("duration %v, applied %s", s.Shots["s2"].Duration, applied.(ShotSet).Value)
				}
			}},
		{name: "set status", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotStatus, Value: json.RawMessage(`"approved"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Shots["s2"].Status != "approved" {
					t.Fatal(s.Shots["s2"].Status)
				}
			}},
		{name: "set provider, model and settings", actor: "ed", setup: []Op{
			ShotSet{ShotID: "s2", Field: ShotProvider, Value: json.RawMessage(`"animatic"`)},
			ShotSet{ShotID: "s2", Field: ShotModel, Value: json.RawMessage(`"title-card"`)},
		}, op: ShotSet{ShotID: "s2", Field: ShotSettings, Value: json.RawMessage(`{"fps": 24}`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				sh := s.Shots["s2"]
				if sh.Provider != "animatic" || sh.Model != "title-card" || string(sh.Settings) != `{"fps":24}` {
					t.Fatalf("%+v", sh)
				}
			}},
		{name: "set aspect ratio", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotAspectRatio, Value: json.RawMessage(`"9:16"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Shots["s2"].AspectRatio != "9:16" {
					t.Fatal(s.Shots["s2"].AspectRatio)
				}
			}},
		{name: "set a bad aspect ratio", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotAspectRatio, Value: json.RawMessage(`"5:4"`)}, code: shotline.EINVALID},
		{name: "set duration too short", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotDuration, Value: json.RawMessage(`0.4`)}, code: shotline.EINVALID},
		{name: "set duration as a string", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotDuration, Value: json.RawMessage(`"3"`)}, code: shotline.EINVALID},
		{name: "set title to null", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotTitle, Value: json.RawMessage(`null`)}, code: shotline.EINVALID},
		{name: "set without a value", actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotTitle}, code: shotline.EINVALID},
		{name: "set the prompt (a text field)", actor: "ed", op: ShotSet{ShotID: "s2", Field: "prompt", Value: json.RawMessage(`"x"`)}, code: shotline.EINVALID},
		{name: "set an unknown field", actor: "ed", op: ShotSet{ShotID: "s2", Field: "color", Value: json.RawMessage(`"x"`)}, code: shotline.EINVALID},
		{name: "set on a deleted shot", setup: []Op{ShotDelete{ShotID: "s2"}}, actor: "ed", op: ShotSet{ShotID: "s2", Field: ShotTitle, Value: json.RawMessage(`"x"`)}, code: shotline.ENOTFOUND},
		{name: "set by a commenter", actor: "rev", op: ShotSet{ShotID: "s2", Field: ShotTitle, Value: json.RawMessage(`"x"`)}, code: shotline.EFORBIDDEN},

		// text.edit
		{name: "text edit", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, ", world")},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if got := s.Shots["s1"].Prompt; got != "hello, world" {
					t.Fatalf("prompt %q", got)
				}
			}},
		{name: "text edit of notes", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextNotes, TextOp: op(t, "note")},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if got := s.Shots["s1"].Notes; got != "note" {
					t.Fatalf("notes %q", got)
				}
			}},
		{name: "text edit with the wrong length", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 4, "x")}, code: shotline.EINVALID},
		{name: "text edit past the limit", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, strings.Repeat("x", MaxTextLength-4))}, code: shotline.EINVALID},
		{name: "text edit of an unknown field", actor: "ed", op: TextEdit{ShotID: "s1", Field: "title", TextOp: op(t, 7)}, code: shotline.EINVALID},
		{name: "text edit based in the future", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, BaseVersion: ptr(int64(11)), TextOp: op(t, 5)}, code: shotline.EINVALID},
		{name: "text edit based before the state was loaded", actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, BaseVersion: ptr(int64(9)), TextOp: op(t, 5)}, code: shotline.ECONFLICT},
		{name: "text edit of a deleted shot", setup: []Op{ShotDelete{ShotID: "s1"}}, actor: "ed", op: TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, code: shotline.ENOTFOUND},
		{name: "text edit by a commenter", actor: "rev", op: TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, 5, "!")}, code: shotline.EFORBIDDEN},

		// board.set
		{name: "board title", actor: "ed", op: BoardSet{Field: BoardTitle, Value: json.RawMessage(`"Opening"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Settings.Title != "Opening" {
					t.Fatal(s.Settings.Title)
				}
			}},
		{name: "board default duration", actor: "ed", op: BoardSet{Field: BoardDefaultShotDuration, Value: json.RawMessage(`5`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Settings.DefaultShotDuration != 5 {
					t.Fatal(s.Settings.DefaultShotDuration)
				}
			}},
		{name: "board description and aspect ratio", actor: "ed", setup: []Op{BoardSet{Field: BoardDescription, Value: json.RawMessage(`"Act one"`)}},
			op: BoardSet{Field: BoardAspectRatio, Value: json.RawMessage(`"2.39:1"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Settings.Description != "Act one" || s.Settings.AspectRatio != "2.39:1" {
					t.Fatalf("%+v", s.Settings)
				}
			}},
		{name: "board default provider", actor: "ed", setup: []Op{ShotSet{ShotID: "s2", Field: ShotProvider, Value: json.RawMessage(`"fal"`)}},
			op: BoardSet{Field: BoardDefaultProvider, Value: json.RawMessage(`"openai"`)},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Settings.DefaultProvider != "openai" {
					t.Fatal(s.Settings.DefaultProvider)
				}
				// s1 and s3 name no provider: they take the board's; s2 names its own.
				got := map[string]string{}
				for _, sh := range s.Snapshot().NumberedShots() {
					got[sh.ID] = fmt.Sprint(sh.Number, " ", sh.Provider)
				}
				if want := map[string]string{"s1": "1 openai", "s2": "2 fal", "s3": "3 openai"}; !maps.Equal(got, want) {
					t.Errorf("shots render as %v, want %v", got, want)
				}
			}},
		{name: "board default provider too long", actor: "ed", op: BoardSet{Field: BoardDefaultProvider, Value: raw(t, strings.Repeat("p", 101))}, code: shotline.EINVALID},
		{name: "board default provider not a string", actor: "ed", op: BoardSet{Field: BoardDefaultProvider, Value: json.RawMessage(`7`)}, code: shotline.EINVALID},
		{name: "board title empty", actor: "ed", op: BoardSet{Field: BoardTitle, Value: json.RawMessage(`"  "`)}, code: shotline.EINVALID},
		{name: "board title untrimmed", actor: "ed", op: BoardSet{Field: BoardTitle, Value: json.RawMessage(`" A"`)}, code: shotline.EINVALID},
		{name: "board description too long", actor: "ed", op: BoardSet{Field: BoardDescription, Value: raw(t, strings.Repeat("x", 5001))}, code: shotline.EINVALID},
		{name: "board unknown field", actor: "ed", op: BoardSet{Field: "archived", Value: json.RawMessage(`true`)}, code: shotline.EINVALID},
		{name: "board set by a commenter", actor: "rev", op: BoardSet{Field: BoardTitle, Value: json.RawMessage(`"X"`)}, code: shotline.EFORBIDDEN},

		// comment.add
		{name: "comment by a commenter", actor: "rev2", op: CommentAdd{CommentID: "c3", ShotID: "s2", Body: "Love it", TimeRange: &TimeRange{1, 2.5}},
			check: func(t *testing.T, s *BoardState, _ Op) {
				c := s.Comments["c3"]
				if c.AuthorID != "rev2" || c.CreatedSeq != 11 || c.TimeRange == nil || c.TimeRange.End != 2.5 {
					t.Fatalf("%+v", c)
				}
			}},
		{name: "reply", actor: "rev2", op: CommentAdd{CommentID: "c3", ShotID: "s1", ParentID: "c1", Body: "Agreed"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Comments["c3"].ParentID != "c1" {
					t.Fatal("not a reply")
				}
			}},
		{name: "comment identical to an existing one is a no-op", actor: "rev", op: CommentAdd{CommentID: "c1", ShotID: "s1", Body: "Too dark"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if s.Seq != 11 || s.Comments["c1"].CreatedSeq != 4 {
					t.Fatalf("seq %d, comment %+v", s.Seq, s.Comments["c1"])
				}
			}},
		{name: "comment with an id in use", actor: "rev2", op: CommentAdd{CommentID: "c1", ShotID: "s1", Body: "Too dark"}, code: shotline.ECONFLICT},
		{name: "comment on a deleted shot", setup: []Op{ShotDelete{ShotID: "s2"}}, actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s2", Body: "?"}, code: shotline.ENOTFOUND},
		{name: "reply on a deleted shot", setup: []Op{ShotDelete{ShotID: "s1"}}, actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", ParentID: "c1", Body: "?"}, code: shotline.ENOTFOUND},
		{name: "reply to a deleted thread", setup: []Op{CommentDelete{CommentID: "c1"}}, actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", ParentID: "c1", Body: "?"}, code: shotline.ENOTFOUND},
		{name: "reply to a reply", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", ParentID: "c2", Body: "?"}, code: shotline.EINVALID},
		{name: "reply on another shot", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s2", ParentID: "c1", Body: "?"}, code: shotline.EINVALID},
		{name: "reply with a time range", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", ParentID: "c1", Body: "?", TimeRange: &TimeRange{0, 1}}, code: shotline.EINVALID},
		{name: "comment with a reversed time range", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", Body: "?", TimeRange: &TimeRange{2, 1}}, code: shotline.EINVALID},
		{name: "comment empty", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", Body: " \n"}, code: shotline.EINVALID},
		{name: "comment too long", actor: "rev", op: CommentAdd{CommentID: "c3", ShotID: "s1", Body: strings.Repeat("x", MaxCommentLength+1)}, code: shotline.EINVALID},
		{name: "comment by a viewer", actor: "view", op: CommentAdd{CommentID: "c3", ShotID: "s1", Body: "hi"}, code: shotline.EFORBIDDEN},

		// comment.edit
		{name: "edit own comment", actor: "rev", op: CommentEdit{CommentID: "c1", Body: "Much too dark"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if c := s.Comments["c1"]; c.Body != "Much too dark" || c.EditedSeq != 11 {
					t.Fatalf("%+v", c)
				}
			}},
		{name: "edit someone else's comment", actor: "rev2", op: CommentEdit{CommentID: "c1", Body: "x"}, code: shotline.EFORBIDDEN},
		{name: "an admin cannot edit someone else's comment either", actor: "adm", op: CommentEdit{CommentID: "c1", Body: "x"}, code: shotline.EFORBIDDEN},
		{name: "edit a deleted comment", setup: []Op{CommentDelete{CommentID: "c1"}}, actor: "rev", op: CommentEdit{CommentID: "c1", Body: "x"}, code: shotline.ENOTFOUND},
		{name: "edit own comment as a viewer (role lowered)", actor: "view", op: CommentEdit{CommentID: "c1", Body: "x"}, code: shotline.EFORBIDDEN},

		// comment.delete
		{name: "delete own thread deletes its replies", actor: "rev", op: CommentDelete{CommentID: "c1"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if len(s.Comments) != 0 {
					t.Fatalf("comments left: %v", s.Comments)
				}
			}},
		{name: "delete own reply", actor: "ed", op: CommentDelete{CommentID: "c2"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if _, ok := s.Comments["c1"]; !ok || len(s.Comments) != 1 {
					t.Fatalf("comments: %v", s.Comments)
				}
			}},
		{name: "delete someone else's comment", actor: "rev2", op: CommentDelete{CommentID: "c1"}, code: shotline.EFORBIDDEN},
		{name: "an editor may not delete someone else's comment", actor: "ed", op: CommentDelete{CommentID: "c1"}, code: shotline.EFORBIDDEN},
		{name: "an admin moderates", actor: "adm", op: CommentDelete{CommentID: "c1"}},
		{name: "delete a missing comment", actor: "adm", op: CommentDelete{CommentID: "nope"}, code: shotline.ENOTFOUND},
		{name: "delete by a viewer", actor: "view", op: CommentDelete{CommentID: "c1"}, code: shotline.EFORBIDDEN},

		// comment.resolve / comment.reopen
		{name: "resolve own thread", actor: "rev", op: CommentResolve{CommentID: "c1"},
			check: func(t *testing.T, s *BoardState, _ Op) {
				if c := s.Comments["c1"]; !c.Resolved || c.ResolvedBy != "rev" {
					t.Fatalf("%+v", c)
				}
			}},
		{name: "an editor resolves anyone's thread", actor: "ed2", op: CommentResolve{CommentID: "c1"}},
		{name: "reopen", setup: []Op{CommentResolve{CommentID: "c1"}}, actor: "ed", op: CommentReopen{CommentID: "c1"},
			check: func(t *testing.T, s *BoardState, applied Op) {
				if c := s.Comments["c1"]; c.Resolved || c.ResolvedBy != "" {
					t.Fatalf("%+v", c)
				}
				if _, ok := applied.(CommentReopen); !ok {
					t.Fatalf("applied %T", applied)
				}
			}},
		{name: "resolve someone else's thread as a commenter", actor: "rev2", op: CommentResolve{CommentID: "c1"}, code: shotline.EFORBIDDEN},
		{name: "resolve a reply", actor: "ed", op: CommentResolve{CommentID: "c2"}, code: shotline.EINVALID},
		{name: "resolve a missing comment", actor: "ed", op: CommentResolve{CommentID: "nope"}, code: shotline.ENOTFOUND},
		{name: "resolve by a viewer", actor: "view", op: CommentResolve{CommentID: "c1"}, code: shotline.EFORBIDDEN},

		// version.restore
		{name: "restore replaces settings and shots, keeps comments", actor: "ed",
			op: VersionRestore{VersionID: "v1", Content: &RestoreContent{
				BoardSettings: BoardSettings{Title: "Old", AspectRatio: "1:1", DefaultShotDuration: 2},
				Shots: []Shot{
					{ID: "s9", Position: "a5", Prompt: "late", Duration: 2, AspectRatio: "1:1", Status: "draft", Settings: json.RawMessage(`{}`)},
					{ID: "s1", Position: "a1", Prompt: "old", Duration: 2, AspectRatio: "1:1", Status: "approved", Settings: json.RawMessage(`{ }`)},
				},
			}},
			check: func(t *testing.T, s *BoardState, applied Op) {
				if s.Settings.Title != "Old" || !slices.Equal(shotIDs(s), []string{"s1", "s9"}) || len(s.Comments) != 2 {
					t.Fatalf("settings %+v shots %v comments %d", s.Settings, shotIDs(s), len(s.Comments))
				}
				if got := applied.(VersionRestore).Content.Shots; got[0].ID != "s1" || string(got[0].Settings) != "{}" {
					t.Fatalf("applied content not ordered and canonical: %+v", got)
				}
			}},
		{name: "restore without content", actor: "ed", op: VersionRestore{VersionID: "v1"}, code: shotline.EINVALID},
		{name: "restore with an invalid shot", actor: "ed", op: VersionRestore{VersionID: "v1", Content: &RestoreContent{
			BoardSettings: BoardSettings{Title: "Old", AspectRatio: "1:1", DefaultShotDuration: 2},
			Shots:         []Shot{{ID: "s1", Position: "a1", Duration: 0, AspectRatio: "1:1", Status: "draft"}},
		}}, code: shotline.EINVALID},
		{name: "restore with duplicate shots", actor: "ed", op: VersionRestore{VersionID: "v1", Content: &RestoreContent{
			BoardSettings: BoardSettings{Title: "Old", AspectRatio: "1:1", DefaultShotDuration: 2},
			Shots: []Shot{
				{ID: "s1", Position: "a1", Duration: 1, AspectRatio: "1:1", Status: "draft"},
				{ID: "s1", Position: "a2", Duration: 1, AspectRatio: "1:1", Status: "draft"},
			},
		}}, code: shotline.EINVALID},
		{name: "restore by a commenter", actor: "rev", op: VersionRestore{VersionID: "v1", Content: &RestoreContent{}}, code: shotline.EFORBIDDEN},

		{name: "no op", actor: "ed", op: nil, code: shotline.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newTestState(t)
			for _, o := range c.setup {
				apply(t, s, "owner", o)
			}
			before := s.Clone()
			applied, err := s.Apply(c.actor, testRoles[c.actor], testAuthz{}, c.op, s.Seq)
			if got := shotline.ErrorCode(err); got != c.code {
				t.Fatalf("Apply: %v, want code %q", err, c.code)
			}
			if c.code != "" {
				// A failing op changes nothing at all.
				if applied != nil {
					t.Fatalf("a failing op returned %#v", applied)
				}
				if !reflect.DeepEqual(before, s) {
					t.Fatalf("a failing op changed the state:\nbefore %+v\nafter  %+v", before, s)
				}
				return
			}
			if s.Seq != before.Seq+1 {
				t.Fatalf("seq %d, want %d", s.Seq, before.Seq+1)
			}
			if applied == nil || applied.Kind() != c.op.Kind() {
				t.Fatalf("applied %#v for %#v", applied, c.op)
			}
			if c.check != nil {
				c.check(t, s, applied)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestFromBoardAndSnapshot(t *testing.T) {
	b := &shotline.Board{ID: "b1", Title: "B", AspectRatio: "16:9", DefaultShotDuration: 3, Seq: 42,
		Shots: []shotline.Shot{
			{ID: "z", Position: "a1", Duration: 3, AspectRatio: "16:9", Status: "draft"},
			{ID: "y", Position: "a1", Duration: 3, AspectRatio: "16:9", Status: "draft"},
			{ID: "x", Position: "a0", Prompt: "p", Duration: 3, AspectRatio: "16:9", Status: "draft"},
		}}
	s, err := FromBoard(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Seq != 42 || s.ID != "b1" || s.Settings.Title != "B" {
		t.Fatalf("%+v", s)
	}
	snap := s.Snapshot()
	if got, want := shotIDs(s), []string{"x", "y", "z"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v (position, then id)", got, want)
	}
	if string(snap.Shots[0].Settings) != "{}" || snap.Comments == nil {
		t.Fatalf("snapshot lists and settings must not be null: %+v", snap)
	}
	// The snapshot is a copy.
	snap.Shots[0].Settings[0] = 'X'
	if string(s.Shots["x"].Settings) != "{}" {
		t.Fatal("Snapshot shares memory with the state")
	}
	back, err := FromSnapshot(s.Snapshot(), s.Seq)
	if err != nil || !reflect.DeepEqual(back.Snapshot(), s.Snapshot()) {
		t.Fatalf("FromSnapshot(Snapshot()) differs: %v", err)
	}
}

func TestFromBoardRepairsMissingPositions(t *testing.T) {
	b := &shotline.Board{ID: "b1", Title: "B", AspectRatio: "16:9", DefaultShotDuration: 3,
		Shots: []shotline.Shot{{ID: "first", Position: ""}, {ID: "second", Position: "a0"}, {ID: "third", Position: "bad!"}}}
	s, err := FromBoard(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := shotIDs(s), []string{"first", "second", "third"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want the stored order %v", got, want)
	}
	for _, sh := range s.Shots {
		if ValidateKey(sh.Position) != nil {
			t.Fatalf("shot %s has position %q", sh.ID, sh.Position)
		}
	}
}

func TestFromSnapshotRejectsDuplicateIDs(t *testing.T) {
	if _, err := FromSnapshot(BoardSnapshot{Shots: []Shot{{ID: "a"}, {ID: "a"}}}, 0); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Fatalf("shots: got %v, want EINVALID", err)
	}
	if _, err := FromSnapshot(BoardSnapshot{Comments: []Comment{{ID: "a"}, {ID: "a"}}}, 0); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Fatalf("comments: got %v, want EINVALID", err)
	}
}

func TestApplyNeedsActorAndAuthorizer(t *testing.T) {
	s := newTestState(t)
	if _, err := s.Apply("", shotline.RoleOwner, testAuthz{}, ShotDelete{ShotID: "s1"}, s.Seq); shotline.ErrorCode(err) != shotline.EINTERNAL {
		t.Fatalf("no actor: %v", err)
	}
	if _, err := s.Apply("owner", shotline.RoleOwner, nil, ShotDelete{ShotID: "s1"}, s.Seq); shotline.ErrorCode(err) != shotline.EINTERNAL {
		t.Fatalf("no authorizer: %v", err)
	}
}

// benchState is a board of 200 shots with 2,000-character prompts.
func benchState(b *testing.B) *BoardState {
	b.Helper()
	keys, _ := GenerateNKeysBetween("", "", 200)
	snap := BoardSnapshot{ID: "b", BoardSettings: BoardSettings{Title: "B", AspectRatio: "16:9", DefaultShotDuration: 3}}
	for i, k := range keys {
		snap.Shots = append(snap.Shots, Shot{ID: "s" + strconv.Itoa(i), Position: k, Prompt: strings.Repeat("a wide shot ", 170),
			Duration: 3, AspectRatio: "16:9", Status: "draft", Settings: json.RawMessage("{}")})
	}
	s, err := FromSnapshot(snap, 0)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkApplyShotSet(b *testing.B) {
	s := benchState(b)
	o := ShotSet{ShotID: "s100", Field: ShotTitle, Value: json.RawMessage(`"Close-up on the hands"`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Apply("ed", shotline.RoleEditor, testAuthz{}, o, s.Seq); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyTextEdit types one character into a 2,000-character prompt,
// based three ops back, so each edit is transformed past two others.
func BenchmarkApplyTextEdit(b *testing.B) {
	s := benchState(b)
	b.ReportAllocs()
	for b.Loop() {
		n := utf8.RuneCountInString(s.Shots["s100"].Prompt)
		base := max(0, s.Seq-2)
		// Made against the text at base, up to two inserts shorter.
		n -= int(s.Seq - base)
		o := TextEdit{ShotID: "s100", Field: TextPrompt, TextOp: TextOp{{Retain: n / 2}, {Insert: "x"}, {Retain: n - n/2}}}
		if _, err := s.Apply("ed", shotline.RoleEditor, testAuthz{}, o, base); err != nil {
			b.Fatal(err)
		}
		if s.Seq%5000 == 0 { // keep the prompt under the limit
			b.StopTimer()
			s = benchState(b)
			b.StartTimer()
		}
	}
}

// Backfill lets a text edit based before the load be transformed, and only
// accepts ops that end exactly where the history begins.
func TestBackfillExtendsTheTextHistory(t *testing.T) {
	s := newTestState(t) // loaded at seq 10; s1's prompt "hello" was "hell" at seq 8
	late := TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: TextOp{{Insert: ">"}, {Retain: 4}}}
	if _, err := s.Apply("ed", testRoles["ed"], testAuthz{}, late, 8); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("edit based before the load, no backfill: %v, want ECONFLICT", err)
	}
	o := TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: TextOp{{Retain: 4}, {Insert: "o"}}}
	ops := []AppliedOp{
		{Seq: 9, OpID: "x9", Actor: "ed", Op: o},
		{Seq: 10, OpID: "x10", Actor: "ed", Op: BoardSet{Field: BoardTitle, Value: raw(t, "Board")}},
	}
	if s.Backfill(7, ops[1:]) || s.Backfill(8, ops[:1]) {
		t.Fatal("Backfill took ops that do not end at the load's seq")
	}
	if !s.Backfill(8, ops) {
		t.Fatal("Backfill refused the ops between 8 and the load")
	}
	if _, err := s.Apply("ed", testRoles["ed"], testAuthz{}, late, 8); err != nil {
		t.Fatalf("edit based at 8 after the backfill: %v", err)
	}
	if got := s.Shots["s1"].Prompt; got != ">hello" {
		t.Fatalf("prompt %q, want \">hello\"", got)
	}
	if _, err := s.Apply("ed", testRoles["ed"], testAuthz{}, late, 7); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("edit based below the backfill: %v, want ECONFLICT", err)
	}
}
