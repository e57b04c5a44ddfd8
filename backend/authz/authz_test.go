package authz_test

import (
	"testing"

	"github.com/shotline/shotline/backend/authz"
	"github.com/shotline/shotline/backend/shotline"
)

func TestRoleMatrix(t *testing.T) {
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		perm   shotline.Permission
		lowest shotline.Role // the least powerful role that holds perm
	}{
		{shotline.PermWorkspaceRead, shotline.RoleViewer},
		{shotline.PermBoardRead, shotline.RoleViewer},
		{shotline.PermWorkspaceLeave, shotline.RoleViewer},
		{"comment:create", shotline.RoleCommenter},
		{shotline.PermBoardUpdate, shotline.RoleEditor},
		{shotline.PermProjectCreate, shotline.RoleEditor},
		{shotline.PermMemberInvite, shotline.RoleAdmin},
		{shotline.PermProjectDelete, shotline.RoleAdmin},
		{shotline.PermWorkspaceDelete, shotline.RoleOwner},
		{shotline.PermMemberOwners, shotline.RoleOwner},
	}
	for _, tt := range tests {
		t.Run(string(tt.perm), func(t *testing.T) {
			holds := true // roles are listed from most to least powerful
			for _, role := range shotline.Roles {
				if got := en.Allowed(role, tt.perm); got != holds {
					t.Errorf("Allowed(%s, %s) = %v, want %v", role, tt.perm, got, holds)
				}
				if role == tt.lowest {
					holds = false
				}
			}
		})
	}
}

func TestUnknownRoleAndPermission(t *testing.T) {
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	if en.Allowed("superuser", shotline.PermBoardRead) {
		t.Error("an unknown role was allowed")
	}
	if en.Allowed(shotline.RoleOwner, "board:fly") {
		t.Error("an unknown action was allowed")
	}
	if en.Allowed(shotline.RoleOwner, "board") {
		t.Error("a permission without action was allowed")
	}
}

func TestPermissionsInherit(t *testing.T) {
	en, err := authz.New()
	if err != nil {
		t.Fatal(err)
	}
	viewer, owner := en.Permissions(shotline.RoleViewer), en.Permissions(shotline.RoleOwner)
	if len(viewer) == 0 || len(owner) <= len(viewer) {
		t.Fatalf("viewer has %d permissions, owner %d", len(viewer), len(owner))
	}
	for _, p := range viewer {
		if !en.Allowed(shotline.RoleOwner, p) {
			t.Errorf("owner lacks viewer permission %s", p)
		}
	}
	if got, want := len(en.AllPermissions()), len(owner); got != want {
		t.Errorf("AllPermissions has %d, owner %d: owner should hold everything", got, want)
	}
}

func BenchmarkAllowed(b *testing.B) {
	en, err := authz.New()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		en.Allowed(shotline.RoleEditor, shotline.PermBoardUpdate)
	}
}
