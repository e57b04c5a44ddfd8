package http_test

import (
	"encoding/json"
	"io"
	nethttp "net/http"
	"strings"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/shotline"
)

func TestBadInput(t *testing.T) {
	s := newServer(t, shttp.Config{BodyLimit: 64 << 10})
	st := newSetup(t, s)
	o := st.owner
	board := "/api/boards/" + st.board
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"malformed JSON", "PATCH", board, `{"title": "x"`, 400, shotline.EINVALID},
		{"not an object", "PATCH", board, `[1,2,3]`, 422, shotline.EINVALID},
		{"wrong type", "PATCH", board, `{"title": 42}`, 422, shotline.EINVALID},
		{"wrong type number", "PATCH", board, `{"defaultShotDuration": "long"}`, 422, shotline.EINVALID},
		{"unknown field", "PATCH", board, `{"title": "x", "owner": "me"}`, 422, shotline.EINVALID},
		{"out of range", "PATCH", board, `{"defaultShotDuration": 0}`, 422, shotline.EINVALID},
		{"bad enum", "PATCH", board, `{"aspectRatio": "3:2"}`, 422, shotline.EINVALID},
		{"blank title", "PATCH", board, `{"title": "   "}`, 422, shotline.EINVALID},
		{"title too long", "PATCH", board, map[string]any{"title": strings.Repeat("x", 201)}, 422, shotline.EINVALID},
		{"missing required", "POST", "/api/workspaces", `{}`, 422, shotline.EINVALID},
		{"bad role", "POST", "/api/workspaces/" + st.workspace + "/members", `{"email": "a@b.co", "role": "god"}`, 422, shotline.EINVALID},
		{"bad email", "POST", "/api/workspaces/" + st.workspace + "/members", `{"email": "not-an-email", "role": "viewer"}`, 422, shotline.EINVALID},
		{"nested 200 levels", "PATCH", board, `{"title": "x", "x": ` + nested(200) + `}`, 422, shotline.EINVALID},
		{"nested 1,300 levels", "POST", "/api/workspaces", `{"name": "x", "x": ` + nested(1300) + `}`, 422, shotline.EINVALID},
		{"unknown route", "GET", "/api/nothing-here", nil, 404, shotline.ENOTFOUND},
		{"unknown id", "GET", "/api/boards/nope", nil, 404, shotline.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := o.do(tt.method, tt.path, tt.body)
			r.wantError(t, tt.status, tt.code)
			// Refused for its depth before decoding, not for the unknown field.
			if strings.HasPrefix(tt.name, "nested") && !strings.Contains(r.Str("message"), "levels deep") {
				t.Fatalf("refused with %s, want the nesting named", r.Body)
			}
		})
	}
	// Nothing above changed the board.
	b := o.do("GET", board, nil).must(t, 200).JSON()
	if b["title"] != "Opening" || b["description"] != "" || b["aspectRatio"] != "16:9" {
		t.Errorf("board changed by bad input: %v", b)
	}
}

// nested returns a JSON object nested levels deep: {"a":{"a":…{}…}}.
func nested(levels int) string {
	return strings.Repeat(`{"a":`, levels-1) + "{}" + strings.Repeat("}", levels-1)
}

// TestOversizedBody goes over a real socket: Fiber refuses the body while
// reading it, before any handler runs.
func TestOversizedBody(t *testing.T) {
	s := newServer(t, shttp.Config{BodyLimit: 64 << 10})
	st := newSetup(t, s)
	base := s.serve(t)
	for _, size := range []int{100 << 10, 8 << 20} {
		body := `{"description": "` + strings.Repeat("x", size) + `"}`
		req, _ := nethttp.NewRequest("PATCH", base+"/api/boards/"+st.board, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", st.owner.csrf)
		for _, c := range st.owner.cookies {
			req.AddCookie(c)
		}
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil && size > 1<<20 {
			// Far over the limit the server may close before the client has
			// sent everything; the client then sees a reset instead of the 413.
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := &response{Status: resp.StatusCode, Body: data}
		r.wantError(t, 413, shotline.ETOOLARGE)
	}
	if got := st.owner.do("GET", "/api/boards/"+st.board, nil).must(t, 200).Str("description"); got != "" {
		t.Errorf("description = %d bytes after refused bodies", len(got))
	}
}

func TestValidationDetailsNameTheField(t *testing.T) {
	s := newServer(t, shttp.Config{})
	st := newSetup(t, s)
	r := st.owner.do("PATCH", "/api/boards/"+st.board, `{"defaultShotDuration": "long"}`)
	var e struct {
		Details []struct{ Field string } `json:"details"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil || len(e.Details) == 0 || !strings.Contains(e.Details[0].Field, "defaultShotDuration") {
		t.Errorf("details do not name the field: %s", r.Body)
	}
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	s := newServer(t, shttp.Config{})
	c := s.client(t)
	c.header.Set("X-Request-ID", "trace-123")
	r := c.do("GET", "/healthz", nil).must(t, 200)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
		"X-Request-Id":           "trace-123",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP = %q", r.Header.Get("Content-Security-Policy"))
	}
	c.header.Set("X-Request-ID", "bad id with spaces\u2028")
	if got := c.do("GET", "/healthz", nil).Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("an unsafe request id was echoed: %q", got)
	}
}
