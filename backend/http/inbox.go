package http

import (
	"context"
	nethttp "net/http"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

type notifyInput struct {
	boardIDInput
	CommentID string `path:"commentId" maxLength:"64"`
}

type notifyOutput struct {
	Body struct {
		Notified int `json:"notified" doc:"How many inbox entries were added."`
	}
}

type inboxOutput struct {
	Body struct {
		Entries []shotline.InboxEntry `json:"entries" doc:"Newest first."`
		Unread  int                   `json:"unread"`
	}
}

type inboxReadInput struct {
	Body struct {
		IDs []string `json:"ids,omitempty" maxItems:"200" doc:"Entries to mark read."`
		All bool     `json:"all,omitempty" doc:"Mark every entry read."`
	}
}

// excerptLength bounds the comment text an inbox entry repeats.
const excerptLength = 140

func (s *Server) registerInbox() {
	register(s, Route{ID: "notifyComment", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/comments/{commentId}/notify", Tag: "inbox",
		Summary: "After its comment is acknowledged, its author's client asks for the inbox entries it earns: members it @mentions, the author of the thread it replies to",
		Scope:   ScopeBoard, Perm: shotline.PermCommentCreate},
		s.notifyComment)

	register(s, Route{ID: "getInbox", Method: nethttp.MethodGet, Path: "/api/inbox", Tag: "inbox",
		Summary: "Your mentions and replies to your threads, newest first, with the unread count", Scope: ScopeSession},
		func(ctx context.Context, _ *struct{}) (*inboxOutput, error) {
			es, unread, err := s.Inbox.FindInbox(ctx, callerFrom(ctx).User.ID)
			if err != nil {
				return nil, err
			}
			out := &inboxOutput{}
			out.Body.Entries, out.Body.Unread = append([]shotline.InboxEntry{}, es...), unread
			return out, nil
		})

	register(s, Route{ID: "markInboxRead", Method: nethttp.MethodPost, Path: "/api/inbox/read", Tag: "inbox",
		Summary: "Mark inbox entries read (some, or all)", Scope: ScopeSession, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *inboxReadInput) (*struct{}, error) {
			if !in.Body.All && len(in.Body.IDs) == 0 {
				return nil, shotline.Invalid("ids", "name the entries to mark read, or set all")
			}
			return nil, s.Inbox.MarkInboxRead(ctx, callerFrom(ctx).User.ID, in.Body.IDs, in.Body.All, s.now())
		})
}

// notifyComment reads the comment from the board's authoritative state (so
// nothing can be made up), checks that the caller wrote it, and adds the
// inbox entries it earns. Only members mention (a guest's @ tokens are
// text); only members have inboxes. Calling it twice adds nothing twice.
func (s *Server) notifyComment(ctx context.Context, in *notifyInput) (*notifyOutput, error) {
	a, c := accessFrom(ctx), callerFrom(ctx)
	snap, _, err := s.Hub.BoardSnapshot(ctx, a.Board.ID)
	if err != nil {
		return nil, err
	}
	var cm, thread *board.Comment
	for i := range snap.Comments {
		if snap.Comments[i].ID == in.CommentID {
			cm = &snap.Comments[i]
		}
	}
	if cm == nil {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Comment not found.")
	}
	if cm.AuthorID != c.Actor() {
		return nil, shotline.Errorf(shotline.EFORBIDDEN, "Only its author's client sends a comment's notifications.")
	}
	thread = cm
	for i := range snap.Comments {
		if cm.ParentID != "" && snap.Comments[i].ID == cm.ParentID {
			thread = &snap.Comments[i]
		}
	}
	from := c.Actor()
	name := ""
	if c.User != nil {
		name = c.User.Name
	} else {
		name = c.Guest.Name + " (guest)"
	}
	entry := func(kind string) shotline.InboxEntry {
		return shotline.InboxEntry{ID: kind + ":" + cm.ID, Kind: kind, BoardID: a.Board.ID, ShotID: cm.ShotID, ThreadID: thread.ID,
			CommentID: cm.ID, FromID: from, FromName: name, Excerpt: shotline.Clip(cm.Body, excerptLength), At: s.now()}
	}
	notified := map[string]bool{from: true}
	out := &notifyOutput{}
	if a.Grant.MemberRole != "" {
		for _, id := range shotline.Mentions(cm.Body) {
			if notified[id] || a.Workspace.Member(id) == nil {
				continue
			}
			if err := s.Inbox.AddInboxEntry(ctx, id, entry(shotline.InboxMention)); err != nil {
				return nil, err
			}
			notified[id] = true
			out.Body.Notified++
		}
	}
	if thread != cm && !notified[thread.AuthorID] && a.Workspace.Member(thread.AuthorID) != nil {
		if err := s.Inbox.AddInboxEntry(ctx, thread.AuthorID, entry(shotline.InboxReply)); err != nil {
			return nil, err
		}
		out.Body.Notified++
	}
	return out, nil
}
