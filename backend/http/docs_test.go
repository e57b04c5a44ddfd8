package http_test

import (
	"regexp"
	"strings"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
)

// TestDocsNeedNoInternet checks that the API reference loads everything
// from the app itself: no script, style or connection to another origin,
// in the page or in its Content-Security-Policy.
func TestDocsNeedNoInternet(t *testing.T) {
	s := newServer(t, shttp.Config{})
	r := s.client(t).do("GET", "/api/docs", nil).must(t, 200)
	page := string(r.Body)
	for _, want := range []string{`src="/api-docs/swagger-ui-bundle.js"`, `src="/api-docs/init.js"`, `href="/api-docs/swagger-ui.css"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the docs page lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(?:src|href)="(?:https?:)?//[^"]*"`).FindString(page); m != "" {
		t.Errorf("the docs page loads %s from another origin", m)
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'self';") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy = %q, want same-origin only", csp)
	}
}
