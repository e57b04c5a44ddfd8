package http_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/shotline/shotline/backend/board"
	shttp "github.com/shotline/shotline/backend/http"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
)

// insertShotAs inserts a shot through the board's room, as an editor's client does.
func insertShotAs(t *testing.T, s *testServer, boardID, userID, shotID, position, prompt string) {
	t.Helper()
	_, err := s.Hub.Apply(context.Background(), boardID, userID, shotline.RoleOwner,
		board.ShotInsert{ShotID: shotID, Position: position, Shot: board.ShotFields{Title: shotID, Prompt: prompt, Duration: 1, AspectRatio: "16:9"}})
	if err != nil {
		t.Fatal(err)
	}
}

func setPrompt(t *testing.T, s *testServer, boardID, userID, shotID, prompt string) {
	t.Helper()
	snap, seq, err := s.Hub.BoardSnapshot(context.Background(), boardID)
	if err != nil {
		t.Fatal(err)
	}
	var old string
	for _, sh := range snap.Shots {
		if sh.ID == shotID {
			old = sh.Prompt
		}
	}
	op := board.TextEdit{ShotID: shotID, Field: board.TextPrompt, BaseVersion: &seq, TextOp: board.TextOp{}.Delete(len([]rune(old))).Insert(prompt)}
	if _, err := s.Hub.Apply(context.Background(), boardID, userID, shotline.RoleOwner, op); err != nil {
		t.Fatal(err)
	}
}

// readRender waits for a render message about job in the given state.
func readRender(t *testing.T, conn *websocket.Conn, state shotline.JobState) shotline.RenderJob {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for a %s render: %v", state, err)
		}
		m, err := realtime.DecodeServerMessage(data)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := m.(realtime.RenderMessage); ok && r.Job.State == state {
			return r.Job
		}
	}
}

func TestRenderThroughTheAPIWithLiveProgress(t *testing.T) {
	s := newServer(t, shttp.Config{})
	base := s.serve(t)
	owner := s.signUp(t, "Owner")
	ws, board := boardFor(t, owner)
	uid := owner.userID()
	insertShotAs(t, s, board, uid, "shot1", "a0", "A lake at dawn")
	insertShotAs(t, s, board, uid, "shot2", "a1", "A boat")

	teammate := s.signUp(t, "Teammate")
	owner.do("POST", "/api/workspaces/"+ws+"/members", map[string]any{"email": teammate.email(), "role": "viewer"}).must(t, 201)
	conn, _, err := dial(t, base, teammate, board, base)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "join", "protocol": 1, "boardId": board}); err != nil {
		t.Fatal(err)
	}
	readType(t, conn, "snapshot")

	// The viewer may watch but not render.
	teammate.do("POST", "/api/boards/"+board+"/shots/shot1/renders", map[string]any{}).wantError(t, 403, shotline.EFORBIDDEN)
	// A policy refusal names its rule and costs nothing.
	setPrompt(t, s, board, uid, "shot2", "the gore of it")
	r := owner.do("POST", "/api/boards/"+board+"/shots/shot2/renders", map[string]any{})
	r.wantError(t, 422, shotline.EINVALID)
	if msg := r.Str("message"); !strings.Contains(msg, "graphic-gore") {
		t.Errorf("refusal %q does not name the rule", msg)
	}
	setPrompt(t, s, board, uid, "shot2", "A boat")

	job := owner.do("POST", "/api/boards/"+board+"/shots/shot1/renders", map[string]any{}).must(t, 201)
	if job.Str("state") != "queued" || job.Str("prompt") != "A lake at dawn" {
		t.Fatalf("queued job: %s", job.Body)
	}
	readRender(t, conn, shotline.JobQueued)
	if ran, err := s.worker.RunOne(context.Background()); !ran || err != nil {
		t.Fatalf("worker: %v %v", ran, err)
	}
	readRender(t, conn, shotline.JobRunning)
	done := readRender(t, conn, shotline.JobSucceeded)
	if done.Progress != 1 || done.ExpiresAt.IsZero() {
		t.Errorf("finished job: %+v", done)
	}

	// Shot 1 rendered and unchanged; shot 2 never rendered.
	changed := owner.do("POST", "/api/boards/"+board+"/renders/changed", nil).must(t, 200)
	var out struct {
		Jobs    []shotline.RenderJob `json:"jobs"`
		Refused []any                `json:"refused"`
	}
	_ = json.Unmarshal(changed.Body, &out)
	if len(out.Jobs) != 1 || out.Jobs[0].ShotID != "shot2" || len(out.Refused) != 0 {
		t.Fatalf("changed shots: %s", changed.Body)
	}
	owner.do("POST", "/api/boards/"+board+"/renders/"+out.Jobs[0].ID+"/cancel", nil).must(t, 200)

	// A second render of shot 1 with another prompt: both are in its history.
	setPrompt(t, s, board, uid, "shot1", "A lake at dusk")
	owner.do("POST", "/api/boards/"+board+"/shots/shot1/renders", map[string]any{}).must(t, 201)
	hist := owner.do("GET", "/api/boards/"+board+"/renders", nil).must(t, 200)
	var h struct {
		Shots map[string][]struct {
			Prompt string `json:"prompt"`
			State  string `json:"state"`
			URL    string `json:"url"`
		} `json:"shots"`
	}
	_ = json.Unmarshal(hist.Body, &h)
	if s1 := h.Shots["shot1"]; len(s1) != 2 || s1[0].Prompt != "A lake at dusk" || s1[1].Prompt != "A lake at dawn" || s1[1].URL == "" {
		t.Errorf("shot1's history: %+v", s1)
	}

	credits := owner.do("GET", "/api/workspaces/"+ws+"/credits", nil).must(t, 200)
	var c struct {
		Balance int64                  `json:"balance"`
		Ledger  []shotline.LedgerEntry `json:"ledger"`
	}
	_ = json.Unmarshal(credits.Body, &c)
	// 100 welcome − 1 (shot1) − 1 (shot2, refunded on cancel) + 1 − 1 (shot1 again)
	if c.Balance != 98 || len(c.Ledger) != 5 {
		t.Errorf("credits %d with %d entries: %s", c.Balance, len(c.Ledger), credits.Body)
	}
	teammate.do("GET", "/api/workspaces/"+ws+"/credits", nil).wantError(t, 403, shotline.EFORBIDDEN)
	owner.do("POST", "/api/workspaces/"+ws+"/credits", map[string]any{"amount": 10, "key": "order-1234"}).must(t, 200)
	again := owner.do("POST", "/api/workspaces/"+ws+"/credits", map[string]any{"amount": 10, "key": "order-1234"}).must(t, 200)
	if b := again.JSON()["balance"]; b != float64(108) {
		t.Errorf("balance after the same top-up twice: %v, want 108", b)
	}
}

// TestBoardDefaultProvider sets a board's default render provider through
// the API: shots that name no provider render with it, a shot's own
// provider wins, and a provider the server lacks is refused by name.
func TestBoardDefaultProvider(t *testing.T) {
	s := newServer(t, shttp.Config{})
	s.Renders.Providers["studio"] = &render.Animatic{}
	owner := s.signUp(t, "Owner")
	ws, boardID := boardFor(t, owner)
	uid := owner.userID()
	insertShotAs(t, s, boardID, uid, "shot1", "a0", "A lake at dawn")
	insertShotAs(t, s, boardID, uid, "shot2", "a1", "A boat")
	if _, err := s.Hub.Apply(context.Background(), boardID, uid, shotline.RoleOwner,
		board.ShotSet{ShotID: "shot2", Field: board.ShotProvider, Value: json.RawMessage(`"animatic"`)}); err != nil {
		t.Fatal(err)
	}

	var providers struct {
		Providers []string `json:"providers"`
		Default   string   `json:"default"`
	}
	_ = json.Unmarshal(owner.do("GET", "/api/workspaces/"+ws+"/render-providers", nil).must(t, 200).Body, &providers)
	if !slices.Equal(providers.Providers, []string{"animatic", "studio"}) || providers.Default != "animatic" {
		t.Errorf("providers %+v", providers)
	}

	r := owner.do("PATCH", "/api/boards/"+boardID, map[string]any{"defaultProvider": "nope"})
	r.wantError(t, 422, shotline.EINVALID)
	if !strings.Contains(r.Str("message"), "nope") {
		t.Errorf("refusal %q does not name the provider", r.Str("message"))
	}
	if got := owner.do("PATCH", "/api/boards/"+boardID, map[string]any{"defaultProvider": "studio"}).must(t, 200).Str("defaultProvider"); got != "studio" {
		t.Fatalf("the board's default provider is %q after setting it", got)
	}
	if got := owner.do("GET", "/api/boards/"+boardID, nil).must(t, 200).Str("defaultProvider"); got != "studio" {
		t.Fatalf("GET shows default provider %q", got)
	}
	for shot, want := range map[string]string{"shot1": "studio", "shot2": "animatic"} {
		if got := owner.do("POST", "/api/boards/"+boardID+"/shots/"+shot+"/renders", map[string]any{}).must(t, 201).Str("provider"); got != want {
			t.Errorf("%s rendered with %q, want %q", shot, got, want)
		}
	}
	// Back to the server's default: shot 1 counts as changed since its render.
	owner.do("PATCH", "/api/boards/"+boardID, map[string]any{"defaultProvider": ""}).must(t, 200)
	for range 2 {
		if ran, err := s.worker.RunOne(context.Background()); !ran || err != nil {
			t.Fatalf("worker: %v %v", ran, err)
		}
	}
	var changed struct {
		Jobs []shotline.RenderJob `json:"jobs"`
	}
	_ = json.Unmarshal(owner.do("POST", "/api/boards/"+boardID+"/renders/changed", nil).must(t, 200).Body, &changed)
	if len(changed.Jobs) != 1 || changed.Jobs[0].ShotID != "shot1" || changed.Jobs[0].Provider != "animatic" {
		t.Errorf("changed shots after the board's provider changed: %+v", changed.Jobs)
	}
}

// An admin sets retention and concurrency, each alone or together; out of
// bounds, each field is refused by name and nothing changes.
func TestRenderSettingsThroughTheAPI(t *testing.T) {
	s := newServer(t, shttp.Config{})
	owner := s.signUp(t, "Owner")
	ws, _ := boardFor(t, owner)
	path := "/api/workspaces/" + ws + "/render-settings"
	settings := func() (retention, concurrency float64) {
		t.Helper()
		m := owner.do("GET", path, nil).must(t, 200).JSON()
		return m["retentionDays"].(float64), m["concurrency"].(float64)
	}
	if r, c := settings(); r != 30 || c != 2 {
		t.Fatalf("defaults %v days, %v at once; want 30, 2", r, c)
	}
	for name, tc := range map[string]struct {
		body   map[string]any
		fields []string
	}{
		"no retention":       {map[string]any{"retentionDays": 0}, []string{"retentionDays"}},
		"retention too long": {map[string]any{"retentionDays": 3651}, []string{"retentionDays"}},
		"no concurrency":     {map[string]any{"concurrency": 0}, []string{"concurrency"}},
		"both wrong":         {map[string]any{"retentionDays": -1, "concurrency": 17}, []string{"retentionDays", "concurrency"}},
		"one wrong":          {map[string]any{"retentionDays": 10, "concurrency": 99}, []string{"concurrency"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := owner.do("PUT", path, tc.body)
			r.wantError(t, 422, shotline.EINVALID)
			var body struct {
				Details []shotline.FieldError `json:"details"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, d := range body.Details {
				if d.Message == "" {
					t.Errorf("field %s refused without a message", d.Field)
				}
				fields = append(fields, d.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("refused fields %v, want %v", fields, tc.fields)
			}
		})
	}
	if r, c := settings(); r != 30 || c != 2 {
		t.Fatalf("after refusals %v days, %v at once; want 30, 2 unchanged", r, c)
	}
	owner.do("PUT", path, map[string]any{"concurrency": 4}).must(t, 200)
	owner.do("PUT", path, map[string]any{"retentionDays": 7}).must(t, 200)
	if r, c := settings(); r != 7 || c != 4 {
		t.Fatalf("after two changes %v days, %v at once; want 7, 4", r, c)
	}
	m := owner.do("PUT", path, map[string]any{"retentionDays": 3650, "concurrency": 16}).must(t, 200).JSON()
	if m["retentionDays"] != 3650.0 || m["concurrency"] != 16.0 {
		t.Fatalf("PUT answered %v, want the upper bounds", m)
	}
}
