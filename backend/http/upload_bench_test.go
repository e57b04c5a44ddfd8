package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	shttp "github.com/shotline/shotline/backend/http"
)

// BenchmarkUpload200MiB uploads a 200 MiB clip through the API (begin,
// 8 MiB parts, complete) to MinIO on loopback and reports the throughput
// and how far the heap grew above where it was before the upload: parts
// stream to S3, so it stays around two parts whatever the file's size.
//
//	go test ./backend/http -run '^$' -bench BenchmarkUpload200MiB -benchtime 1x
func BenchmarkUpload200MiB(b *testing.B) {
	const size = 200 << 20
	s := newServer(b, shttp.Config{})
	s.assets.PartSize = 8 << 20
	base := s.serve(b)
	// The server's GOGC (backend/cmd/shotline sets 40 unless GOGC is set).
	defer debug.SetGCPercent(debug.SetGCPercent(40))
	head := clipHead(b)
	jar, _ := cookiejar.New(nil)
	c := &nethttp.Client{Jar: jar}
	csrf := benchSignUp(b, c, base)
	var ws, project, board struct{ ID string }
	benchJSON(b, c, csrf, "POST", base+"/api/workspaces", map[string]any{"name": "Bench"}, &ws)
	benchJSON(b, c, csrf, "POST", base+"/api/workspaces/"+ws.ID+"/projects", map[string]any{"name": "P"}, &project)
	benchJSON(b, c, csrf, "POST", base+"/api/projects/"+project.ID+"/boards", map[string]any{"title": "B"}, &board)

	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		var up struct {
			ID       string `json:"id"`
			PartSize int64  `json:"partSize"`
			Parts    int    `json:"parts"`
		}
		benchJSON(b, c, csrf, "POST", base+"/api/boards/"+board.ID+"/uploads", map[string]any{"name": "big.mp4", "size": size}, &up)
		for n := 1; n <= up.Parts; n++ {
			from := int64(n-1) * up.PartSize
			to := min(from+up.PartSize, size)
			// The client streams the file (a real clip's start, then zeros), so
			// the heap measured is the server's.
			var body io.Reader = io.LimitReader(zeros{}, to-from)
			if n == 1 {
				body = io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, to-from-int64(len(head))))
			}
			req, _ := nethttp.NewRequest("PUT", fmt.Sprintf("%s/api/boards/%s/uploads/%s/parts/%d", base, board.ID, up.ID, n), body)
			req.ContentLength = to - from
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("X-CSRF-Token", csrf)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 204 {
				b.Fatalf("part %d: %d", n, resp.StatusCode)
			}
		}
		var asset struct{ Size int64 }
		benchJSON(b, c, csrf, "POST", base+"/api/boards/"+board.ID+"/uploads/"+up.ID+"/complete", nil, &asset)
		elapsed := time.Since(start)
		close(stop)
		<-sampled
		if asset.Size != size {
			b.Fatalf("stored %d bytes", asset.Size)
		}
		b.ReportMetric(float64(size)/(1<<20)/elapsed.Seconds(), "MiB/s")
		b.ReportMetric(float64(int64(peak.Load())-int64(before.HeapInuse))/(1<<20), "heap-growth-MiB")
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// clipHead is a real one-second MP4 with its index first, so a reader
// needs only its start: the upload is this followed by zeros.
func clipHead(b *testing.B) []byte {
	b.Helper()
	out := filepath.Join(b.TempDir(), "clip.mp4")
	if o, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10:duration=1",
		"-pix_fmt", "yuv420p", "-movflags", "+faststart", out).CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v %s", err, o)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchSignUp(b *testing.B, c *nethttp.Client, base string) string {
	b.Helper()
	var s struct {
		CSRFToken string `json:"csrfToken"`
	}
	benchJSON(b, c, "", "POST", base+"/api/auth/signup", map[string]any{"email": "bench@example.com", "password": "a long passphrase", "name": "Bench"}, &s)
	return s.CSRFToken
}

func benchJSON(b *testing.B, c *nethttp.Client, csrf, method, url string, body, out any) {
	b.Helper()
	var rd *bytes.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := nethttp.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		b.Fatalf("%s %s: %d %v", method, url, resp.StatusCode, e)
	}
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
}
