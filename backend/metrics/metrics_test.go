package metrics

import (
	"context"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

type fakeOpLog struct{ shotline.OpLog }

func (fakeOpLog) AppendOps(context.Context, []shotline.StoredOp) error { return nil }

func TestRenderRunsAndCommits(t *testing.T) {
	m := New()
	m.RenderRun("openai", "retry:transient", time.Second)
	m.RenderRun("openai", "retry:transient", time.Second)
	m.RenderRun("openai", "failed:refused", time.Second)
	m.RenderRun("animatic", "succeeded", time.Second)
	m.QueueDepth(func(context.Context) (map[shotline.JobState]int, error) {
		return map[shotline.JobState]int{shotline.JobQueued: 3, shotline.JobRunning: 1}, nil
	})
	if err := m.OpLog(fakeOpLog{}).AppendOps(context.Background(), make([]shotline.StoredOp, 5)); err != nil {
		t.Fatal(err)
	}
	m.SocketOpened()
	m.SocketOpened()
	m.SocketClosed(true)
	got, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{
		"shotline_render_provider_errors_total{kind=transient}{provider=openai}": 2,
		"shotline_render_provider_errors_total{kind=refused}{provider=openai}":   1,
		"shotline_render_runs_total{outcome=succeeded}{provider=animatic}":       1,
		"shotline_render_runs_total{outcome=retry}{provider=openai}":             2,
		"shotline_render_queue_depth{state=queued}":                              3,
		"shotline_render_queue_depth{state=running}":                             1,
		"shotline_realtime_ops_stored_total":                                     5,
		"shotline_realtime_commit_seconds_count":                                 1,
		"shotline_realtime_sockets":                                              1,
		"shotline_realtime_slow_client_closes_total":                             1,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}
