package realtime

import (
	"sync"

	"github.com/shotline/shotline/backend/board"
)

// CommentAdded is a comment as it became durable on this instance (the one
// that stored it), for the notifications it earns: members it @mentions,
// the author of the thread it replies to (the inbox).
type CommentAdded struct {
	WorkspaceID, BoardID string
	Comment              board.Comment
	// Thread is the thread the comment replies to; the comment itself
	// when it starts one.
	Thread board.Comment
	// AuthorName is the author as the board's peers see them (a guest's
	// ends in " (guest)"); empty for an op sent through the REST API.
	AuthorName string
	// ByMember is whether the author wrote as a workspace member: a share
	// link guest's @ tokens are plain text.
	ByMember bool
}

// OnCommentAdded sets what runs for every comment this instance stores
// (nil: nothing). fn runs on one goroutine of its own, in the order the
// comments became durable, never on a room's: a slow fn delays other
// notifications, never anyone's ops. Set it before the hub serves.
func (h *Hub) OnCommentAdded(fn func(CommentAdded)) {
	h.notices.fn = fn
}

// notices hands events to a callback in order on one goroutine, from a
// queue that never blocks the room adding to it (comments are rate limited
// with every other message of a client, so it stays short).
type notices struct {
	fn func(CommentAdded)

	mu      sync.Mutex
	queue   []CommentAdded
	running bool
	idle    *sync.Cond // signalled when the queue empties
}

// add queues ev, starting the goroutine that drains the queue if none runs.
func (n *notices) add(ev CommentAdded) {
	if n.fn == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.queue = append(n.queue, ev)
	if !n.running {
		n.running = true
		go n.drain()
	}
}

func (n *notices) drain() {
	n.mu.Lock()
	for len(n.queue) > 0 {
		ev := n.queue[0]
		n.queue = n.queue[1:]
		n.mu.Unlock()
		n.fn(ev)
		n.mu.Lock()
	}
	n.running = false
	if n.idle != nil {
		n.idle.Broadcast()
	}
	n.mu.Unlock()
}

// wait returns once the queue is empty and nothing runs (Shutdown).
func (n *notices) wait() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.idle == nil {
		n.idle = sync.NewCond(&n.mu)
	}
	for n.running {
		n.idle.Wait()
	}
}

// commentAdded queues the notice of a comment.add that became durable.
func (r *Room) commentAdded(p pendingOp) {
	op, ok := p.op.Op.(board.CommentAdd)
	if !ok || r.hub.notices.fn == nil {
		return
	}
	cm, ok := r.durable.Comments[op.CommentID]
	if !ok {
		return
	}
	thread := cm
	if cm.ParentID != "" {
		if t, ok := r.durable.Comments[cm.ParentID]; ok {
			thread = t
		}
	}
	ev := CommentAdded{WorkspaceID: r.workspaceID, BoardID: r.boardID, Comment: board.CloneComment(cm), Thread: board.CloneComment(thread),
		ByMember: p.byMember}
	if len(p.ackTo) > 0 {
		ev.AuthorName = p.ackTo[0].Name
	}
	r.hub.notices.add(ev)
}
