package export

import (
	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

// BoardOf is the board an export reads: b's document for its ids and snap,
// its content at a seq, for the rest. Shots keep the provider they name
// (the board's default is the board's own field, as in the bundle) and
// take the board's aspect ratio where they have none.
func BoardOf(b *shotline.Board, snap board.BoardSnapshot) *Board {
	out := &Board{ID: b.ID, ProjectID: b.ProjectID, Title: snap.Title, Description: snap.Description, AspectRatio: snap.AspectRatio,
		DefaultShotDuration: snap.DefaultShotDuration, DefaultProvider: snap.DefaultProvider,
		Shots: make([]Shot, len(snap.Shots)), Comments: make([]Comment, len(snap.Comments))}
	for i, sh := range snap.Shots {
		ar := sh.AspectRatio
		if ar == "" {
			ar = snap.AspectRatio
		}
		out.Shots[i] = Shot{ID: sh.ID, Position: sh.Position, Number: i + 1, Title: sh.Title, Prompt: sh.Prompt, Notes: sh.Notes,
			Duration: sh.Duration, AspectRatio: ar, Status: sh.Status, Review: sh.Review.Status, Provider: sh.Provider, Model: sh.Model,
			Settings: sh.Settings}
	}
	for i, c := range snap.Comments {
		out.Comments[i] = Comment{ID: c.ID, ShotID: c.ShotID, ParentID: c.ParentID, Author: c.AuthorID, Body: c.Body, Resolved: c.Resolved}
		if c.TimeRange != nil {
			out.Comments[i].TimeRange = &TimeRange{Start: c.TimeRange.Start, End: c.TimeRange.End}
		}
	}
	return out
}
