package mongo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

func TestAuditLogPagesNewestFirst(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	log := mongo.NewAuditLog(db)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2*mongo.AuditPageSize + 37
	// Appended from several goroutines: seqs are unique and gapless.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			action := shotline.AuditLinkOpened
			if i%10 == 0 {
				action = shotline.AuditLinkRevoked
			}
			errs <- log.AppendAudit(ctx, &shotline.AuditEntry{WorkspaceID: "w", Time: start.Add(time.Duration(i) * time.Minute),
				ActorID: fmt.Sprintf("u%d", i%3), Action: action, Target: "link:x", IP: "10.0.0.1"})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Another workspace's entries never show.
	if err := log.AppendAudit(ctx, &shotline.AuditEntry{WorkspaceID: "w2", Action: shotline.AuditSignIn}); err != nil {
		t.Fatal(err)
	}

	var seen []int64
	cursor := int64(0)
	for pages := 0; ; pages++ {
		es, next, err := log.BrowseAudit(ctx, "w", shotline.AuditFilter{Before: cursor, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			seen = append(seen, e.Seq)
		}
		if next == 0 {
			break
		}
		if pages > 20 {
			t.Fatal("the cursor does not end")
		}
		cursor = next
	}
	if len(seen) != n {
		t.Fatalf("browsed %d entries, want %d", len(seen), n)
	}
	for i, seq := range seen {
		if seq != int64(n-i) {
			t.Fatalf("entry %d has seq %d, want %d (newest first, no gap, no repeat)", i, seq, n-i)
		}
	}

	// Filters apply within what is read, and page on.
	es, _, err := log.BrowseAudit(ctx, "w", shotline.AuditFilter{Action: shotline.AuditLinkRevoked, Actor: "u0", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range n {
		if i%10 == 0 && i%3 == 0 {
			want++
		}
	}
	if len(es) != want {
		t.Fatalf("%d revocations by u0, want %d", len(es), want)
	}
	for _, e := range es {
		if e.Action != shotline.AuditLinkRevoked || e.ActorID != "u0" {
			t.Fatalf("filter let through %+v", e)
		}
	}
	es, _, _ = log.BrowseAudit(ctx, "w", shotline.AuditFilter{Since: start.Add(10 * time.Minute), Until: start.Add(20 * time.Minute), Limit: 100})
	if len(es) != 10 {
		t.Fatalf("time window: %d entries, want 10", len(es))
	}
	for _, e := range es {
		if e.Time.Before(start.Add(10*time.Minute)) || !e.Time.Before(start.Add(20*time.Minute)) {
			t.Fatalf("time window let through %v", e.Time)
		}
	}
	if es, next, err := log.BrowseAudit(ctx, "nobody", shotline.AuditFilter{}); err != nil || len(es) != 0 || next != 0 {
		t.Fatalf("empty log: %v %d %v", es, next, err)
	}
}
