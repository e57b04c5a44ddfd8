package http_test

import (
	"context"
	"io"
	nethttp "net/http"
	"strings"
	"testing"

	shttp "github.com/shotline/shotline/backend/http"
)

func TestMetrics(t *testing.T) {
	s := newServer(t, shttp.Config{MetricsToken: "scrape-secret"})
	base := s.serve(t)
	owner := s.signUp(t, "Owner")
	_, board := boardFor(t, owner)
	insertShotAs(t, s, board, owner.userID(), "shot1", "a0", "A lake")
	conn, _, err := dial(t, base, owner, board, base)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "join", "protocol": 1, "boardId": board}); err != nil {
		t.Fatal(err)
	}
	readType(t, conn, "snapshot")
	owner.do("POST", "/api/boards/"+board+"/shots/shot1/renders", map[string]any{}).must(t, 201)
	owner.do("POST", "/api/boards/"+board+"/shots/shot1/renders", map[string]any{}).must(t, 201)
	if ran, err := s.worker.RunOne(context.Background()); !ran || err != nil {
		t.Fatal(ran, err)
	}

	get := func(auth string) (int, string) {
		req, _ := nethttp.NewRequest("GET", base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, _ := get(""); status != 401 {
		t.Errorf("/metrics without the token: %d, want 401", status)
	}
	if status, _ := get("Bearer wrong"); status != 401 {
		t.Errorf("/metrics with a wrong token: %d, want 401", status)
	}
	status, body := get("Bearer scrape-secret")
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		"shotline_realtime_sockets 1",
		"shotline_realtime_rooms 1",
		`shotline_render_queue_depth{state="queued"} 1`,
		`shotline_render_queue_depth{state="running"} 0`,
		`shotline_render_runs_total{outcome="succeeded",provider="animatic"} 1`,
		`shotline_render_job_duration_seconds_count{outcome="succeeded",provider="animatic"} 1`,
		"shotline_realtime_slow_client_closes_total 0",
		"shotline_realtime_commit_seconds_count",
		"shotline_realtime_ops_stored_total",
		"shotline_object_store_bytes ",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
