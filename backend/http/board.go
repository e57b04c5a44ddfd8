package http

import (
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/shotline"
)

// boardView is a board as GET, POST and PATCH answer it: its document
// (archive flag, timestamps) with its content as the realtime channel's
// durable state has it: settings, every shot with all of its fields
// (provider, model and settings included) in timeline order, and the
// comments. Shots and comments have the protocol's shapes
// (docs/protocol.md), so a client reads the same board from either.
type boardView struct {
	shotline.Board
	DefaultProvider string        `json:"defaultProvider" doc:"Renders the shots that name no provider; empty: the server's default (animatic)."`
	Shots           []shotView    `json:"shots" doc:"In timeline order: by position, then id."`
	Comments        []commentView `json:"comments" doc:"Threads and replies, by createdSeq then id."`
}

// shotView and commentView are the protocol's shot and comment under
// names of their own in the OpenAPI document (shotline.Shot, which board
// lists carry, is another schema).
type (
	shotView    board.Shot
	commentView board.Comment
)

type boardOutput struct{ Body *boardView }

// viewOf returns b's view with its content from snap, the board at seq.
func viewOf(b *shotline.Board, snap board.BoardSnapshot, seq int64) *boardView {
	doc := *b
	doc.Title, doc.Description, doc.AspectRatio, doc.DefaultShotDuration = snap.Title, snap.Description, snap.AspectRatio, snap.DefaultShotDuration
	doc.Seq, doc.Shots = seq, nil
	v := &boardView{Board: doc, DefaultProvider: snap.DefaultProvider, Shots: make([]shotView, len(snap.Shots)), Comments: make([]commentView, len(snap.Comments))}
	for i, sh := range snap.Shots {
		v.Shots[i] = shotView(sh)
	}
	for i, cm := range snap.Comments {
		v.Comments[i] = commentView(cm)
	}
	return v
}

// boardContent returns the board's view: with a hub, the realtime
// channel's durable state (the room's, if it is loaded here, else the
// stored snapshot and the ops after it); without one, the document.
func (s *Server) boardContent(ctx context.Context, b *shotline.Board) (*boardView, error) {
	if s.Hub == nil {
		st, err := board.FromBoard(b)
		if err != nil {
			return nil, err
		}
		return viewOf(b, st.Snapshot(), b.Seq), nil
	}
	snap, seq, err := s.Hub.BoardSnapshotOf(ctx, b)
	if err != nil {
		return nil, err
	}
	return viewOf(b, snap, seq), nil
}

// setBoardLive changes board settings through the board's room, so that
// open editors see the change in order with everyone's edits.
func (s *Server) setBoardLive(ctx context.Context, boardID, userID string, role shotline.Role, upd shotline.BoardUpdate) error {
	sets := map[board.BoardField]any{}
	if upd.Title != nil {
		sets[board.BoardTitle] = *upd.Title
	}
	if upd.Description != nil {
		sets[board.BoardDescription] = *upd.Description
	}
	if upd.AspectRatio != nil {
		sets[board.BoardAspectRatio] = *upd.AspectRatio
	}
	if upd.DefaultShotDuration != nil {
		sets[board.BoardDefaultShotDuration] = *upd.DefaultShotDuration
	}
	if upd.DefaultProvider != nil {
		sets[board.BoardDefaultProvider] = *upd.DefaultProvider
	}
	for _, field := range []board.BoardField{board.BoardTitle, board.BoardDescription, board.BoardAspectRatio, board.BoardDefaultShotDuration, board.BoardDefaultProvider} {
		v, ok := sets[field]
		if !ok {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := s.Hub.Apply(ctx, boardID, userID, role, board.BoardSet{Field: field, Value: raw}); err != nil {
			return err
		}
	}
	return nil
}

type boardListOutput struct {
	Body struct {
		Boards []*shotline.Board `json:"boards" doc:"Boards without their shots."`
	}
}

type boardIDInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
}

type listBoardsInput struct {
	projectIDInput
	Archived bool `query:"archived" doc:"Include archived boards."`
}

type createBoardInput struct {
	projectIDInput
	Body struct {
		Title               string   `json:"title" maxLength:"200" example:"Opening sequence"`
		Description         string   `json:"description,omitempty" maxLength:"5000"`
		AspectRatio         string   `json:"aspectRatio,omitempty" enum:"16:9,9:16,1:1,4:3,2.39:1" default:"16:9"`
		DefaultShotDuration *float64 `json:"defaultShotDuration,omitempty" minimum:"0.5" maximum:"60" doc:"Seconds; default 3."`
	}
}

type updateBoardInput struct {
	boardIDInput
	Body struct {
		Title               *string  `json:"title,omitempty" maxLength:"200"`
		Description         *string  `json:"description,omitempty" maxLength:"5000"`
		AspectRatio         *string  `json:"aspectRatio,omitempty" enum:"16:9,9:16,1:1,4:3,2.39:1"`
		DefaultShotDuration *float64 `json:"defaultShotDuration,omitempty" minimum:"0.5" maximum:"60"`
		DefaultProvider     *string  `json:"defaultProvider,omitempty" maxLength:"100" doc:"A configured render provider (GET .../render-providers), or empty for the server's default."`
		Archived            *bool    `json:"archived,omitempty"`
	}
}

func (s *Server) registerBoards() {
	register(s, Route{ID: "listBoards", Method: nethttp.MethodGet, Path: "/api/projects/{projectId}/boards", Tag: "boards",
		Summary: "Boards of a project", Scope: ScopeProject, Perm: shotline.PermBoardRead},
		func(ctx context.Context, in *listBoardsInput) (*boardListOutput, error) {
			bs, err := s.Boards.FindBoards(ctx, accessFrom(ctx).Project.ID, in.Archived)
			if err != nil {
				return nil, err
			}
			out := &boardListOutput{}
			out.Body.Boards = append([]*shotline.Board{}, bs...)
			return out, nil
		})

	register(s, Route{ID: "createBoard", Method: nethttp.MethodPost, Path: "/api/projects/{projectId}/boards", Tag: "boards",
		Summary: "Create a board in a project", Scope: ScopeProject, Perm: shotline.PermBoardCreate, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *createBoardInput) (*boardOutput, error) {
			p := accessFrom(ctx).Project
			b := &shotline.Board{WorkspaceID: p.WorkspaceID, ProjectID: p.ID, AspectRatio: "16:9", DefaultShotDuration: shotline.DefaultShotDuration}
			upd := shotline.BoardUpdate{Title: &in.Body.Title, Description: &in.Body.Description, DefaultShotDuration: in.Body.DefaultShotDuration}
			if in.Body.AspectRatio != "" {
				upd.AspectRatio = &in.Body.AspectRatio
			}
			if err := upd.Validate(); err != nil {
				return nil, err
			}
			b.Title, b.Description = *upd.Title, *upd.Description
			if upd.AspectRatio != nil {
				b.AspectRatio = *upd.AspectRatio
			}
			if upd.DefaultShotDuration != nil {
				b.DefaultShotDuration = *upd.DefaultShotDuration
			}
			if err := s.Boards.CreateBoard(ctx, b); err != nil {
				return nil, err
			}
			if s.Hub != nil {
				if err := s.Hub.BoardCreated(ctx, b); err != nil {
					// Only its first load is slower: it reads the op log.
					s.log.WarnContext(ctx, "store a new board's snapshot", "board_id", b.ID, "err", err)
				}
			}
			st, err := board.FromBoard(b)
			if err != nil {
				return nil, err
			}
			return &boardOutput{Body: viewOf(b, st.Snapshot(), b.Seq)}, nil
		})

	register(s, Route{ID: "getBoard", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}", Tag: "boards",
		Summary: "A board with its shots (every field) in timeline order and its comments", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, _ *boardIDInput) (*boardOutput, error) {
			v, err := s.boardContent(ctx, accessFrom(ctx).Board)
			if err != nil {
				return nil, err
			}
			return &boardOutput{Body: v}, nil
		})

	register(s, Route{ID: "updateBoard", Method: nethttp.MethodPatch, Path: "/api/boards/{boardId}", Tag: "boards",
		Summary: "Change a board's settings or archive it", Scope: ScopeBoard, Perm: shotline.PermBoardUpdate},
		func(ctx context.Context, in *updateBoardInput) (*boardOutput, error) {
			upd := shotline.BoardUpdate{Title: in.Body.Title, Description: in.Body.Description, AspectRatio: in.Body.AspectRatio,
				DefaultShotDuration: in.Body.DefaultShotDuration, DefaultProvider: in.Body.DefaultProvider, Archived: in.Body.Archived}
			if err := upd.Validate(); err != nil {
				return nil, err
			}
			if p := upd.DefaultProvider; p != nil && *p != "" && !s.hasProvider(*p) {
				return nil, shotline.Invalid("defaultProvider", fmt.Sprintf("%q is not a render provider of this server", *p))
			}
			a := accessFrom(ctx)
			if s.Hub != nil {
				if err := s.setBoardLive(ctx, a.Board.ID, callerFrom(ctx).Actor(), a.Role, upd); err != nil {
					return nil, err
				}
				// The room writes settings to the document itself; only
				// the archive flag goes there directly.
				upd = shotline.BoardUpdate{Archived: upd.Archived}
			}
			b, err := s.Boards.UpdateBoard(ctx, a.Board.ID, upd)
			if err != nil {
				return nil, err
			}
			v, err := s.boardContent(ctx, b)
			if err != nil {
				return nil, err
			}
			return &boardOutput{Body: v}, nil
		})

	register(s, Route{ID: "deleteBoard", Method: nethttp.MethodDelete, Path: "/api/boards/{boardId}", Tag: "boards",
		Summary: "Delete a board", Scope: ScopeBoard, Perm: shotline.PermBoardDelete, Status: nethttp.StatusNoContent},
		func(ctx context.Context, _ *boardIDInput) (*struct{}, error) {
			id := accessFrom(ctx).Board.ID
			if err := s.Boards.DeleteBoard(ctx, id); err != nil {
				return nil, err
			}
			s.boardsDeleted(id)
			s.audit(ctx, accessFrom(ctx).Workspace.ID, shotline.AuditBoardDeleted, "board:"+id, accessFrom(ctx).Board.Title)
			return nil, nil
		})
}

type reviewSummaryOutput struct{ Body board.ReviewSummary }

// registerReview adds the board's review summary: shots per review status
// and open threads, from the room's state (the same numbers the timeline
// computes from its snapshot).
func (s *Server) registerReview() {
	register(s, Route{ID: "getReviewSummary", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/review", Tag: "boards",
		Summary: "A board's review summary: shots per review status, open threads", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, _ *boardIDInput) (*reviewSummaryOutput, error) {
			snap, _, err := s.Hub.BoardSnapshot(ctx, accessFrom(ctx).Board.ID)
			if err != nil {
				return nil, err
			}
			return &reviewSummaryOutput{Body: snap.Summary()}, nil
		})
}
