package mongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

// TestImportProgressLivesWhileItsImportRuns: one document per id (a second
// start with the same id conflicts), its counters replaced as the import
// goes, gone once deleted.
func TestImportProgressLivesWhileItsImportRuns(t *testing.T) {
	ctx := context.Background()
	s := mongo.NewImportProgressStore(openDB(t))
	at := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	p := &shotline.ImportProgress{ID: "0193a3c0-0000-4000-8000-000000000001", WorkspaceID: "ws", UserID: "u",
		Phase: shotline.ImportReceiving, Total: 1 << 30, UpdatedAt: at}
	if err := s.CreateImportProgress(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateImportProgress(ctx, &shotline.ImportProgress{ID: p.ID, WorkspaceID: "other", UserID: "v"}); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Errorf("second start with the same id: %v, want ECONFLICT", err)
	}
	p.Phase, p.Done, p.Total, p.Files, p.FilesTotal, p.UpdatedAt = shotline.ImportStoring, 300, 900, 1, 3, at.Add(time.Second)
	if err := s.SetImportProgress(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindImportProgress(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *p {
		t.Errorf("found %+v, want %+v", *got, *p)
	}
	if err := s.DeleteImportProgress(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindImportProgress(ctx, p.ID); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("after delete: %v, want ENOTFOUND", err)
	}
}
