package mongo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func openDB(t testing.TB) *mongo.DB {
	t.Helper()
	return openNamedDB(t, testenv.Database(t))
}

// openNamedDB opens and migrates the database name (from testenv.Database).
func openNamedDB(t testing.TB, name string) *mongo.DB {
	t.Helper()
	ctx := context.Background()
	audit := mongo.NewQueryAudit()
	db, err := mongo.Open(ctx, testenv.Get(t).MongoURI, name, audit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate is not idempotent: %v", err)
	}
	audit.Reset()
	t.Cleanup(func() {
		for _, q := range audit.Unbounded() {
			t.Errorf("a query reads its whole collection on the local store: %s", q)
		}
	})
	return db
}

// TestConcurrentWorkspaceUpdatesLoseNothing adds members from many goroutines
// at once: optimistic concurrency must retry, not overwrite.
func TestConcurrentWorkspaceUpdatesLoseNothing(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	ws := mongo.NewWorkspaceService(db)
	w := &shotline.Workspace{Name: "W", Members: []shotline.Member{{UserID: "owner", Role: shotline.RoleOwner}}}
	if err := ws.CreateWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := ws.UpdateWorkspace(ctx, w.ID, func(w *shotline.Workspace) error {
				return w.AddMember(fmt.Sprintf("user-%d", i), shotline.RoleEditor, time.Now())
			})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := ws.FindWorkspaceByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != n+1 {
		t.Fatalf("%d members, want %d: an update was lost", len(got.Members), n+1)
	}
	if got.Version != n+1 {
		t.Errorf("version %d, want %d", got.Version, n+1)
	}
	byMember, err := ws.FindWorkspacesByMember(ctx, "user-3")
	if err != nil || len(byMember) != 1 || byMember[0].ID != w.ID {
		t.Errorf("FindWorkspacesByMember = %v, %v", byMember, err)
	}
}

func TestUpdateWorkspaceRuleErrorStoresNothing(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	ws := mongo.NewWorkspaceService(db)
	w := &shotline.Workspace{Name: "W", Members: []shotline.Member{{UserID: "owner", Role: shotline.RoleOwner}}}
	if err := ws.CreateWorkspace(ctx, w); err != nil {
		t.Fatal(err)
	}
	_, err := ws.UpdateWorkspace(ctx, w.ID, func(w *shotline.Workspace) error {
		w.Name = "changed"
		return w.RemoveMember("owner")
	})
	if shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("removing the last owner: %v", err)
	}
	got, _ := ws.FindWorkspaceByID(ctx, w.ID)
	if got.Name != "W" || len(got.Members) != 1 {
		t.Errorf("a refused update was stored: %+v", got)
	}
	if _, err := ws.UpdateWorkspace(ctx, "missing", func(*shotline.Workspace) error { return nil }); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("missing workspace: %v", err)
	}
}

func TestUsers(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	us := mongo.NewUserService(db)
	a := &shotline.User{Email: "a@example.com", Name: "A", PasswordHash: "h"}
	if err := us.CreateUser(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := us.CreateUser(ctx, &shotline.User{Email: "a@example.com", Name: "B"}); shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Errorf("duplicate email: %v", err)
	}
	got, err := us.FindUserByEmail(ctx, "a@example.com")
	if err != nil || got.ID != a.ID || got.PasswordHash != "h" {
		t.Errorf("FindUserByEmail = %+v, %v", got, err)
	}
	if _, err := us.FindUserByID(ctx, "nope"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("missing user: %v", err)
	}
	if err := us.SetPasswordHash(ctx, "nope", "x"); shotline.ErrorCode(err) != shotline.ENOTFOUND {
		t.Errorf("password of missing user: %v", err)
	}
}
