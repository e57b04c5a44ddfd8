package http_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
)

// TestOpenAPIMatchesRoutes checks the served document against the routes the
// app really has, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newServer(t, shttp.Config{})
	r := s.client(t).do("GET", "/api/openapi.json", nil).must(t, 200)
	doc := r.JSON()
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	inDoc := map[string]bool{}
	for path, ops := range paths {
		for method := range ops.(map[string]any) {
			inDoc[strings.ToUpper(method)+" "+path] = true
		}
	}
	declared := map[string]bool{}
	for _, rt := range s.Routes() {
		key := rt.Method + " " + rt.Path
		declared[key] = true
		if !inDoc[key] {
			t.Errorf("route %s is missing from the OpenAPI document", key)
		}
	}
	for key := range inDoc {
		if !declared[key] {
			t.Errorf("the OpenAPI document has %s, which is not a declared route", key)
		}
	}
	// Every route Fiber really serves under /api is declared (nobody added a
	// raw handler that skips authorization), except the document itself and
	// the WebSocket endpoint (OpenAPI cannot describe it; docs/protocol.md
	// does, and live_test.go checks its authorization).
	for _, fr := range s.App().GetRoutes(true) {
		if !strings.HasPrefix(fr.Path, "/api/") || fr.Method == "HEAD" || fr.Path == "/api/*" || fr.Path == shttp.LivePath ||
			strings.HasPrefix(fr.Path, "/api/openapi") || strings.HasPrefix(fr.Path, "/api/docs") || strings.HasPrefix(fr.Path, "/api/schemas") {
			continue
		}
		key := fr.Method + " " + strings.NewReplacer(":workspaceId", "{workspaceId}", ":projectId", "{projectId}", ":boardId", "{boardId}", ":userId", "{userId}", ":email", "{email}", ":versionId", "{versionId}", ":linkId", "{linkId}", ":commentId", "{commentId}").Replace(fr.Path)
		if !declared[key] {
			t.Errorf("Fiber serves %s, which is not a declared route", key)
		}
	}
	if len(declared) < 25 {
		t.Errorf("only %d routes declared", len(declared))
	}
}

func TestReadiness(t *testing.T) {
	healthy := newServer(t, shttp.Config{Ready: func(ctx context.Context) map[string]error {
		return map[string]error{"mongodb": nil, "objectStore": nil}
	}})
	healthy.client(t).do("GET", "/readyz", nil).must(t, 200)
	sick := newServer(t, shttp.Config{Ready: func(ctx context.Context) map[string]error {
		return map[string]error{"mongodb": nil, "objectStore": errors.New("connection refused to secret-host:9000")}
	}})
	r := sick.client(t).do("GET", "/readyz", nil).must(t, 503)
	if checks := r.JSON()["checks"].(map[string]any); checks["objectStore"] != "unavailable" || checks["mongodb"] != "ok" {
		t.Errorf("checks = %v", checks)
	}
	if strings.Contains(string(r.Body), "secret-host") {
		t.Errorf("readiness leaks the cause: %s", r.Body)
	}
	sick.client(t).do("GET", "/healthz", nil).must(t, 200)
}
