package shotline

import (
	"context"
	"time"
)

// LedgerEntry is one change of a workspace's credit balance. The ledger is
// append-only; Key makes each change happen once ("charge:<job>",
// "refund:<job>", "topup:<request id>").
type LedgerEntry struct {
	Key         string    `json:"key"`
	WorkspaceID string    `json:"workspaceId"`
	Amount      int64     `json:"amount"` // negative for a charge
	Reason      string    `json:"reason"`
	JobID       string    `json:"jobId,omitempty"`
	By          string    `json:"by,omitempty"` // user id
	At          time.Time `json:"at"`
}

// CreditStore keeps each workspace's credit balance and ledger.
type CreditStore interface {
	// Balance returns the workspace's balance.
	Balance(ctx context.Context, workspaceID string) (int64, error)
	// Apply records e and changes the balance by e.Amount, exactly once per
	// (workspace, e.Key): applying a key again changes nothing and returns
	// applied false. A charge (negative amount) that would take the
	// balance below zero is refused with ECONFLICT and leaves no entry.
	Apply(ctx context.Context, e LedgerEntry) (applied bool, err error)
	// Ledger returns the workspace's latest entries, newest first.
	Ledger(ctx context.Context, workspaceID string, limit int) ([]LedgerEntry, error)
}

// RenderSettings are a workspace's render settings, set by admins.
type RenderSettings struct {
	RetentionDays int `json:"retentionDays"` // renders and exports expire this long after they finish
	Concurrency   int `json:"concurrency"`   // the workspace's jobs running at once
}

// DefaultRenderSettings apply until an admin changes them (the operator
// may set another default concurrency: SHOTLINE_RENDER_CONCURRENCY).
var DefaultRenderSettings = RenderSettings{RetentionDays: 30, Concurrency: 2}

// Bounds of the render settings an admin may set.
const (
	MinRetentionDays     = 1
	MaxRetentionDays     = 3650
	MinRenderConcurrency = 1
	MaxRenderConcurrency = 16
)
