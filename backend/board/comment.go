package board

import (
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// Comment ops. A thread is a comment on a shot; replies hang off it one
// level deep. Comments outlive their shot (review history); new comments
// need the shot to exist.

func (s *BoardState) comment(id string) (Comment, error) {
	cm, ok := s.Comments[id]
	if !ok {
		return Comment{}, shotline.Errorf(shotline.ENOTFOUND, "Comment %s not found; it may have been deleted.", id)
	}
	return cm, nil
}

func (s *BoardState) prepareCommentAdd(c caller, o CommentAdd) (Op, func(int64), error) {
	if err := c.require(shotline.PermCommentCreate, "comment on this board"); err != nil {
		return nil, nil, err
	}
	if err := validID("commentId", o.CommentID); err != nil {
		return nil, nil, err
	}
	if err := validCommentBody(o.Body); err != nil {
		return nil, nil, err
	}
	if _, err := s.shot(o.ShotID); err != nil {
		return nil, nil, err
	}
	if o.ParentID != "" {
		parent, err := s.comment(o.ParentID)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case parent.ParentID != "":
			return nil, nil, shotline.Invalid("parentId", "replies go to the thread, not to another reply")
		case parent.ShotID != o.ShotID:
			return nil, nil, shotline.Invalid("shotId", "must be the shot of the thread")
		case o.TimeRange != nil:
			return nil, nil, shotline.Invalid("timeRange", "only a thread has a time range")
		}
	}
	if tr := o.TimeRange; tr != nil && !(tr.Start >= 0 && tr.Start <= tr.End && tr.End <= shotline.MaxShotDuration) {
		return nil, nil, shotline.Invalid("timeRange", fmt.Sprintf("must satisfy 0 <= start <= end <= %d", shotline.MaxShotDuration))
	}
	if o.At != "" {
		if _, err := time.Parse(time.RFC3339, o.At); err != nil {
			return nil, nil, shotline.Invalid("at", "must be an RFC 3339 time")
		}
	}
	cm := Comment{ID: o.CommentID, ShotID: o.ShotID, ParentID: o.ParentID, AuthorID: c.actor, Body: o.Body, CreatedAt: o.At}
	if o.TimeRange != nil {
		tr := *o.TimeRange
		cm.TimeRange = &tr
	}
	applied := CommentAdd{CommentID: cm.ID, ShotID: cm.ShotID, ParentID: cm.ParentID, Body: cm.Body, TimeRange: CloneComment(cm).TimeRange, At: cm.CreatedAt}
	if cur, ok := s.Comments[cm.ID]; ok {
		if cur.ShotID == cm.ShotID && cur.ParentID == cm.ParentID && cur.AuthorID == cm.AuthorID &&
			cur.Body == cm.Body && equalTimeRange(cur.TimeRange, cm.TimeRange) {
			return applied, noop, nil
		}
		return nil, nil, shotline.Errorf(shotline.ECONFLICT, "A different comment already has the id %s.", cm.ID)
	}
	if len(s.Comments) >= MaxComments {
		return nil, nil, shotline.Invalid("comments", fmt.Sprintf("a board holds at most %d comments", MaxComments))
	}
	return applied, func(seq int64) {
		cm.CreatedSeq = seq
		s.Comments[cm.ID] = cm
	}, nil
}

func equalTimeRange(a, b *TimeRange) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (s *BoardState) prepareCommentEdit(c caller, o CommentEdit) (Op, func(int64), error) {
	if err := c.require(shotline.PermCommentCreate, "comment on this board"); err != nil {
		return nil, nil, err
	}
	cm, err := s.comment(o.CommentID)
	if err != nil {
		return nil, nil, err
	}
	if cm.AuthorID != c.actor {
		return nil, nil, shotline.Errorf(shotline.EFORBIDDEN, "Only its author can edit a comment.")
	}
	if err := validCommentBody(o.Body); err != nil {
		return nil, nil, err
	}
	return o, func(seq int64) {
		cm.Body, cm.EditedSeq = o.Body, seq
		s.Comments[cm.ID] = cm
	}, nil
}

func (s *BoardState) prepareCommentDelete(c caller, o CommentDelete) (Op, func(int64), error) {
	own, moderate := c.may(shotline.PermCommentCreate), c.may(shotline.PermCommentModerate)
	if !own && !moderate {
		return nil, nil, shotline.Errorf(shotline.EFORBIDDEN, "Your role cannot comment on this board.")
	}
	cm, err := s.comment(o.CommentID)
	if err != nil {
		return nil, nil, err
	}
	if !(own && cm.AuthorID == c.actor) && !moderate {
		return nil, nil, shotline.Errorf(shotline.EFORBIDDEN, "Your role cannot delete other people's comments.")
	}
	return o, func(int64) {
		delete(s.Comments, cm.ID)
		if cm.ParentID == "" {
			maps.DeleteFunc(s.Comments, func(_ string, r Comment) bool { return r.ParentID == cm.ID })
		}
	}, nil
}

func (s *BoardState) prepareCommentResolve(c caller, id string, resolved bool) (Op, func(int64), error) {
	own, anyone := c.may(shotline.PermCommentCreate), c.may(shotline.PermCommentResolve)
	if !own && !anyone {
		return nil, nil, shotline.Errorf(shotline.EFORBIDDEN, "Your role cannot comment on this board.")
	}
	cm, err := s.comment(id)
	if err != nil {
		return nil, nil, err
	}
	if cm.ParentID != "" {
		return nil, nil, shotline.Invalid("commentId", "only a thread can be resolved or reopened, not a reply")
	}
	if !(own && cm.AuthorID == c.actor) && !anyone {
		return nil, nil, shotline.Errorf(shotline.EFORBIDDEN, "Your role cannot resolve other people's threads.")
	}
	var applied Op = CommentResolve{CommentID: id}
	if !resolved {
		applied = CommentReopen{CommentID: id}
	}
	return applied, func(int64) {
		cm.Resolved, cm.ResolvedBy = resolved, ""
		if resolved {
			cm.ResolvedBy = c.actor
		}
		s.Comments[cm.ID] = cm
	}, nil
}

func validCommentBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return shotline.Invalid("body", "must not be empty")
	}
	if utf8.RuneCountInString(body) > MaxCommentLength {
		return shotline.Invalid("body", fmt.Sprintf("must be at most %d characters", MaxCommentLength))
	}
	return nil
}
