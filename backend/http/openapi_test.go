package http_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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
	// The WebSocket endpoint is documented but registered by hand (its
	// checks happen before the upgrade: live_test.go).
	declared["GET "+strings.ReplaceAll(shttp.LivePath, ":boardId", "{boardId}")] = true
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
		key := fr.Method + " " + fiberParam.ReplaceAllString(fr.Path, "{$1}")
		if !declared[key] {
			t.Errorf("Fiber serves %s, which is not a declared route", key)
		}
	}
	if len(declared) < 25 {
		t.Errorf("only %d routes declared", len(declared))
	}
}

// TestOpenAPIDocumentIsValid validates the served document with
// kin-openapi, a maintained OpenAPI 3.1 validator: its structure, its
// schemas and examples, and that every operation declares each variable of
// its path. It also checks what the document must say for a client written
// from it alone: the CSRF header on cookie-authenticated writes, and the
// WebSocket endpoint.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := newServer(t, shttp.Config{})
	body := s.client(t).do("GET", "/api/openapi.json", nil).must(t, 200).Body
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the OpenAPI document is invalid:\n%v", err)
	}
	live := doc.Paths.Find("/api/boards/{boardId}/live")
	if live == nil || live.Get == nil {
		t.Fatal("the document lacks GET /api/boards/{boardId}/live")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			csrf := op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "X-CSRF-Token")
			needs := method != "GET" && method != "HEAD" && op.Security != nil && len(*op.Security) > 0
			if needs && (csrf == nil || !csrf.Required) {
				t.Errorf("%s %s: the required X-CSRF-Token header is not declared", method, path)
			}
			if !needs && csrf != nil {
				t.Errorf("%s %s declares X-CSRF-Token, which it does not check", method, path)
			}
		}
	}
}

// fiberParam is a path parameter as Fiber writes it (":boardId").
var fiberParam = regexp.MustCompile(`:(\w+)`)

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
