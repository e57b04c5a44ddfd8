package board

import (
	"testing"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/policies"
)

// realtimePermissions are the permissions the room checks.
var realtimePermissions = []shotline.Permission{shotline.PermBoardRead, shotline.PermBoardUpdate,
	shotline.PermCommentCreate, shotline.PermCommentResolve, shotline.PermCommentModerate, shotline.PermReviewSet}

// TestPolicyMatchesTestAuthorizer checks that the Casbin policy answers
// every realtime permission question the way the tests' authorizer does,
// for every member role: the state tests' assumptions are the policy's.
func TestPolicyMatchesTestAuthorizer(t *testing.T) {
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range realtimePermissions {
		for _, role := range shotline.Roles {
			if got, want := en.Allowed(role, p), (testAuthz{}).Allowed(role, p); got != want {
				t.Errorf("policy: Allowed(%s, %s) = %v, the tests assume %v", role, p, got, want)
			}
		}
	}
}

// TestSocketOpMatrix sends every op kind as every policy subject (member
// roles and share link subjects) through the real policy, and checks the
// answer against the reviewed matrix: allowed exactly when the subject
// holds the op's permission. A kind missing here fails the test.
func TestSocketOpMatrix(t *testing.T) {
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	matrix := policies.Grid() // subject → permission → allowed (policies/matrix.golden)
	const actor = "actor"
	cases := map[OpKind]struct {
		op   Op
		perm shotline.Permission
	}{
		KindShotInsert:     {ShotInsert{ShotID: "n1", Position: "a3", Shot: ShotFields{Title: "New"}}, shotline.PermBoardUpdate},
		KindShotMove:       {ShotMove{ShotID: "s1", Position: "a5"}, shotline.PermBoardUpdate},
		KindShotDuplicate:  {ShotDuplicate{ShotID: "s1", NewShotID: "d1", Position: "a4"}, shotline.PermBoardUpdate},
		KindShotDelete:     {ShotDelete{ShotID: "s2"}, shotline.PermBoardUpdate},
		KindShotSet:        {ShotSet{ShotID: "s1", Field: ShotTitle, Value: raw(t, "T")}, shotline.PermBoardUpdate},
		KindTextEdit:       {TextEdit{ShotID: "s1", Field: TextPrompt, TextOp: op(t, "Oh, ", 5)}, shotline.PermBoardUpdate},
		KindBoardSet:       {BoardSet{Field: BoardTitle, Value: raw(t, "B")}, shotline.PermBoardUpdate},
		KindCommentAdd:     {CommentAdd{CommentID: "n1", ShotID: "s1", Body: "Hi"}, shotline.PermCommentCreate},
		KindCommentEdit:    {CommentEdit{CommentID: "mine", Body: "Edited"}, shotline.PermCommentCreate},
		KindCommentDelete:  {CommentDelete{CommentID: "c1"}, shotline.PermCommentModerate}, // someone else's
		KindCommentResolve: {CommentResolve{CommentID: "c1"}, shotline.PermCommentResolve},
		KindCommentReopen:  {CommentReopen{CommentID: "done"}, shotline.PermCommentResolve},
		KindShotReview:     {ShotReviewOp{ShotID: "s1", Status: ReviewApproved}, shotline.PermReviewSet},
	}
	// version.restore needs a stored version: the room loads it, and the
	// REST matrix (backend/http) checks its permission, board:update.
	for _, k := range OpKinds() {
		if _, ok := cases[k]; !ok && k != KindVersionRestore {
			t.Errorf("op kind %s is not in the socket matrix", k)
		}
	}
	for kind, c := range cases {
		for _, subject := range authz.Subjects() {
			s := newTestState(t)
			s.Comments["mine"] = Comment{ID: "mine", ShotID: "s1", AuthorID: actor, Body: "Mine", CreatedSeq: 6}
			s.Comments["done"] = Comment{ID: "done", ShotID: "s2", AuthorID: "rev", Body: "Done", CreatedSeq: 7, Resolved: true, ResolvedBy: "ed"}
			_, err := s.Apply(actor, subject, en, c.op, s.Seq)
			want, ok := matrix[string(subject)][string(c.perm)]
			if !ok {
				t.Fatalf("the matrix has no %s × %s", subject, c.perm)
			}
			switch {
			case want && err != nil:
				t.Errorf("%s as %s: refused (%v), the matrix allows %s", kind, subject, err, c.perm)
			case !want && shotline.ErrorCode(err) != shotline.EFORBIDDEN:
				t.Errorf("%s as %s: got %v, want EFORBIDDEN (the matrix refuses %s)", kind, subject, err, c.perm)
			}
		}
	}
}
