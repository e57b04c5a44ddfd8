// Package metrics exposes Shotline's metrics in Prometheus' text format with
// the official client library: the render queue (depth per state, job
// durations, provider errors by kind), the bytes stored, and the realtime
// core (sockets, rooms, ops stored, commit latency, slow-client closes).
package metrics

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shotline/shotline/backend/shotline"
)

// Metrics is one registry with Shotline's metrics.
type Metrics struct {
	reg *prometheus.Registry

	sockets      prometheus.Gauge
	slowCloses   prometheus.Counter
	opsStored    prometheus.Counter
	commitTime   prometheus.Histogram
	jobDurations *prometheus.HistogramVec
	jobsFinished *prometheus.CounterVec
	providerErrs *prometheus.CounterVec
}

// New makes the registry, with Go's and the process's own collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.sockets = prometheus.NewGauge(prometheus.GaugeOpts{Name: "shotline_realtime_sockets", Help: "Open board sockets on this instance."})
	m.slowCloses = prometheus.NewCounter(prometheus.CounterOpts{Name: "shotline_realtime_slow_client_closes_total",
		Help: "Sockets closed because their client could not keep up (close code 4001)."})
	m.opsStored = prometheus.NewCounter(prometheus.CounterOpts{Name: "shotline_realtime_ops_stored_total", Help: "Ops written to the op log (then acknowledged)."})
	m.commitTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "shotline_realtime_commit_seconds",
		Help: "Time of one group commit of ops to the op log.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.jobDurations = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shotline_render_job_duration_seconds",
		Help: "Time of one run of a render job, by provider and outcome.", Buckets: prometheus.ExponentialBuckets(0.25, 2, 14)},
		[]string{"provider", "outcome"})
	m.jobsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shotline_render_runs_total",
		Help: "Runs of render jobs by this instance's workers, by provider and outcome (succeeded, retry, failed, canceled, lease-lost)."},
		[]string{"provider", "outcome"})
	m.providerErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shotline_render_provider_errors_total",
		Help: "Provider failures by provider and kind (transient, permanent, refused)."}, []string{"provider", "kind"})
	m.reg.MustRegister(m.sockets, m.slowCloses, m.opsStored, m.commitTime, m.jobDurations, m.jobsFinished, m.providerErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gather returns the metrics now, for tests.
func (m *Metrics) Gather() (map[string]float64, error) {
	fams, err := m.reg.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			name := f.GetName()
			for _, l := range mt.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			switch {
			case mt.Gauge != nil:
				out[name] = mt.Gauge.GetValue()
			case mt.Counter != nil:
				out[name] = mt.Counter.GetValue()
			case mt.Histogram != nil:
				out[name+"_count"] = float64(mt.Histogram.GetSampleCount())
			}
		}
	}
	return out, nil
}

// SocketOpened counts a socket; call SocketClosed when it ends.
func (m *Metrics) SocketOpened() { m.sockets.Inc() }

// SocketClosed uncounts a socket; slow says its client could not keep up.
func (m *Metrics) SocketClosed(slow bool) {
	m.sockets.Dec()
	if slow {
		m.slowCloses.Inc()
	}
}

// Rooms reports the loaded rooms at each scrape.
func (m *Metrics) Rooms(fn func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shotline_realtime_rooms", Help: "Boards with a room loaded on this instance."},
		func() float64 { return float64(fn()) }))
}

// OpLog wraps the op log so every AppendOps (one group commit) is timed and
// its ops counted.
func (m *Metrics) OpLog(inner shotline.OpLog) shotline.OpLog { return &timedOpLog{OpLog: inner, m: m} }

type timedOpLog struct {
	shotline.OpLog
	m *Metrics
}

func (t *timedOpLog) AppendOps(ctx context.Context, ops []shotline.StoredOp) error {
	start := time.Now()
	err := t.OpLog.AppendOps(ctx, ops)
	t.m.commitTime.Observe(time.Since(start).Seconds())
	if err == nil {
		t.m.opsStored.Add(float64(len(ops)))
	}
	return err
}

// RenderRun records one run of a render job; outcome is a worker's
// ("succeeded", "retry:transient", "failed:refused", …).
func (m *Metrics) RenderRun(provider, outcome string, d time.Duration) {
	kind, detail, _ := strings.Cut(outcome, ":")
	m.jobDurations.WithLabelValues(provider, kind).Observe(d.Seconds())
	m.jobsFinished.WithLabelValues(provider, kind).Inc()
	if detail != "" {
		m.providerErrs.WithLabelValues(provider, detail).Inc()
	}
}

// QueueDepth reports the render jobs per state at each scrape, from fn
// (queued and running: the unfinished ones, read from the queue documents).
func (m *Metrics) QueueDepth(fn func(ctx context.Context) (map[shotline.JobState]int, error)) {
	m.reg.MustRegister(&depthCollector{fn: fn, desc: prometheus.NewDesc("shotline_render_queue_depth",
		"Unfinished render jobs by state (all workspaces).", []string{"state"}, nil)})
}

type depthCollector struct {
	fn   func(ctx context.Context) (map[shotline.JobState]int, error)
	desc *prometheus.Desc
}

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	depth, err := c.fn(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range []shotline.JobState{shotline.JobQueued, shotline.JobRunning} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(depth[s]), string(s))
	}
}

// BytesStored reports the bytes stored in the object store for all
// workspaces (uploads and renders) at each scrape.
func (m *Metrics) BytesStored(fn func(ctx context.Context) (int64, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shotline_object_store_bytes",
		Help: "Bytes of uploads and renders in the object store, all workspaces."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := fn(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}
