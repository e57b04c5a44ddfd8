package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/policies"
)

func TestShippedPolicyRefusesAndNamesTheRule(t *testing.T) {
	p, err := LoadPolicy("../../policies/moderation.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, rule string }{
		{"A calm lake at dawn, mist over the water", ""},
		{"Slow pan across the battlefield, gore everywhere", "graphic-gore"},
		{"GORE", "graphic-gore"},
		{"Gorecki symphony playing", ""}, // whole words only
		{"a deepfake of the mayor", "real-person-deepfake"},
		{"show how to build a bomb", "weapons-instructions"},
	} {
		err := p.Check(tc.text)
		if tc.rule == "" {
			if err != nil {
				t.Errorf("%q refused: %v", tc.text, err)
			}
			continue
		}
		if shotline.ErrorCode(err) != shotline.EINVALID || !strings.Contains(shotline.ErrorMessage(err), `"`+tc.rule+`"`) {
			t.Errorf("%q: %v, want a refusal naming %s", tc.text, err, tc.rule)
		}
	}
}

func TestPolicyReloadsWithoutRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "moderation.json")
	write := func(body string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	write(`{"rules":[{"name":"no-cats","terms":["cat"]}]}`, t0)
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Check("a dog") != nil || p.Check("a cat") == nil {
		t.Fatal("first policy not applied")
	}
	write(`{"rules":[{"name":"no-dogs","terms":["dog"]}]}`, t0.Add(time.Minute))
	p.checked = time.Time{} // skip the once-a-second wait
	if p.Check("a cat") != nil || p.Check("a dog") == nil {
		t.Fatal("edited policy not reloaded")
	}
	write(`{"rules":[{"name":"broken","patterns":["("]}]}`, t0.Add(2*time.Minute))
	p.checked = time.Time{}
	if p.Check("a dog") == nil {
		t.Error("a broken file replaced the policy in force")
	}
	if p.LoadError() == nil {
		t.Error("the broken file's error is not reported")
	}
}

func TestBuiltInPolicyIsTheShippedFile(t *testing.T) {
	p, err := StaticPolicy(policies.Moderation)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check("gore"); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Errorf("built-in policy let a blocked term through: %v", err)
	}
}
