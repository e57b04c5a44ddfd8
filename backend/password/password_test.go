package password_test

import (
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/password"
)

func TestHashVerify(t *testing.T) {
	h := password.Hasher{Memory: 1024, Time: 1, Threads: 1} // cheap for tests
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	enc2, _ := h.Hash("correct horse battery")
	if enc == enc2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	if ok, err := h.Verify("correct horse battery", enc); err != nil || !ok {
		t.Errorf("Verify(right) = %v, %v", ok, err)
	}
	if ok, err := h.Verify("correct horse batterY", enc); err != nil || ok {
		t.Errorf("Verify(wrong) = %v, %v", ok, err)
	}
	// Parameters come from the hash, not the hasher.
	if ok, err := password.Default.Verify("correct horse battery", enc); err != nil || !ok {
		t.Errorf("Verify with other settings = %v, %v", ok, err)
	}
}

func TestVerifyRejectsGarbage(t *testing.T) {
	for _, enc := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=18$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=1$!!$AAAA"} {
		if ok, err := password.Default.Verify("x", enc); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want false and an error", enc, ok, err)
		}
	}
}
