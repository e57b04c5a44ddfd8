package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// fakeVideos speaks OpenAI's /v1/videos API as documented: POST /v1/videos
// (multipart) creates a video object, GET /v1/videos/{id} returns it with
// its status and progress, GET /v1/videos/{id}/content streams the MP4.
// Errors are {"error": {"message", "type", "code"}}.
type fakeVideos struct {
	t        *testing.T
	mu       sync.Mutex
	create   func(w http.ResponseWriter) bool // answers the create instead, if it returns true
	polls    int                              // status requests answered
	finishAt int                              // completed on this poll; 0 never
	failWith *struct{ code, message string }  // fail on the first poll instead
	content  func(w http.ResponseWriter)      // answers the download instead
	got      map[string]string                // form fields of the create
	gotRef   []byte                           // the input_reference's bytes
	video    []byte
}

func (f *fakeVideos) serve(t *testing.T) string {
	f.t = t
	f.video = []byte(strings.Repeat("mp4!", 4096))
	srv := httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": code}})
}

func (f *fakeVideos) handle(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer test-key" {
		apiError(w, 401, "invalid_api_key", "Incorrect API key provided.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/videos":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			apiError(w, 400, "invalid_request", "expected multipart/form-data")
			return
		}
		f.got = map[string]string{}
		for k, v := range r.MultipartForm.Value {
			f.got[k] = v[0]
		}
		if fh := r.MultipartForm.File["input_reference"]; len(fh) == 1 {
			file, _ := fh[0].Open()
			f.gotRef, _ = io.ReadAll(file)
			f.got["input_reference.type"] = fh[0].Header.Get("Content-Type")
		}
		if f.create != nil && f.create(w) {
			return
		}
		writeVideo(w, map[string]any{"id": "video_123", "object": "video", "model": f.got["model"], "status": "queued", "progress": 0,
			"created_at": 1764936000, "size": f.got["size"], "seconds": f.got["seconds"]})
	case r.Method == "GET" && r.URL.Path == "/v1/videos/video_123":
		f.polls++
		v := map[string]any{"id": "video_123", "object": "video", "status": "in_progress", "progress": min(f.polls*30, 99)}
		if f.failWith != nil {
			v["status"], v["error"] = "failed", map[string]any{"code": f.failWith.code, "message": f.failWith.message}
		} else if f.finishAt > 0 && f.polls >= f.finishAt {
			v["status"], v["progress"] = "completed", 100
		}
		writeVideo(w, v)
	case r.Method == "GET" && r.URL.Path == "/v1/videos/video_123/content":
		if f.content != nil {
			f.content(w)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		_, _ = w.Write(f.video)
	default:
		apiError(w, 404, "not_found", "No such route.")
	}
}

func writeVideo(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func openAIJob() *shotline.RenderJob {
	return &shotline.RenderJob{ID: "j", Prompt: "A red kite over the dunes", Duration: 4, AspectRatio: "16:9", Resolution: "720p"}
}

func renderOpenAI(t *testing.T, f *fakeVideos, refs []Reference) (string, []float64, error) {
	t.Helper()
	o := &OpenAI{BaseURL: f.serve(t), APIKey: "test-key", Poll: time.Millisecond, MaxWait: 2 * time.Second}
	dst := filepath.Join(t.TempDir(), "out.mp4")
	var progress []float64
	err := o.Render(context.Background(), openAIJob(), refs, dst, func(p float64) { progress = append(progress, p) })
	return dst, progress, err
}

func TestOpenAITextToVideo(t *testing.T) {
	f := &fakeVideos{finishAt: 3}
	dst, progress, err := renderOpenAI(t, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != string(f.video) {
		t.Errorf("downloaded %d bytes, want the %d served", len(got), len(f.video))
	}
	want := map[string]string{"model": "sora-2", "prompt": "A red kite over the dunes", "seconds": "4", "size": "1280x720"}
	for k, v := range want {
		if f.got[k] != v {
			t.Errorf("sent %s=%q, want %q", k, f.got[k], v)
		}
	}
	if f.gotRef != nil {
		t.Error("sent an input reference for a shot without one")
	}
	if len(progress) < 3 || progress[len(progress)-1] != 1 {
		t.Errorf("progress %v, want rising to 1", progress)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i] < progress[i-1] {
			t.Errorf("progress went back: %v", progress)
		}
	}
}

func TestOpenAIImageToVideoSendsTheReference(t *testing.T) {
	img := servePNG(t, 64, 64)
	f := &fakeVideos{finishAt: 1}
	if _, _, err := renderOpenAI(t, f, []Reference{{URL: img, ContentType: "image/png", Name: "ref.png"}}); err != nil {
		t.Fatal(err)
	}
	if len(f.gotRef) < 8 || string(f.gotRef[1:4]) != "PNG" || f.got["input_reference.type"] != "image/png" {
		t.Errorf("input_reference: %d bytes, %q", len(f.gotRef), f.got["input_reference.type"])
	}
}

func TestOpenAIFailures(t *testing.T) {
	cases := []struct {
		name       string
		fake       *fakeVideos
		key        string
		kind       shotline.ErrorKind
		retryAfter time.Duration
		msg        string
	}{
		{name: "429 with Retry-After", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			w.Header().Set("Retry-After", "7")
			apiError(w, 429, "rate_limit_exceeded", "Rate limit reached for requests")
			return true
		}}, kind: shotline.ErrTransient, retryAfter: 7 * time.Second, msg: "rate limiting"},
		{name: "500", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			apiError(w, 500, "server_error", "The server had an error while processing your request.")
			return true
		}}, kind: shotline.ErrTransient, msg: "(500)"},
		{name: "502 from a gateway, not JSON", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>Bad Gateway</html>"))
			return true
		}}, kind: shotline.ErrTransient},
		{name: "malformed JSON", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": "video_123", "status": `))
			return true
		}}, kind: shotline.ErrPermanent, msg: "could not be read"},
		{name: "answer without an id", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			writeVideo(w, map[string]any{"object": "video"})
			return true
		}}, kind: shotline.ErrPermanent},
		{name: "never finishes", fake: &fakeVideos{}, kind: shotline.ErrPermanent, msg: "did not finish"},
		{name: "download breaks half way", fake: &fakeVideos{finishAt: 1, content: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write(make([]byte, 50000))
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}}, kind: shotline.ErrTransient, msg: "broke off"},
		{name: "provider refuses the prompt", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			apiError(w, 400, "moderation_blocked", "Your request was blocked by our moderation system.")
			return true
		}}, kind: shotline.ErrRefused, msg: "moderation"},
		{name: "video fails on moderation", fake: &fakeVideos{failWith: &struct{ code, message string }{"moderation_blocked", "The video was blocked by content policy."}},
			kind: shotline.ErrRefused},
		{name: "video fails on a server error", fake: &fakeVideos{failWith: &struct{ code, message string }{"server_error", "Something went wrong."}},
			kind: shotline.ErrTransient},
		{name: "bad request", fake: &fakeVideos{create: func(w http.ResponseWriter) bool {
			apiError(w, 400, "invalid_value", "Invalid value for 'seconds'.")
			return true
		}}, kind: shotline.ErrPermanent, msg: "seconds"},
		{name: "wrong key", fake: &fakeVideos{}, key: "wrong-secret-key", kind: shotline.ErrPermanent, msg: "API key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.key
			if key == "" {
				key = "test-key"
			}
			o := &OpenAI{BaseURL: tc.fake.serve(t), APIKey: key, Poll: time.Millisecond, MaxWait: 50 * time.Millisecond}
			err := o.Render(context.Background(), openAIJob(), nil, filepath.Join(t.TempDir(), "out.mp4"), func(float64) {})
			if err == nil {
				t.Fatal("no error")
			}
			var re *shotline.RenderError
			if !errors.As(err, &re) || re.Kind != tc.kind {
				t.Fatalf("error %v, want kind %s", err, tc.kind)
			}
			if re.RetryAfter != tc.retryAfter {
				t.Errorf("retry after %v, want %v", re.RetryAfter, tc.retryAfter)
			}
			if !strings.Contains(re.Message, tc.msg) {
				t.Errorf("message %q does not say %q", re.Message, tc.msg)
			}
			if strings.Contains(fmt.Sprint(err), key) {
				t.Errorf("the error shows the API key: %v", err)
			}
		})
	}
}

// Cancel stops polling at once.
func TestOpenAIStopsOnCancel(t *testing.T) {
	f := &fakeVideos{}
	o := &OpenAI{BaseURL: f.serve(t), APIKey: "test-key", Poll: 10 * time.Millisecond, MaxWait: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- o.Render(ctx, openAIJob(), nil, filepath.Join(t.TempDir(), "out.mp4"), func(p float64) {
			if p > 0 {
				cancel()
			}
		})
	}()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Render did not stop on cancel")
	}
}
