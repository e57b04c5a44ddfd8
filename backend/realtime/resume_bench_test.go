package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

// The resume benchmarks measure the server's side of a reconnect: from the
// join message being handed to the hub until the message that brings the
// client up to date (the ops it missed, or a snapshot) has been written to
// its transport. The board is built once per benchmark, outside the timer,
// against the real database; the room stays loaded (as it does while anyone
// is on the board), so a join is served from memory.
//
// Run with: go test -run '^$' -bench Resume -benchtime 20x ./backend/realtime

// BenchmarkResume5000Behind: a client that missed 5,000 ops gets them in
// one ops message.
func BenchmarkResume5000Behind(b *testing.B) {
	const (
		shots  = 50
		behind = 5000
		sets   = behind + 150 // ops before the client's lastSeq too
	)
	e := newBenchEnv(b)
	ids := e.insertShots(b, shots)
	e.applyAll(b, sets, func(i int) board.Op {
		title, _ := json.Marshal(fmt.Sprintf("Shot %d, take %d", i%shots, i))
		return board.ShotSet{ShotID: ids[i%shots], Field: board.ShotTitle, Value: title}
	})
	head := e.head(b)
	if head != shots+sets {
		b.Fatalf("board at seq %d, want %d", head, shots+sets)
	}
	lastSeq := head - behind

	var total, worst time.Duration
	for b.Loop() {
		data, took := e.resume(b, &lastSeq)
		total += took
		worst = max(worst, took)
		// Only what a resume must get right, not every op's shape: a strict
		// decode of 5,000 ops takes several times longer than the resume.
		var ops struct {
			Type string `json:"type"`
			Ops  []struct {
				Seq int64 `json:"seq"`
			} `json:"ops"`
		}
		if err := json.Unmarshal(data, &ops); err != nil {
			b.Fatalf("decode %.200q: %v", data, err)
		}
		if ops.Type != string(realtime.TypeOps) {
			b.Fatalf("resume at %d of %d got a %q message, want the missed ops: %.200s", lastSeq, head, ops.Type, data)
		}
		if len(ops.Ops) != behind {
			b.Fatalf("resume got %d ops, want %d", len(ops.Ops), behind)
		}
		for i, ao := range ops.Ops {
			if want := lastSeq + 1 + int64(i); ao.Seq != want {
				b.Fatalf("op %d has seq %d, want %d", i, ao.Seq, want)
			}
		}
		b.SetBytes(int64(len(data)))
		b.StartTimer()
	}
	reportResume(b, total, worst)
}

// BenchmarkResumeSnapshot: a client without a lastSeq gets the whole board
// (200 shots) as a snapshot.
func BenchmarkResumeSnapshot(b *testing.B) {
	const shots = 200
	e := newBenchEnv(b)
	e.insertShots(b, shots)
	head := e.head(b)
	if head != shots {
		b.Fatalf("board at seq %d, want %d", head, shots)
	}

	var total, worst time.Duration
	for b.Loop() {
		data, took := e.resume(b, nil)
		total += took
		worst = max(worst, took)
		m, err := realtime.DecodeServerMessage(data)
		if err != nil {
			b.Fatalf("decode %.200q: %v", data, err)
		}
		snap, ok := m.(realtime.SnapshotMessage)
		if !ok {
			b.Fatalf("join without lastSeq got %T, want a snapshot: %.200s", m, data)
		}
		if snap.Seq != head || len(snap.Board.Shots) != shots {
			b.Fatalf("snapshot at seq %d with %d shots, want %d with %d", snap.Seq, len(snap.Board.Shots), head, shots)
		}
		b.SetBytes(int64(len(data)))
		b.StartTimer()
	}
	reportResume(b, total, worst)
}

func reportResume(b *testing.B, total, worst time.Duration) {
	if n := b.N; n > 0 {
		b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/resume")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/resume")
	}
}

type benchEnv struct {
	hub   *realtime.Hub
	board *shotline.Board
}

// newBenchEnv is newEnv for benchmarks: rooms stay loaded for the whole
// benchmark.
func newBenchEnv(b *testing.B) *benchEnv {
	e := newEnv(b, realtime.Config{IdleUnload: time.Hour})
	return &benchEnv{hub: e.hub, board: e.board}
}

// insertShots adds n shots with a title and a prompt and returns their ids.
func (e *benchEnv) insertShots(b *testing.B, n int) []string {
	b.Helper()
	keys, err := board.GenerateNKeysBetween("", "", n)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	prompt := strings.Repeat("A slow dolly in on the lighthouse at dusk, waves below. ", 4)
	e.applyAll(b, n, func(i int) board.Op {
		return board.ShotInsert{ShotID: ids[i], Position: keys[i], Shot: board.ShotFields{Title: "Shot " + strconv.Itoa(i), Prompt: prompt}}
	})
	return ids
}

// applyAll applies op(0) … op(n-1) through Hub.Apply from many goroutines
// at once, so the room writes them in large group commits; the order they
// land in does not matter to the callers.
func (e *benchEnv) applyAll(b *testing.B, n int, op func(i int) board.Op) {
	b.Helper()
	const workers = 64
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := e.hub.Apply(ctx, e.board.ID, "writer", shotline.RoleEditor, op(i)); err != nil {
					errs <- fmt.Errorf("apply op %d: %w", i, err)
					cancel()
					for range next {
					}
					return
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// head returns the board's durable seq.
func (e *benchEnv) head(b *testing.B) int64 {
	b.Helper()
	_, seq, err := e.hub.BoardSnapshot(context.Background(), e.board.ID)
	if err != nil {
		b.Fatal(err)
	}
	return seq
}

// resume connects a fresh client that joins at lastSeq (nil: none) and
// returns the first message the server writes to it and how long after the
// join was handed over that write happened. It must be called with the
// timer running and returns with it stopped; only the join-to-write span is
// timed.
func (e *benchEnv) resume(b *testing.B, lastSeq *int64) ([]byte, time.Duration) {
	b.Helper()
	b.StopTimer()
	conn := &stampedConn{fakeConn: newFakeConn(), wrote: make(chan stamped, 16)}
	c := realtime.NewClient(uuid.NewString(), "reader", "Reader", "sess-reader", "w1", shotline.RoleViewer, e.hub.QueueSize())
	served := make(chan struct{})
	go func() {
		defer close(served)
		e.hub.Serve(c, conn, e.board.ID)
	}()
	join := map[string]any{"type": "join", "protocol": realtime.ProtocolVersion, "boardId": e.board.ID}
	if lastSeq != nil {
		join["lastSeq"] = *lastSeq
	}
	frame, err := json.Marshal(join)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		conn.hangUp()
		<-served
	}()

	b.StartTimer()
	start := time.Now()
	conn.in <- frame
	var got stamped
	select {
	case got = <-conn.wrote:
	case <-conn.closed:
		b.StopTimer()
		b.Fatalf("closed with %d before the first message", conn.code)
	case <-time.After(30 * time.Second):
		b.StopTimer()
		b.Fatal("no message within 30s of the join")
	}
	b.StopTimer()
	return got.data, got.at.Sub(start)
}

// stampedConn is a fakeConn that notes when each message was written.
type stampedConn struct {
	*fakeConn
	wrote chan stamped
}

type stamped struct {
	data []byte
	at   time.Time
}

func (s *stampedConn) Write(msgs [][]byte) error {
	at := time.Now()
	for _, d := range msgs {
		select {
		case s.wrote <- stamped{d, at}:
		case <-s.closed:
			return io.EOF
		}
	}
	return nil
}
