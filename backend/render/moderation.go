package render

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Policy is the content policy prompts pass before they are queued. It is
// read from a JSON file that the operator edits; Check reloads it when the
// file changed (looked at most once per second), so no restart is needed.
// A file that does not parse keeps the last good policy in force.
type Policy struct {
	path string

	mu      sync.Mutex
	rules   []rule
	modTime time.Time
	checked time.Time
	loadErr error
}

type rule struct {
	name, message string
	res           []*regexp.Regexp
}

type policyFile struct {
	Rules []struct {
		Name     string   `json:"name"`
		Message  string   `json:"message"`
		Terms    []string `json:"terms"`
		Patterns []string `json:"patterns"`
	} `json:"rules"`
}

// LoadPolicy reads the policy at path; it fails if the file is missing or
// invalid, so a server does not start without its policy.
func LoadPolicy(path string) (*Policy, error) {
	p := &Policy{path: path}
	if err := p.reload(true); err != nil {
		return nil, err
	}
	return p, nil
}

// StaticPolicy is a policy from data that never reloads (the copy
// embedded in the binary, when no file is deployed).
func StaticPolicy(data []byte) (*Policy, error) {
	rules, err := parsePolicy(data)
	if err != nil {
		return nil, err
	}
	return &Policy{rules: rules, checked: time.Now().Add(100 * 365 * 24 * time.Hour)}, nil
}

// parsePolicy parses a policy file's content.
func parsePolicy(data []byte) ([]rule, error) {
	var f policyFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse moderation policy: %w", err)
	}
	var out []rule
	for _, r := range f.Rules {
		if r.Name == "" {
			return nil, fmt.Errorf("moderation policy: a rule has no name")
		}
		ru := rule{name: r.Name, message: r.Message}
		for _, t := range r.Terms {
			ru.res = append(ru.res, regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(strings.TrimSpace(t))+`\b`))
		}
		for _, pat := range r.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("moderation policy: rule %s: %w", r.Name, err)
			}
			ru.res = append(ru.res, re)
		}
		out = append(out, ru)
	}
	return out, nil
}

func (p *Policy) reload(force bool) error {
	st, err := os.Stat(p.path)
	if err != nil {
		return fmt.Errorf("moderation policy: %w", err)
	}
	if !force && st.ModTime().Equal(p.modTime) {
		return nil
	}
	data, err := os.ReadFile(p.path)
	if err != nil {
		return fmt.Errorf("moderation policy: %w", err)
	}
	rules, err := parsePolicy(data)
	if err != nil {
		return err
	}
	p.rules, p.modTime = rules, st.ModTime()
	return nil
}

// Check returns EINVALID naming the first rule that text breaks, nil if it
// breaks none.
func (p *Policy) Check(text string) error {
	p.mu.Lock()
	if time.Since(p.checked) > time.Second {
		p.checked = time.Now()
		p.loadErr = p.reload(false)
	}
	rules := p.rules
	p.mu.Unlock()
	for _, r := range rules {
		for _, re := range r.res {
			if re.MatchString(text) {
				msg := r.message
				if msg == "" {
					msg = "The prompt breaks the workspace's content policy."
				}
				return &shotline.Error{Code: shotline.EINVALID, Message: fmt.Sprintf("Refused by content policy rule %q: %s", r.name, msg),
					Details: []shotline.FieldError{{Field: "prompt", Message: "policy:" + r.name}}}
			}
		}
	}
	return nil
}

// LoadError is the error of the last reload, nil if the file in force is
// the one on disk.
func (p *Policy) LoadError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.loadErr
}
