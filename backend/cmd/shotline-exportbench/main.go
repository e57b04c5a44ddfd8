// Command shotline-exportbench measures exports on a running app
// (docs/benchmarks.md, "Exports"; run by scripts/export-bench.sh): it makes
// a board of -shots shots through the API and the board's socket, renders
// every shot with the animatic provider, times the MP4 animatic and the
// PDF storyboard, then uploads -bundle-bytes of clips to a second project
// and samples the app's resident memory (/proc/PID/status) while the
// project's bundle is exported.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/cmd/internal/procstat"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/realtime/liveclient"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the app's base URL")
	pid := flag.Int("pid", 0, "the app's process id (for its memory)")
	shots := flag.Int("shots", 100, "shots on the timed board")
	clip := flag.String("clip", "", "an MP4 clip uploaded again and again to fill the bundle's project")
	bundleBytes := flag.Int64("bundle-bytes", 1<<30, "bytes of clips in the bundle's project")
	state := flag.String("state", "", "with -clip: fill the bundle's project and save the session and project here; "+
		"without: export the project saved here as a bundle, sampling -pid (a freshly started app)")
	bundleOut := flag.String("bundle-out", "", "with -state: save the exported bundle here")
	importFile := flag.String("import", "", "with -state: import this bundle into the saved project's workspace, sampling -pid")
	flag.Parse()
	var err error
	switch {
	case *clip != "":
		err = fill(*base, *clip, *bundleBytes, *state)
	case *state != "" && *importFile != "":
		err = importMemory(*base, *pid, *state, *importFile)
	case *state != "":
		err = bundleMemory(*base, *pid, *state, *bundleOut)
	default:
		err = run(*base, *pid, *shots)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shotline-exportbench:", err)
		os.Exit(1)
	}
}

type client struct {
	hc     *http.Client
	base   string
	csrf   string
	cookie string
}

func (c *client) call(method, path string, body, out any) error {
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/octet-stream"
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", ct)
	if c.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

type export struct {
	ID, Format, State, Error, URL string
	Size                          int64
	Progress                      float64
}

// waitExport polls the list until the export ends and returns it.
func (c *client) waitExport(listPath, id string) (export, error) {
	for {
		var out struct{ Exports []export }
		if err := c.call("GET", listPath, nil, &out); err != nil {
			return export{}, err
		}
		for _, e := range out.Exports {
			if e.ID == id && e.State != "queued" && e.State != "running" {
				if e.State != "succeeded" {
					return e, fmt.Errorf("export %s %s: %s", e.Format, e.State, e.Error)
				}
				return e, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signUp makes an account and a workspace and returns the client and the
// workspace id.
func signUp(base string) (*client, string, error) {
	jar, _ := cookiejar.New(nil)
	c := &client{hc: &http.Client{Jar: jar, Timeout: 10 * time.Minute}, base: base}
	var sess struct{ CSRFToken string }
	if err := c.call("POST", "/api/auth/signup", map[string]any{"email": "bench-" + uuid.NewString()[:8] + "@example.com",
		"password": "export bench passphrase", "name": "Bench"}, &sess); err != nil {
		return nil, "", err
	}
	c.csrf = sess.CSRFToken
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "shotline_session" {
			c.cookie = ck.Value
		}
	}
	var ws struct{ ID string }
	if err := c.call("POST", "/api/workspaces", map[string]any{"name": "Bench"}, &ws); err != nil {
		return nil, "", err
	}
	return c, ws.ID, nil
}

// run times the MP4 and PDF exports of a board of nShots rendered shots.
func run(base string, pid, nShots int) error {
	c, wsID, err := signUp(base)
	if err != nil {
		return err
	}
	ws := struct{ ID string }{wsID}
	var proj, board struct{ ID string }
	if err := c.call("POST", "/api/workspaces/"+ws.ID+"/projects", map[string]any{"name": "Timed"}, &proj); err != nil {
		return err
	}
	if err := c.call("POST", "/api/projects/"+proj.ID+"/boards", map[string]any{"title": "Hundred shots"}, &board); err != nil {
		return err
	}
	if err := c.call("POST", "/api/workspaces/"+ws.ID+"/credits", map[string]any{"amount": 100000, "key": "bench-" + uuid.NewString()}, nil); err != nil {
		return err
	}
	if err := insertShots(c, board.ID, nShots); err != nil {
		return err
	}

	start := time.Now()
	if err := c.call("POST", "/api/boards/"+board.ID+"/renders/changed", nil, nil); err != nil {
		return err
	}
	for {
		var hist struct {
			Shots map[string][]struct{ State string }
		}
		if err := c.call("GET", "/api/boards/"+board.ID+"/renders", nil, &hist); err != nil {
			return err
		}
		done := 0
		for _, rs := range hist.Shots {
			if len(rs) > 0 && rs[0].State == "succeeded" {
				done++
			}
		}
		if done == nShots {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Printf("setup: %d shots rendered with the animatic in %s\n", nShots, time.Since(start).Round(time.Second))

	fmt.Println("| export | options | wall time | CPU time (app + ffmpeg) | file |")
	fmt.Println("|---|---|---|---|---|")
	for _, x := range []struct {
		format string
		opts   map[string]any
	}{
		{"mp4", map[string]any{"resolution": "720p", "fps": 24, "burnIn": true}},
		{"pdf", map[string]any{"perRow": 2, "orientation": "landscape", "paper": "A4"}},
	} {
		var e export
		t0, cpu0 := time.Now(), procstat.CPUSeconds(pid, true)
		if err := c.call("POST", "/api/boards/"+board.ID+"/exports", map[string]any{"format": x.format, "options": x.opts}, &e); err != nil {
			return err
		}
		done, err := c.waitExport("/api/boards/"+board.ID+"/exports", e.ID)
		if err != nil {
			return err
		}
		opts, _ := json.Marshal(x.opts)
		fmt.Printf("| %s, %d shots with renders | %s | %.1f s | %.1f s | %.1f MiB |\n", x.format, nShots, opts, time.Since(t0).Seconds(),
			procstat.CPUSeconds(pid, true)-cpu0, float64(done.Size)/(1<<20))
	}
	return nil
}

// benchState is what the fill phase leaves for the measuring one.
type benchState struct {
	Cookie, CSRF, ProjectID string
	Clips                   int
	Bytes                   int64
}

// insertShots adds n shots of 3 s through the board's socket, one at a
// time, each after the previous one's acknowledgement.
func insertShots(c *client, boardID string, n int) error {
	conn, err := liveclient.Dial(context.Background(), c.base, c.cookie, boardID)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Join(boardID, nil); err != nil {
		return err
	}
	keys, err := board.GenerateNKeysBetween("", "", n)
	if err != nil {
		return err
	}
	for i := range n {
		op := board.ShotInsert{ShotID: fmt.Sprintf("shot-%03d", i+1), Position: keys[i], Shot: board.ShotFields{
			Title: fmt.Sprintf("Shot %d", i+1), Prompt: strings.Repeat(fmt.Sprintf("Shot %d: a slow push-in on the harbour at dawn. ", i+1), 3),
			Notes: "Hold on the last frame.", Duration: 3, AspectRatio: "16:9"}}
		id := uuid.NewString()
		if err := conn.SendOp(id, 0, op); err != nil {
			return err
		}
		for acked := false; !acked; {
			m, err := conn.Next(time.Minute)
			if err != nil {
				return err
			}
			switch m := m.(type) {
			case realtime.AckMessage:
				acked = m.OpID == id
			case realtime.ErrorMessage:
				if m.OpID == id {
					return fmt.Errorf("insert shot %d: %s %s", i+1, m.Code, m.Message)
				}
			}
		}
	}
	return nil
}

// fill makes a project with one board whose shots each get a copy of the
// clip, total bytes in all, and saves the session and project in state.
func fill(base, clip string, total int64, state string) error {
	data, err := os.ReadFile(clip)
	if err != nil {
		return err
	}
	c, wsID, err := signUp(base)
	if err != nil {
		return err
	}
	var proj, board struct{ ID string }
	if err := c.call("POST", "/api/workspaces/"+wsID+"/projects", map[string]any{"name": "Gigabyte"}, &proj); err != nil {
		return err
	}
	if err := c.call("POST", "/api/projects/"+proj.ID+"/boards", map[string]any{"title": "Clips"}, &board); err != nil {
		return err
	}
	n := int((total + int64(len(data)) - 1) / int64(len(data)))
	if err := insertShots(c, board.ID, n); err != nil {
		return err
	}
	for i := range n {
		var up struct {
			ID       string
			PartSize int64
			Parts    int
		}
		if err := c.call("POST", "/api/boards/"+board.ID+"/uploads", map[string]any{"name": fmt.Sprintf("clip-%d.mp4", i+1),
			"size": len(data), "shotId": fmt.Sprintf("shot-%03d", i+1)}, &up); err != nil {
			return err
		}
		for p := 1; p <= up.Parts; p++ {
			from := int64(p-1) * up.PartSize
			to := min(from+up.PartSize, int64(len(data)))
			if err := c.call("PUT", "/api/boards/"+board.ID+"/uploads/"+up.ID+"/parts/"+strconv.Itoa(p), data[from:to], nil); err != nil {
				return err
			}
		}
		if err := c.call("POST", "/api/boards/"+board.ID+"/uploads/"+up.ID+"/complete", nil, nil); err != nil {
			return err
		}
	}
	st, _ := json.Marshal(benchState{Cookie: c.cookie, CSRF: c.csrf, ProjectID: proj.ID, Clips: n, Bytes: int64(n) * int64(len(data))})
	return os.WriteFile(state, st, 0o600)
}

// bundleMemory exports the saved project as a bundle while sampling the
// app's resident memory every 20 ms.
// savedClient is the client of the session saved in state.
func savedClient(base, state string) (*client, benchState, error) {
	var st benchState
	raw, err := os.ReadFile(state)
	if err != nil {
		return nil, st, err
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, st, err
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: "shotline_session", Value: st.Cookie}, {Name: "shotline_csrf", Value: st.CSRF}})
	return &client{hc: &http.Client{Jar: jar, Timeout: 30 * time.Minute}, base: base, csrf: st.CSRF, cookie: st.Cookie}, st, nil
}

// idleRSS is the highest of a few samples of pid's memory after a pause.
func idleRSS(pid int) int64 {
	time.Sleep(3 * time.Second)
	idle := int64(0)
	for range 10 {
		idle = max(idle, procstat.RSS(pid))
		time.Sleep(100 * time.Millisecond)
	}
	return idle
}

// samplePeak samples pid's memory every 20 ms from idle on until the
// returned function is called, which returns the peak.
func samplePeak(pid int, idle int64) func() int64 {
	peak := idle
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, procstat.RSS(pid))
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-sampled
		return peak
	}
}

func bundleMemory(base string, pid int, state, out string) error {
	c, st, err := savedClient(base, state)
	if err != nil {
		return err
	}
	proj := struct{ ID string }{st.ProjectID}
	n := st.Clips
	fmt.Printf("\nbundle: project of %d clips, %.2f GiB\n", n, float64(st.Bytes)/(1<<30))

	idle := idleRSS(pid)
	var e export
	t0 := time.Now()
	if err := c.call("POST", "/api/projects/"+proj.ID+"/exports", map[string]any{"format": "bundle"}, &e); err != nil {
		return err
	}
	stop := samplePeak(pid, idle)
	done, err := c.waitExport("/api/projects/"+proj.ID+"/exports", e.ID)
	peak := stop()
	if err != nil {
		return err
	}
	fmt.Println("| bundle export | wall time | file | app RSS idle | app RSS peak | peak − idle |")
	fmt.Println("|---|---|---|---|---|---|")
	fmt.Printf("| %d clips | %.1f s | %.2f GiB | %.1f MiB | %.1f MiB | %.1f MiB |\n", n, time.Since(t0).Seconds(), float64(done.Size)/(1<<30),
		float64(idle)/1024, float64(peak)/1024, float64(peak-idle)/1024)
	if out == "" {
		return nil
	}
	resp, err := http.Get(done.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("download the bundle: %s", resp.Status)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// importMemory imports the bundle at path into the saved project's
// workspace, streaming it from disk, while sampling the app's memory.
func importMemory(base string, pid int, state, path string) error {
	c, st, err := savedClient(base, state)
	if err != nil {
		return err
	}
	var proj struct{ WorkspaceID string }
	if err := c.call("GET", "/api/projects/"+st.ProjectID, nil, &proj); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Printf("\nimport: bundle of %.2f GiB\n", float64(fi.Size())/(1<<30))
	idle := idleRSS(pid)
	// As the import dialog does: begin, every part, complete. The parts'
	// memory (one part per request in flight) and the import's (the
	// bundle copied to a temporary file, then read from it) are sampled
	// apart.
	ws := "/api/workspaces/" + proj.WorkspaceID + "/imports"
	var up struct {
		ID       string
		PartSize int64
		Parts    int
	}
	t0 := time.Now()
	stop := samplePeak(pid, idle)
	if err := c.call("POST", ws, map[string]any{"size": fi.Size()}, &up); err != nil {
		stop()
		return err
	}
	buf := make([]byte, up.PartSize)
	for n := 1; n <= up.Parts; n++ {
		k, err := f.ReadAt(buf, int64(n-1)*up.PartSize)
		if err != nil && !(errors.Is(err, io.EOF) && n == up.Parts) {
			stop()
			return err
		}
		if err := c.call("PUT", ws+"/"+up.ID+"/parts/"+strconv.Itoa(n), buf[:k], nil); err != nil {
			stop()
			return err
		}
	}
	partsPeak, partsTime := stop(), time.Since(t0)
	// What the parts left (pooled request buffers, heap the collector
	// has not given back) is the complete's baseline too.
	before := idleRSS(pid)
	t1 := time.Now()
	stop = samplePeak(pid, before)
	var data json.RawMessage
	err = c.call("POST", ws+"/"+up.ID+"/complete", nil, &data)
	peak := stop()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var rep struct {
		Files int
		Bytes int64
	}
	_ = json.Unmarshal(data, &rep)
	fmt.Println("| bundle import | wall time | stored | app RSS idle | app RSS peak | peak − idle |")
	fmt.Println("|---|---|---|---|---|---|")
	fmt.Printf("| upload of a %.2f GiB bundle, %d parts of %d MiB | %.1f s | | %.1f MiB | %.1f MiB | %.1f MiB |\n", float64(fi.Size())/(1<<30),
		up.Parts, up.PartSize>>20, partsTime.Seconds(), float64(idle)/1024, float64(partsPeak)/1024, float64(partsPeak-idle)/1024)
	fmt.Printf("| complete: copied out, checked, stored | %.1f s | %d files, %.2f GiB | %.1f MiB | %.1f MiB | %.1f MiB (%.1f MiB above its start, %.1f MiB) |\n",
		time.Since(t1).Seconds(), rep.Files, float64(rep.Bytes)/(1<<30), float64(idle)/1024, float64(peak)/1024, float64(peak-idle)/1024,
		float64(peak-before)/1024, float64(before)/1024)
	return nil
}
