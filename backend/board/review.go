package board

import (
	"slices"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Review statuses of a shot, set by commenters and up (share link guests
// included): what the reviewers think of it, apart from the editors'
// production status (Shot.Status).
const (
	ReviewNone             = "none"
	ReviewApproved         = "approved"
	ReviewChangesRequested = "changes_requested"
)

// ReviewStatuses lists every review status.
var ReviewStatuses = []string{ReviewNone, ReviewApproved, ReviewChangesRequested}

// ShotReview is a shot's review status, who set it (an actor: a user id or
// guest:…) and when (the seq of the op that set it; the op log has its
// time, like a comment's CreatedSeq).
type ShotReview struct {
	Status string `json:"status"`
	By     string `json:"by"`
	Seq    int64  `json:"seq"`
	At     string `json:"at,omitempty"` // RFC 3339, the server's clock when it took the op (absent before 2026-12-05)
}

// ShotReviewOp sets a shot's review status ("shot.review"). Clients send
// ShotID and Status; the applied op carries By, the actor, and At, the
// server's time when it took the op (whatever a client sends is replaced).
type ShotReviewOp struct {
	ShotID string `json:"shotId"`
	Status string `json:"status"`
	By     string `json:"by,omitempty"`
	At     string `json:"at,omitempty"`
}

// Kind implements Op.
func (ShotReviewOp) Kind() OpKind { return KindShotReview }
func (ShotReviewOp) isOp()        {}

// MarshalJSON implements json.Marshaler.
func (o ShotReviewOp) MarshalJSON() ([]byte, error) {
	type plain ShotReviewOp
	return MarshalTagged("kind", string(o.Kind()), plain(o))
}

func (s *BoardState) prepareShotReview(c caller, o ShotReviewOp) (Op, func(int64), error) {
	if err := c.require(shotline.PermReviewSet, "approve shots or request changes"); err != nil {
		return nil, nil, err
	}
	if !slices.Contains(ReviewStatuses, o.Status) {
		return nil, nil, shotline.Invalid("status", "must be none, approved or changes_requested")
	}
	sh, err := s.shot(o.ShotID)
	if err != nil {
		return nil, nil, err
	}
	if o.At != "" {
		if _, err := time.Parse(time.RFC3339, o.At); err != nil {
			return nil, nil, shotline.Invalid("at", "must be an RFC 3339 time")
		}
	}
	applied := ShotReviewOp{ShotID: o.ShotID, Status: o.Status, By: c.actor, At: o.At}
	return applied, func(seq int64) {
		sh.Review = ShotReview{Status: o.Status, By: c.actor, Seq: seq, At: o.At}
		s.Shots[sh.ID] = sh
	}, nil
}

// ReviewSummary counts a board's shots per review status and its open
// (unresolved) threads.
type ReviewSummary struct {
	Shots       int            `json:"shots"`
	ByStatus    map[string]int `json:"byStatus" doc:"Shots per review status: none, approved, changes_requested."`
	OpenThreads int            `json:"openThreads"`
}

// Summary returns the board's review summary.
func (b BoardSnapshot) Summary() ReviewSummary {
	sum := ReviewSummary{Shots: len(b.Shots), ByStatus: map[string]int{ReviewNone: 0, ReviewApproved: 0, ReviewChangesRequested: 0}}
	for _, sh := range b.Shots {
		st := sh.Review.Status
		if st == "" {
			st = ReviewNone
		}
		sum.ByStatus[st]++
	}
	for _, c := range b.Comments {
		if c.ParentID == "" && !c.Resolved {
			sum.OpenThreads++
		}
	}
	return sum
}
