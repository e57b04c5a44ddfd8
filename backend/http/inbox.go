package http

import (
	"context"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/shotline"
)

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
	s.Hub.OnCommentAdded(s.commentAdded)

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

// commentAdded adds the inbox entries a comment earns once it is durable
// (the hub calls it, in order, off the rooms): the workspace members it
// @mentions, if a member wrote it (a guest's @ tokens are text), and the
// author of the thread it replies to. Only members have inboxes. An entry's
// id is its kind and the comment's id, so nothing is added twice.
func (s *Server) commentAdded(ev realtime.CommentAdded) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.notifyComment(ctx, ev); err != nil {
		s.log.Error("comment notifications", "board_id", ev.BoardID, "comment_id", ev.Comment.ID, "err", err)
	}
}

func (s *Server) notifyComment(ctx context.Context, ev realtime.CommentAdded) error {
	cm, thread := ev.Comment, ev.Thread
	mentions := shotline.Mentions(cm.Body)
	if thread.ID == cm.ID && (!ev.ByMember || len(mentions) == 0) {
		return nil // nobody to tell: no reply, no mention that counts
	}
	ws, err := s.Workspaces.FindWorkspaceByID(ctx, ev.WorkspaceID)
	if err != nil {
		return err
	}
	// A guest's name says so ("Dana (guest)"); an op sent through the API
	// has none.
	name := ev.AuthorName
	if name == "" && !strings.HasPrefix(cm.AuthorID, shotline.GuestActorPrefix) {
		if u, err := s.Users.FindUserByID(ctx, cm.AuthorID); err == nil {
			name = u.Name
		}
	}
	entry := func(kind string) shotline.InboxEntry {
		return shotline.InboxEntry{ID: kind + ":" + cm.ID, Kind: kind, BoardID: ev.BoardID, ShotID: cm.ShotID, ThreadID: thread.ID,
			CommentID: cm.ID, FromID: cm.AuthorID, FromName: name, Excerpt: shotline.Clip(cm.Body, excerptLength), At: s.now()}
	}
	notified := map[string]bool{cm.AuthorID: true}
	if ev.ByMember {
		for _, id := range mentions {
			if notified[id] || ws.Member(id) == nil {
				continue
			}
			if err := s.Inbox.AddInboxEntry(ctx, id, entry(shotline.InboxMention)); err != nil {
				return err
			}
			notified[id] = true
		}
	}
	if thread.ID != cm.ID && !notified[thread.AuthorID] && ws.Member(thread.AuthorID) != nil {
		return s.Inbox.AddInboxEntry(ctx, thread.AuthorID, entry(shotline.InboxReply))
	}
	return nil
}
