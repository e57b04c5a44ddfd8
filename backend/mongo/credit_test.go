package mongo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

func TestCreditsApplyOncePerKey(t *testing.T) {
	s := mongo.NewCreditStore(openDB(t))
	ctx := context.Background()
	if _, err := s.Apply(ctx, shotline.LedgerEntry{Key: "topup:1", WorkspaceID: "w", Amount: 100, Reason: "top-up"}); err != nil {
		t.Fatal(err)
	}
	// The same charge from eight goroutines at once: one applies.
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for range 8 {
		wg.Go(func() {
			ok, err := s.Apply(ctx, shotline.LedgerEntry{Key: "charge:j1", WorkspaceID: "w", Amount: -30, JobID: "j1"})
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				applied++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if applied != 1 {
		t.Errorf("charge applied %d times", applied)
	}
	if b, _ := s.Balance(ctx, "w"); b != 70 {
		t.Errorf("balance %d, want 70", b)
	}
	_, err := s.Apply(ctx, shotline.LedgerEntry{Key: "charge:j2", WorkspaceID: "w", Amount: -71})
	if shotline.ErrorCode(err) != shotline.ECONFLICT {
		t.Fatalf("overdraft: %v, want ECONFLICT", err)
	}
	if b, _ := s.Balance(ctx, "w"); b != 70 {
		t.Errorf("balance %d after a refused charge, want 70", b)
	}
	// The refused key may be charged later, once there is enough.
	if ok, err := s.Apply(ctx, shotline.LedgerEntry{Key: "charge:j2", WorkspaceID: "w", Amount: -70}); !ok || err != nil {
		t.Fatalf("charge after refusal: %v %v", ok, err)
	}
	for range 2 {
		if _, err := s.Apply(ctx, shotline.LedgerEntry{Key: "refund:j1", WorkspaceID: "w", Amount: 30}); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := s.Balance(ctx, "w"); b != 30 {
		t.Errorf("balance %d, want 30 (refund once)", b)
	}
	l, err := s.Ledger(ctx, "w", 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range l {
		keys = append(keys, e.Key)
	}
	if got, want := fmt.Sprint(keys), "[refund:j1 charge:j2 charge:j1 topup:1]"; got != want {
		t.Errorf("ledger %s, want %s", got, want)
	}
}

// The balance document lists at most MaxRecentEntries entry ids, on
// FerretDB too (whose $push ignores $slice): the oldest go.
func TestCreditBalanceListsTheRecentEntriesOnly(t *testing.T) {
	db := openDB(t)
	s := mongo.NewCreditStore(db)
	ctx := context.Background()
	for i := range mongo.MaxRecentEntries + 3 {
		if _, err := s.Apply(ctx, shotline.LedgerEntry{Key: fmt.Sprint("topup:", i), WorkspaceID: "w", Amount: 1, Reason: "top-up"}); err != nil {
			t.Fatal(err)
		}
	}
	var d struct {
		Balance int64    `bson:"balance"`
		Recent  []string `bson:"recent"`
	}
	if err := db.Collection("credits").FindOne(ctx, bson.D{{Key: "_id", Value: "w"}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Balance != mongo.MaxRecentEntries+3 || len(d.Recent) != mongo.MaxRecentEntries {
		t.Fatalf("balance %d with %d recent ids; want %d with %d", d.Balance, len(d.Recent), mongo.MaxRecentEntries+3, mongo.MaxRecentEntries)
	}
}
