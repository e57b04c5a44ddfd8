package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// fakeFal speaks fal's queue API as documented: POST /{model} queues a
// request and answers its request_id, status_url, response_url and
// cancel_url; GET …/requests/{id}/status answers IN_QUEUE or IN_PROGRESS
// (202) or COMPLETED (200, with error/error_type when it failed); GET
// …/requests/{id} answers the model's output, {"video": {"url"}}; PUT
// …/requests/{id}/cancel cancels. Auth is "Authorization: Key …".
type fakeFal struct {
	mu         sync.Mutex
	base       string
	submit     func(w http.ResponseWriter) bool
	status     func(w http.ResponseWriter, poll int) bool
	result     func(w http.ResponseWriter) bool
	download   func(w http.ResponseWriter) bool
	finishAt   int
	polls      int
	model      string
	input      map[string]any
	canceled   bool
	video      []byte
	otherHosts bool
}

func (f *fakeFal) serve(t *testing.T) string {
	f.video = []byte(strings.Repeat("fal-mp4", 3000))
	srv := httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(srv.Close)
	f.base = srv.URL
	return srv.URL
}

func (f *fakeFal) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/files/video.mp4" {
		if f.download != nil && f.download(w) {
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = w.Write(f.video)
		return
	}
	if r.Header.Get("Authorization") != "Key fal-test-key" {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"detail": "Invalid key"}`))
		return
	}
	model, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/requests/")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && rest == "":
		f.model = model
		_ = json.NewDecoder(r.Body).Decode(&f.input)
		if f.submit != nil && f.submit(w) {
			return
		}
		base := f.base
		if f.otherHosts {
			base = "http://evil.example"
		}
		u := base + "/" + model + "/requests/req-1"
		_ = json.NewEncoder(w).Encode(map[string]any{"request_id": "req-1", "response_url": u, "status_url": u + "/status", "cancel_url": u + "/cancel", "queue_position": 0})
	case r.Method == "GET" && rest == "req-1/status":
		f.polls++
		if f.status != nil && f.status(w, f.polls) {
			return
		}
		switch {
		case f.finishAt > 0 && f.polls >= f.finishAt:
			_, _ = w.Write([]byte(`{"status": "COMPLETED", "logs": []}`))
		case f.polls == 1:
			w.WriteHeader(202)
			_, _ = w.Write([]byte(`{"status": "IN_QUEUE", "queue_position": 3}`))
		default:
			w.WriteHeader(202)
			_, _ = w.Write([]byte(`{"status": "IN_PROGRESS", "logs": [{"message": "step"}]}`))
		}
	case r.Method == "GET" && rest == "req-1":
		if f.result != nil && f.result(w) {
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"video": map[string]any{"url": f.base + "/files/video.mp4", "content_type": "video/mp4", "file_size": len(f.video)}})
	case r.Method == "PUT" && rest == "req-1/cancel":
		f.canceled = true
		w.WriteHeader(202)
		_, _ = w.Write([]byte(`{"status": "CANCELLATION_REQUESTED"}`))
	default:
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"detail": "Not Found"}`))
	}
}

func newFal(url string) *Fal {
	return &Fal{BaseURL: url, APIKey: "fal-test-key", Model: "fal-ai/kling-video/v2.1/master/text-to-video",
		ImageModel: "fal-ai/kling-video/v2.1/master/image-to-video", Poll: time.Millisecond, MaxWait: 2 * time.Second}
}

func TestFalTextAndImageToVideo(t *testing.T) {
	f := &fakeFal{finishAt: 3}
	p := newFal(f.serve(t))
	dst := filepath.Join(t.TempDir(), "out.mp4")
	var progress []float64
	job := &shotline.RenderJob{Prompt: "Waves at night", Notes: "no people", Duration: 5, AspectRatio: "9:16"}
	if err := p.Render(context.Background(), job, nil, dst, func(v float64) { progress = append(progress, v) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != string(f.video) {
		t.Errorf("downloaded %d bytes, want %d", len(got), len(f.video))
	}
	if f.model != p.Model || f.input["prompt"] != "Waves at night" || f.input["duration"] != "5" || f.input["aspect_ratio"] != "9:16" || f.input["negative_prompt"] != "no people" {
		t.Errorf("submitted %s %v", f.model, f.input)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 1 {
		t.Errorf("progress %v", progress)
	}

	f2 := &fakeFal{finishAt: 1}
	p2 := newFal(f2.serve(t))
	img := servePNG(t, 32, 32)
	if err := p2.Render(context.Background(), job, []Reference{{URL: img, ContentType: "image/png"}}, dst, func(float64) {}); err != nil {
		t.Fatal(err)
	}
	if u, _ := f2.input["image_url"].(string); f2.model != p.ImageModel || !strings.HasPrefix(u, "data:image/png;base64,iVBOR") {
		t.Errorf("image to video: model %s, image_url %.40s", f2.model, u)
	}
}

func TestFalFailures(t *testing.T) {
	cases := []struct {
		name       string
		fake       *fakeFal
		kind       shotline.ErrorKind
		retryAfter time.Duration
		msg        string
	}{
		{"429 with Retry-After on status", &fakeFal{status: func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"detail": "Too many requests"}`))
			return true
		}}, shotline.ErrTransient, 3 * time.Second, "rate limiting"},
		{"500 on submit", &fakeFal{submit: func(w http.ResponseWriter) bool { w.WriteHeader(500); return true }}, shotline.ErrTransient, 0, "(500)"},
		{"422 validation", &fakeFal{submit: func(w http.ResponseWriter) bool {
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"detail": [{"loc": ["body", "duration"], "msg": "unexpected value; permitted: '5', '10'"}]}`))
			return true
		}}, shotline.ErrPermanent, 0, "permitted"},
		{"malformed JSON result", &fakeFal{finishAt: 1, result: func(w http.ResponseWriter) bool { _, _ = w.Write([]byte(`{"video": {"url": `)); return true }},
			shotline.ErrPermanent, 0, "could not be read"},
		{"result without a video", &fakeFal{finishAt: 1, result: func(w http.ResponseWriter) bool { _, _ = w.Write([]byte(`{"images": []}`)); return true }},
			shotline.ErrPermanent, 0, "no video"},
		{"never completes", &fakeFal{}, shotline.ErrPermanent, 0, "did not finish"},
		{"unknown status", &fakeFal{status: func(w http.ResponseWriter, _ int) bool { _, _ = w.Write([]byte(`{"status": "EXPLODED"}`)); return true }},
			shotline.ErrPermanent, 0, "EXPLODED"},
		{"completed with a content refusal", &fakeFal{status: func(w http.ResponseWriter, _ int) bool {
			_, _ = w.Write([]byte(`{"status": "COMPLETED", "error": "Content policy violation detected", "error_type": "content_policy_violation"}`))
			return true
		}}, shotline.ErrRefused, 0, "Content policy"},
		{"download breaks half way", &fakeFal{finishAt: 1, download: func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Length", "90000")
			_, _ = w.Write(make([]byte, 1000))
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return true
		}}, shotline.ErrTransient, 0, "broke off"},
		{"status URL on another host", &fakeFal{otherHosts: true}, shotline.ErrPermanent, 0, "another host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newFal(tc.fake.serve(t))
			p.MaxWait = 50 * time.Millisecond
			err := p.Render(context.Background(), &shotline.RenderJob{Prompt: "x", Duration: 5, AspectRatio: "16:9"}, nil,
				filepath.Join(t.TempDir(), "out.mp4"), func(float64) {})
			var re *shotline.RenderError
			if !errors.As(err, &re) || re.Kind != tc.kind {
				t.Fatalf("error %v, want kind %s", err, tc.kind)
			}
			if re.RetryAfter != tc.retryAfter || !strings.Contains(re.Message, tc.msg) {
				t.Errorf("error %q retry after %v, want %q and %v", re.Message, re.RetryAfter, tc.msg, tc.retryAfter)
			}
			if strings.Contains(fmt.Sprint(err), "fal-test-key") {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}

func TestFalCancelsTheRemoteRequest(t *testing.T) {
	f := &fakeFal{}
	p := newFal(f.serve(t))
	p.Poll, p.MaxWait = 5*time.Millisecond, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	err := p.Render(ctx, &shotline.RenderJob{Prompt: "x", Duration: 5, AspectRatio: "16:9"}, nil, filepath.Join(t.TempDir(), "o.mp4"),
		func(v float64) {
			if v >= 0.4 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want canceled", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.canceled {
		t.Error("the fal request was not canceled")
	}
}
