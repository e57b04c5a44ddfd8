package render_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/render"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

// cable is a TCP proxy to the harness's MinIO that the test can unplug and
// plug back, on the same port: a real network outage of the object store.
type cable struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCable(t *testing.T, target string) *cable {
	t.Helper()
	c := &cable{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	c.serve(ln)
	t.Cleanup(c.unplug)
	return c
}

func (c *cable) serve(ln net.Listener) {
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", c.target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

// unplug closes the listener and every connection: requests fail at once.
func (c *cable) unplug() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln != nil {
		c.ln.Close()
		c.ln = nil
	}
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func (c *cable) plug() {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Fatal(err)
	}
	c.serve(ln)
}

// store is an object store on a fresh bucket of MinIO, reached through c.
func (c *cable) store(t *testing.T) *objectstore.Store {
	t.Helper()
	env := testenv.Get(t)
	objects, err := objectstore.Open(objectstore.Config{Endpoint: c.addr, AccessKey: env.S3AccessKey, SecretKey: env.S3SecretKey,
		Bucket: testenv.Bucket(t)})
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// The object store is down when an upload starts, then in the middle of
// one: a clear error, no record, no reserved byte; the sweeper clears what
// the broken upload left once the store is back.
func TestUploadWhileTheObjectStoreIsDown(t *testing.T) {
	st := newStack(t)
	c := newCable(t, testenv.Get(t).S3Endpoint)
	objects := c.store(t)
	svc := &asset.Service{Store: st.assets.Store, Objects: objects}
	ctx := context.Background()
	img := pngOf(t)

	c.unplug()
	_, err := svc.Begin(ctx, asset.Begin{WorkspaceID: "ws", BoardID: "board", Name: "a.png", Size: int64(len(img))})
	if shotline.ErrorCode(err) != shotline.EINTERNAL {
		t.Fatalf("begin with the store down: %v, want EINTERNAL", err)
	}
	if used, _ := st.assets.Store.Usage(ctx, "ws"); used != 0 {
		t.Errorf("usage %d after a failed begin, want 0", used)
	}

	c.plug()
	u, err := svc.Begin(ctx, asset.Begin{WorkspaceID: "ws", BoardID: "board", Name: "a.png", Size: int64(len(img))})
	if err != nil {
		t.Fatal(err)
	}
	c.unplug()
	if err := svc.PutPart(ctx, u, 1, bytes.NewReader(img), int64(len(img))); shotline.ErrorCode(err) != shotline.EINTERNAL {
		t.Fatalf("part with the store down: %v, want EINTERNAL", err)
	}
	if _, err := st.assets.Store.FindAsset(ctx, u.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("an asset record exists for a broken upload: %v", err)
	}
	c.plug()
	if n, err := svc.Sweep(ctx, 0); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if used, _ := st.assets.Store.Usage(ctx, "ws"); used != 0 {
		t.Errorf("usage %d after the sweep, want 0", used)
	}
}

// gate is a provider that renders only when the test lets it.
type gate struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gate) Name() string                       { return "gate" }
func (g *gate) Cost(string, float64, string) int64 { return 5 }
func (g *gate) Render(ctx context.Context, _ *shotline.RenderJob, _ []render.Reference, dst string, progress func(float64)) error {
	g.once.Do(func() { close(g.started) })
	progress(0.5)
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return (&render.Animatic{}).Render(ctx, &shotline.RenderJob{Duration: 0.5, AspectRatio: "1:1", Resolution: "720p"}, nil, dst, progress)
}

// The database restarts while a job renders: the job carries on and
// finishes once the database is back, charged once.
func TestJobSurvivesADatabaseRestart(t *testing.T) {
	g := &gate{started: make(chan struct{}), release: make(chan struct{})}
	st := newStack(t, g)
	ctx := context.Background()
	sh := shot("A lighthouse")
	sh.Provider = "gate"
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: sh})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := st.worker.RunOne(ctx); done <- err }()
	<-g.started
	testenv.RestartMongo(t)
	close(g.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the job did not finish after the restart")
	}
	// The first write after the restart may meet a connection the restart
	// closed: the job then fails as transient and is retried once the
	// database answers.
	got, err := st.queue.Job(ctx, j.ID)
	for deadline := time.Now().Add(60 * time.Second); err == nil && got.State == shotline.JobQueued && time.Now().Before(deadline); {
		st.clock.Add(shotline.Backoff(got.Attempt, 0)) // the retry is due
		if _, err = st.worker.RunOne(ctx); err == nil {
			got, err = st.queue.Job(ctx, j.ID)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.State != shotline.JobSucceeded || got.Attempt > 2 {
		t.Errorf("job %s after %d attempts, want succeeded after one or, if the restart cut a write, two", got.State, got.Attempt)
	}
	if b := st.balance(t); b != 95 {
		t.Errorf("balance %d, want 95: charged once", b)
	}
}

// The object store is down when a render is stored: the job goes back to
// the queue with a backoff, and succeeds once the store is back.
func TestJobResumesWhenTheObjectStoreIsBack(t *testing.T) {
	st := newStack(t, &scripted{})
	c := newCable(t, testenv.Get(t).S3Endpoint)
	objects := c.store(t)
	st.svc.Objects = objects
	ctx := context.Background()
	j, err := st.svc.Submit(ctx, render.Request{WorkspaceID: "ws", BoardID: "board", Shot: scriptedShot()})
	if err != nil {
		t.Fatal(err)
	}
	c.unplug()
	st.runOne(t)
	got, _ := st.queue.Job(ctx, j.ID)
	if got.State != shotline.JobQueued || got.Error == "" || !got.NotBefore.After(st.clock.Now()) {
		t.Fatalf("with the store down: %s %q not before %v", got.State, got.Error, got.NotBefore)
	}
	c.plug()
	st.clock.Add(time.Minute)
	st.runOne(t)
	got, _ = st.queue.Job(ctx, j.ID)
	if got.State != shotline.JobSucceeded || got.Attempt != 2 {
		t.Fatalf("after the store came back: %s attempt %d", got.State, got.Attempt)
	}
	if size, err := objects.Size(ctx, got.ResultKey); err != nil || size != got.ResultSize {
		t.Errorf("stored video: %d %v", size, err)
	}
}
