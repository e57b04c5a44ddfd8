package render_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// stack is a render service with a worker on the harness's FerretDB and
// MinIO, with a settable clock.
type stack struct {
	svc     *render.Service
	worker  *render.Worker
	assets  *asset.Service
	queue   *mongo.RenderQueue
	credits *mongo.CreditStore
	clock   *clock
	mu      sync.Mutex
	pushed  []shotline.RenderJob
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newStack(t *testing.T, providers ...render.Provider) *stack {
	t.Helper()
	ctx := context.Background()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	env := testenv.Get(t)
	objects, err := objectstore.Open(objectstore.Config{Endpoint: env.S3Endpoint, AccessKey: env.S3AccessKey, SecretKey: env.S3SecretKey, Bucket: testenv.Bucket(t)})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := render.LoadPolicy("../../policies/moderation.json")
	if err != nil {
		t.Fatal(err)
	}
	st := &stack{clock: &clock{now: time.Now().UTC()}}
	store := mongo.NewAssetStore(db)
	st.assets = &asset.Service{Store: store, Objects: objects}
	st.queue = mongo.NewRenderQueue(db)
	st.queue.Now = st.clock.Now
	st.credits = mongo.NewCreditStore(db)
	pm := map[string]render.Provider{"animatic": &render.Animatic{}}
	for _, p := range providers {
		pm[p.Name()] = p
	}
	st.svc = &render.Service{Queue: st.queue, Credits: st.credits, Assets: store, Objects: objects, Settings: mongo.NewRenderSettingsStore(db),
		Policy: policy, Providers: pm, Welcome: 100, Now: st.clock.Now,
		Notify: func(j *shotline.RenderJob) { st.mu.Lock(); st.pushed = append(st.pushed, *j); st.mu.Unlock() }}
	st.queue.OnFinish = st.svc.Finished
	st.worker = &render.Worker{ID: "w1", Service: st.svc, Lease: 3 * time.Second}
	return st
}

func (st *stack) balance(t *testing.T) int64 {
	t.Helper()
	b, err := st.credits.Balance(context.Background(), "ws")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (st *stack) runOne(t *testing.T) {
	t.Helper()
	if ran, err := st.worker.RunOne(context.Background()); err != nil || !ran {
		t.Fatalf("RunOne: ran %v, %v", ran, err)
	}
}

func shot(prompt string) board.NumberedShot {
	return board.NumberedShot{Number: 1, Shot: board.Shot{ID: "shot1", Title: "Opening", Prompt: prompt, Duration: 2, AspectRatio: "16:9"}}
}

func pngOf(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for y := range 360 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An image uploaded to shot 1 is rendered by the animatic: the MP4 has the
// shot's duration and size, in H.264; the workspace pays once.
func TestRenderAnImageWithTheAnimatic(t *testing.T) {
	st := newStack(t)
	ctx := context.Background()
	img := pngOf(t)
	u, err := st.assets.Begin(ctx, asset.Begin{WorkspaceID: "ws", BoardID: "board", ShotID: "shot1", Name: "ref.png", Size: int64(len(img))})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.assets.PutPart(ctx, u, 1, bytes.NewReader(img), int64(len(img))); err != nil {
		t.Fatal(err)
	}
	if _, err := st.assets.Complete(ctx, u); err != nil {
		t.Fatal(err)
	}
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: shot("Slow push-in"), UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if j.State != shotline.JobQueued || j.Cost != 2 || len(j.References) != 1 {
		t.Fatalf("queued job: %+v", j)
	}
	if b := st.balance(t); b != 98 {
		t.Errorf("balance %d after queueing, want 100-2", b)
	}
	st.runOne(t)
	done, err := st.queue.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != shotline.JobSucceeded || done.Progress != 1 || done.ExpiresAt.Before(st.clock.Now().Add(29*24*time.Hour)) {
		t.Fatalf("finished job: %+v", done)
	}
	url, err := st.svc.URL(ctx, done, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "render.mp4")
	download(t, url, file)
	p := ffprobe(t, file)
	if p.codec != "h264" || p.width != 1280 || p.height != 720 || math.Abs(p.duration-2) > 0.1 {
		t.Errorf("render is %+v, want h264 1280x720 2s", p)
	}
	if fi, _ := os.Stat(file); fi.Size() != done.ResultSize {
		t.Errorf("size %d, job says %d", fi.Size(), done.ResultSize)
	}
	if b := st.balance(t); b != 98 {
		t.Errorf("balance %d after success, want 98", b)
	}
	states := map[shotline.JobState]bool{}
	for _, p := range st.pushed {
		states[p.State] = true
	}
	if !states[shotline.JobQueued] || !states[shotline.JobRunning] || !states[shotline.JobSucceeded] {
		t.Errorf("pushed states %v, want queued, running and succeeded", states)
	}
}

func download(t *testing.T, url, file string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET render: %d", resp.StatusCode)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type probe struct {
	codec         string
	width, height int
	duration      float64
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Streams []struct {
			CodecName     string `json:"codec_name"`
			Width, Height int
		} `json:"streams"`
		Format struct{ Duration string } `json:"format"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) == 0 {
		t.Fatalf("ffprobe: %s %v", out, err)
	}
	d, _ := strconv.ParseFloat(v.Format.Duration, 64)
	return probe{v.Streams[0].CodecName, v.Streams[0].Width, v.Streams[0].Height, d}
}

// scripted is a provider whose runs answer from a script.
type scripted struct {
	mu    sync.Mutex
	errs  []error // one per run; nil succeeds; past the end, succeeds
	runs  int
	block bool // wait for ctx to end
}

func (p *scripted) Name() string                       { return "scripted" }
func (p *scripted) Cost(string, float64, string) int64 { return 10 }
func (p *scripted) Render(ctx context.Context, _ *shotline.RenderJob, _ []render.Reference, dst string, progress func(float64)) error {
	p.mu.Lock()
	n := p.runs
	p.runs++
	p.mu.Unlock()
	progress(0.5)
	if p.block {
		<-ctx.Done()
		return ctx.Err()
	}
	if n < len(p.errs) && p.errs[n] != nil {
		return p.errs[n]
	}
	return os.WriteFile(dst, []byte("not really a video"), 0o644)
}

func scriptedShot() board.NumberedShot {
	s := shot("A harbour at dusk")
	s.Provider = "scripted"
	return s
}

func TestTransientErrorsRetryWithBackoffThenSucceed(t *testing.T) {
	p := &scripted{errs: []error{&shotline.RenderError{Kind: shotline.ErrTransient, Message: "rate limited", RetryAfter: 7 * time.Second}}}
	st := newStack(t, p)
	ctx := context.Background()
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
	if err != nil {
		t.Fatal(err)
	}
	st.runOne(t)
	got, _ := st.queue.Job(ctx, j.ID)
	if wait := got.NotBefore.Sub(st.clock.Now()); got.State != shotline.JobQueued || wait < 6990*time.Millisecond || wait > 7*time.Second {
		t.Fatalf("after a 429: %s, not before %v (now %v)", got.State, got.NotBefore, st.clock.Now())
	}
	if ran, _ := st.worker.RunOne(ctx); ran {
		t.Fatal("ran before Retry-After passed")
	}
	st.clock.Add(8 * time.Second)
	st.runOne(t)
	got, _ = st.queue.Job(ctx, j.ID)
	if got.State != shotline.JobSucceeded || got.Attempt != 2 {
		t.Fatalf("after the retry: %s attempt %d", got.State, got.Attempt)
	}
	if b := st.balance(t); b != 90 {
		t.Errorf("balance %d, want 90: charged once, no refund", b)
	}
}

func TestPermanentFailureIsNotRetriedAndRefundsOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		kind shotline.ErrorKind
	}{
		{"bad request", shotline.Permanent("The model does not exist.", nil), shotline.ErrPermanent},
		{"provider refusal", &shotline.RenderError{Kind: shotline.ErrRefused, Message: "content policy"}, shotline.ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scripted{errs: []error{tc.err}}
			st := newStack(t, p)
			ctx := context.Background()
			j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
			if err != nil {
				t.Fatal(err)
			}
			st.runOne(t)
			got, _ := st.queue.Job(ctx, j.ID)
			if got.State != shotline.JobFailed || got.ErrorKind != tc.kind || got.Attempt != 1 {
				t.Fatalf("job %s kind %s attempt %d", got.State, got.ErrorKind, got.Attempt)
			}
			if b := st.balance(t); b != 100 {
				t.Errorf("balance %d, want 100 (refunded)", b)
			}
			st.svc.Finished(ctx, got) // settling again refunds nothing more
			if b := st.balance(t); b != 100 {
				t.Errorf("balance %d after settling twice, want 100", b)
			}
			if ran, _ := st.worker.RunOne(ctx); ran {
				t.Error("a permanent failure was retried")
			}
		})
	}
}

func TestCancelARunningRender(t *testing.T) {
	p := &scripted{block: true}
	st := newStack(t, p)
	st.worker.Lease = 300 * time.Millisecond // heartbeat every 100 ms
	ctx := context.Background()
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := st.worker.RunOne(ctx); done <- err }()
	for {
		got, _ := st.queue.Job(ctx, j.ID)
		if got.State == shotline.JobRunning {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.svc.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := st.queue.Job(ctx, j.ID)
	if got.State != shotline.JobCanceled {
		t.Fatalf("state %s, want canceled", got.State)
	}
	if b := st.balance(t); b != 100 {
		t.Errorf("balance %d, want 100 (refunded)", b)
	}
}

func TestPolicyAndBalanceRefuseBeforeQueueing(t *testing.T) {
	st := newStack(t, &scripted{})
	ctx := context.Background()
	_, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: shot("close-up of the gore on the floor")})
	if shotline.ErrorCode(err) != shotline.EINVALID || !bytes.Contains([]byte(shotline.ErrorMessage(err)), []byte(`"graphic-gore"`)) {
		t.Fatalf("policy: %v", err)
	}
	for range 10 {
		if _, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
	if shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("empty balance: %v", err)
	}
	if active, _ := st.queue.Active(ctx, "ws"); len(active) != 10 {
		t.Errorf("%d jobs queued, want the 10 paid for", len(active))
	}
	if b := st.balance(t); b != 0 {
		t.Errorf("balance %d, want 0", b)
	}
}

func TestChangedShotsAndRetention(t *testing.T) {
	st := newStack(t, &scripted{})
	ctx := context.Background()
	a, b := scriptedShot(), scriptedShot()
	b.ID, b.Number = "shot2", 2
	for _, s := range []board.NumberedShot{a, b} {
		if _, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: s}); err != nil {
			t.Fatal(err)
		}
	}
	if changed, _ := st.svc.Changed(ctx, "board", []board.NumberedShot{a, b}); len(changed) != 0 {
		t.Errorf("shots with renders queued count as changed: %v", changed)
	}
	st.runOne(t)
	st.runOne(t)
	b.Prompt = "A harbour at night"
	c := scriptedShot()
	c.ID, c.Number = "shot3", 3
	changed, err := st.svc.Changed(ctx, "board", []board.NumberedShot{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 2 || changed[0].ID != "shot2" || changed[1].ID != "shot3" {
		t.Errorf("changed %+v, want shot2 (new prompt) and shot3 (never rendered)", changed)
	}
	hist, _ := st.svc.History(ctx, "board", 10)
	if len(hist["shot1"]) != 1 || hist["shot1"][0].ResultKey == "" {
		t.Fatalf("history %+v", hist)
	}
	r := &render.Retention{Service: st.svc, Expirer: st.queue}
	if n, err := r.Sweep(ctx, st.clock.Now().Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("swept %d (%v) a day after, want 0", n, err)
	}
	if n, err := r.Sweep(ctx, st.clock.Now().Add(31*24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("swept %d (%v) after 31 days, want 2", n, err)
	}
	if _, err := st.queue.Job(ctx, hist["shot1"][0].ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("expired job still there: %v", err)
	}
	if used, _ := st.assets.Store.Usage(ctx, "ws"); used != 0 {
		t.Errorf("usage %d after retention, want 0", used)
	}
	if _, err := st.svc.Objects.Size(ctx, hist["shot1"][0].ResultKey); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("expired video still stored: %v", err)
	}
}

// The relay sends what another process's worker did to the boards open
// here: each change once, the final state included.
func TestRelayPushesJobsRunElsewhere(t *testing.T) {
	st := newStack(t, &scripted{})
	ctx := context.Background()
	st.svc.Notify = nil // the worker is "elsewhere": nothing is pushed directly
	var sent []shotline.RenderJob
	relay := &render.Relay{Service: st.svc, Boards: func() []string { return []string{"board"} },
		Workspace: func(context.Context, string) (string, error) { return "ws", nil },
		Send:      func(j *shotline.RenderJob) { sent = append(sent, *j) }}
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := relay.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st.runOne(t)
	if err := relay.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := relay.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	var states []shotline.JobState
	for _, s := range sent {
		if s.ID != j.ID {
			t.Errorf("sent another job %s", s.ID)
		}
		states = append(states, s.State)
	}
	if len(states) != 2 || states[0] != shotline.JobQueued || states[1] != shotline.JobSucceeded {
		t.Errorf("sent %v, want [queued succeeded]", states)
	}
}

// Retention takes renders and exports down the same path: past their time,
// the file, the record and the storage they used go; the others stay
// whole until their own time.
func TestRetentionDeletesExpiredRendersAndExports(t *testing.T) {
	st := newStack(t)
	ctx := context.Background()
	now := st.clock.Now()
	type kept struct {
		job     *shotline.RenderJob
		expired bool
	}
	var all []kept
	for i, c := range []struct {
		export  bool
		expires time.Duration
	}{{false, -time.Hour}, {true, -2 * time.Hour}, {false, 24 * time.Hour}, {true, 48 * time.Hour}} {
		j := &shotline.RenderJob{ID: fmt.Sprintf("ret-%d", i), WorkspaceID: "ws", BoardID: "board", ShotID: "shot1",
			State: shotline.JobSucceeded, FinishedAt: now.Add(-30 * 24 * time.Hour), ExpiresAt: now.Add(c.expires)}
		if c.export {
			j.Kind, j.ShotID, j.Format = shotline.JobExport, "", "csv"
		}
		body := []byte(strings.Repeat("x", 100*(i+1)))
		j.ResultKey, j.ResultSize = "test-results/"+j.ID, int64(len(body))
		if err := st.svc.Objects.Put(ctx, j.ResultKey, bytes.NewReader(body), j.ResultSize, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		if err := st.assets.Store.Reserve(ctx, "ws", j.ResultSize, 1<<30); err != nil {
			t.Fatal(err)
		}
		if err := st.queue.Record(ctx, j); err != nil {
			t.Fatal(err)
		}
		all = append(all, kept{j, c.expires < 0})
	}
	r := &render.Retention{Service: st.svc, Expirer: st.queue}
	if n, err := r.Sweep(ctx, now); err != nil || n != 2 {
		t.Fatalf("swept %d (%v), want the render and the export past their time", n, err)
	}
	var left int64
	for _, k := range all {
		_, errJob := st.queue.Job(ctx, k.job.ID)
		_, errObj := st.svc.Objects.Size(ctx, k.job.ResultKey)
		gone := shotline.ErrorCode(errJob) == shotline.ENOTFOUND && shotline.ErrorCode(errObj) == shotline.ENOTFOUND
		if k.expired != gone {
			t.Errorf("%s (%s): record %v, file %v; want gone %v", k.job.ID, k.job.Kind, errJob, errObj, k.expired)
		}
		if !k.expired {
			left += k.job.ResultSize
		}
	}
	if used, _ := st.assets.Store.Usage(ctx, "ws"); used != left {
		t.Errorf("usage %d after the sweep, want %d (what is kept)", used, left)
	}
	if exports, _ := st.queue.Exports(ctx, "board:board"); len(exports) != 1 || exports[0] != "ret-3" {
		t.Errorf("export list %v, want only the kept export", exports)
	}
	if n, err := r.Sweep(ctx, now.Add(3*24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("swept %d (%v) three days on, want the other two", n, err)
	}
}
