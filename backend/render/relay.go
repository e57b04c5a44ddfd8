package render

import (
	"context"
	"fmt"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Relay pushes the changes of render jobs that this process does not run
// (jobs of `shotline worker` processes or of other app instances) to the
// boards open here. Every tick it reads, for each workspace with an open
// board, that workspace's queue document and its unfinished jobs by _id:
// its cost follows the jobs in flight, never the history.
type Relay struct {
	Service *Service
	// Boards lists the boards with a room on this instance.
	Boards func() []string
	// Workspace returns a board's workspace.
	Workspace func(ctx context.Context, boardID string) (string, error)
	// Send pushes a job to its board's room.
	Send func(j *shotline.RenderJob)

	workspaces map[string]string  // board → workspace
	seen       map[string]seenJob // job → what was last sent
}

type seenJob struct {
	state    string
	boardID  string
	workspID string
}

// Run ticks every period until ctx ends.
func (r *Relay) Run(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Service.log().Warn("relay render progress", "err", err)
		}
	}
}

func signature(j *shotline.RenderJob) string {
	return fmt.Sprintf("%s/%.3f/%d/%v", j.State, j.Progress, j.Attempt, j.Cancel)
}

// Tick sends every change since the last tick of the jobs of open boards,
// including the final state of jobs that finished meanwhile.
func (r *Relay) Tick(ctx context.Context) error {
	if r.workspaces == nil {
		r.workspaces, r.seen = map[string]string{}, map[string]seenJob{}
	}
	open := map[string]bool{}
	spaces := map[string]bool{}
	for _, b := range r.Boards() {
		open[b] = true
		ws, ok := r.workspaces[b]
		if !ok {
			var err error
			if ws, err = r.Workspace(ctx, b); err != nil {
				continue // deleted meanwhile
			}
			r.workspaces[b] = ws
		}
		spaces[ws] = true
	}
	for b := range r.workspaces {
		if !open[b] {
			delete(r.workspaces, b)
		}
	}
	active := map[string]bool{}
	for ws := range spaces {
		ids, err := r.Service.Queue.Active(ctx, ws)
		if err != nil {
			return err
		}
		for _, id := range ids {
			active[id] = true
			r.check(ctx, id, open)
		}
	}
	// Jobs that left their queue since the last tick: send how they ended.
	for id := range r.seen {
		if !active[id] {
			r.check(ctx, id, open)
			delete(r.seen, id)
		}
	}
	return nil
}

func (r *Relay) check(ctx context.Context, id string, open map[string]bool) {
	j, err := r.Service.Queue.Job(ctx, id)
	if err != nil || !open[j.BoardID] || j.Kind == shotline.JobExport {
		return // exports' progress is read from their list, not pushed
	}
	sig := signature(j)
	if prev, ok := r.seen[id]; ok && prev.state == sig {
		return
	}
	r.seen[id] = seenJob{state: sig, boardID: j.BoardID, workspID: j.WorkspaceID}
	r.Send(j)
}
