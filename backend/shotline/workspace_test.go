package shotline_test

import (
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

func newWorkspace(t *testing.T, members ...shotline.Member) *shotline.Workspace {
	t.Helper()
	return &shotline.Workspace{ID: "w", Name: "W", Members: members}
}

func TestLastOwnerIsKept(t *testing.T) {
	now := time.Now()
	w := newWorkspace(t, shotline.Member{UserID: "a", Role: shotline.RoleOwner})
	if err := w.SetRole("a", shotline.RoleAdmin); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("demoting the last owner: got %v, want ECONFLICT", err)
	}
	if err := w.RemoveMember("a"); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("removing the last owner: got %v, want ECONFLICT", err)
	}
	if err := w.AddMember("b", shotline.RoleOwner, now); err != nil {
		t.Fatal(err)
	}
	if err := w.SetRole("a", shotline.RoleViewer); err != nil {
		t.Fatalf("demoting one of two owners: %v", err)
	}
	if err := w.RemoveMember("b"); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("removing the new last owner: got %v, want ECONFLICT", err)
	}
	if got, _ := w.RoleOf("a"); got != shotline.RoleViewer {
		t.Errorf("role of a = %s", got)
	}
}

func TestMembersAndInvites(t *testing.T) {
	now := time.Now()
	w := newWorkspace(t, shotline.Member{UserID: "a", Role: shotline.RoleOwner})
	tests := []struct {
		name string
		do   func() error
		code string
	}{
		{"add member", func() error { return w.AddMember("b", shotline.RoleEditor, now) }, ""},
		{"add member twice", func() error { return w.AddMember("b", shotline.RoleViewer, now) }, shotline.ECONFLICT},
		{"unknown role", func() error { return w.AddMember("c", "god", now) }, shotline.EINVALID},
		{"set role of stranger", func() error { return w.SetRole("zz", shotline.RoleViewer) }, shotline.ENOTFOUND},
		{"remove stranger", func() error { return w.RemoveMember("zz") }, shotline.ENOTFOUND},
		{"invite", func() error { return w.AddInvite(shotline.Invite{Email: "x@y.z", Role: shotline.RoleViewer}) }, ""},
		{"invite twice", func() error { return w.AddInvite(shotline.Invite{Email: "x@y.z", Role: shotline.RoleEditor}) }, shotline.ECONFLICT},
		{"remove missing invite", func() error { return w.RemoveInvite("q@y.z") }, shotline.ENOTFOUND},
	}
	for _, tt := range tests {
		if got := shotline.ErrorCode(tt.do()); got != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.code)
		}
	}
	if !w.AcceptInvite("x@y.z", "x", now) {
		t.Fatal("invite not accepted")
	}
	if got, ok := w.RoleOf("x"); !ok || got != shotline.RoleViewer {
		t.Errorf("after accepting: role %q, member %v", got, ok)
	}
	if len(w.Invites) != 0 || w.AcceptInvite("x@y.z", "x", now) {
		t.Error("invite still there after accepting")
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"email ok", second(shotline.NormalizeEmail(" Ann@Example.COM ")), true},
		{"email with name", second(shotline.NormalizeEmail("Ann <ann@example.com>")), false},
		{"email garbage", second(shotline.NormalizeEmail("ann")), false},
		{"short password", shotline.ValidatePassword("short", "a@b.c"), false},
		{"password is email", shotline.ValidatePassword("ann@example.com", "ann@example.com"), false},
		{"good password", shotline.ValidatePassword("a long enough one", "a@b.c"), true},
		{"empty name", second(shotline.ValidateName("name", "   ", 10)), false},
		{"long name", second(shotline.ValidateName("name", "abcdefghijk", 10)), false},
		{"aspect ok", shotline.ValidateAspectRatio("2.39:1"), true},
		{"aspect bad", shotline.ValidateAspectRatio("3:2"), false},
		{"duration ok", shotline.ValidateDuration("d", 0.5), true},
		{"duration zero", shotline.ValidateDuration("d", 0), false},
		{"duration long", shotline.ValidateDuration("d", 61), false},
	}
	for _, tt := range tests {
		if got := tt.err == nil; got != tt.ok {
			t.Errorf("%s: ok=%v (%v), want %v", tt.name, got, tt.err, tt.ok)
		} else if !tt.ok && shotline.ErrorCode(tt.err) != shotline.EINVALID {
			t.Errorf("%s: code %s, want EINVALID", tt.name, shotline.ErrorCode(tt.err))
		}
	}
}

func second(_ string, err error) error { return err }
