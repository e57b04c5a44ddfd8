package http

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// savedProgress is an ImportProgressStore that keeps what is set, in order.
type savedProgress struct {
	shotline.ImportProgressStore
	saved   []shotline.ImportProgress
	deleted []string
}

func (s *savedProgress) SetImportProgress(_ context.Context, p *shotline.ImportProgress) error {
	s.saved = append(s.saved, *p)
	return nil
}

func (s *savedProgress) DeleteImportProgress(_ context.Context, id string) error {
	s.deleted = append(s.deleted, id)
	return nil
}

// TestImportTrackerStoresEachPhaseAndOnceASecond: the progress store is
// written at each change of phase and otherwise at most once a second,
// whatever the number of updates, so that a large bundle's thousands of
// writes do not each become a database write.
func TestImportTrackerStoresEachPhaseAndOnceASecond(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	now := t0
	store := &savedProgress{}
	tr := &importTracker{store: store, log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: func() time.Time { return now },
		ctx: context.Background(), saved: t0, p: shotline.ImportProgress{ID: "i", Phase: shotline.ImportReceiving, Total: 100}}
	step := func(after time.Duration, p shotline.ImportProgress) {
		now = now.Add(after)
		tr.set(p)
	}
	for i := range 50 { // 50 writes within 0.5 s: none stored
		step(10*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportReceiving, Done: int64(i), Total: 100})
	}
	step(500*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportReceiving, Done: 60, Total: 100}) // 1 s since the start
	step(10*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportReceiving, Done: 100, Total: 100})
	step(10*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportChecking, Total: 100})
	step(10*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportStoring, Total: 80, FilesTotal: 2})
	step(10*time.Millisecond, shotline.ImportProgress{Phase: shotline.ImportStoring, Done: 40, Total: 80, Files: 1, FilesTotal: 2})
	step(time.Second, shotline.ImportProgress{Phase: shotline.ImportStoring, Done: 80, Total: 80, Files: 2, FilesTotal: 2})
	type saved struct {
		phase             shotline.ImportPhase
		done, total       int64
		files, filesTotal int
		sinceStart        time.Duration
	}
	var got []saved
	for _, p := range store.saved {
		got = append(got, saved{p.Phase, p.Done, p.Total, p.Files, p.FilesTotal, p.UpdatedAt.Sub(t0)})
	}
	want := []saved{
		{shotline.ImportReceiving, 60, 100, 0, 0, time.Second},
		{shotline.ImportChecking, 0, 100, 0, 0, 1020 * time.Millisecond},
		{shotline.ImportStoring, 0, 80, 0, 2, 1030 * time.Millisecond},
		{shotline.ImportStoring, 80, 80, 2, 2, 2040 * time.Millisecond},
	}
	if len(got) != len(want) {
		t.Fatalf("stored %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("store %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	tr.end(context.Background())
	if len(store.deleted) != 1 || store.deleted[0] != "i" {
		t.Errorf("deleted %v, want [i]", store.deleted)
	}
}
