package http

import (
	"context"
	"encoding/csv"
	"fmt"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// audit appends an entry for the request's caller to workspaceID's log.
// A failure to write it is logged, not shown: the action itself happened.
func (s *Server) audit(ctx context.Context, workspaceID string, action shotline.AuditAction, target, detail string) {
	c := callerFrom(ctx)
	e := shotline.AuditEntry{WorkspaceID: workspaceID, Action: action, Target: target, Detail: detail}
	if c != nil {
		e.ActorID = c.Actor()
		if c.User != nil {
			e.ActorName = c.User.Name
		} else if c.Guest != nil {
			e.ActorName, e.LinkID = c.Guest.Name, c.Guest.LinkID
		}
	}
	s.writeAudit(ctx, &e)
}

// auditLink records what happened when someone opened link l: user is the
// signed-in account, if any; otherwise the actor is the anonymous opener.
func (s *Server) auditLink(ctx context.Context, l *shotline.ShareLink, user *shotline.User, action shotline.AuditAction, detail string) {
	e := shotline.AuditEntry{WorkspaceID: l.WorkspaceID, Action: action, Target: "link:" + l.ID, Detail: detail, LinkID: l.ID, ActorID: "guest"}
	if user != nil {
		e.ActorID, e.ActorName = user.ID, user.Name
	}
	s.writeAudit(ctx, &e)
}

// auditUser records an account's own action (sign-in, …) in every
// workspace it is a member of, where the admins look.
func (s *Server) auditUser(ctx context.Context, u *shotline.User, action shotline.AuditAction) {
	ws, err := s.Workspaces.FindWorkspacesByMember(ctx, u.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "audit: find workspaces", "err", err, "request_id", requestID(ctx))
		return
	}
	for _, w := range ws {
		s.writeAudit(ctx, &shotline.AuditEntry{WorkspaceID: w.ID, Action: action, Target: "user:" + u.ID, ActorID: u.ID, ActorName: u.Name})
	}
}

func (s *Server) writeAudit(ctx context.Context, e *shotline.AuditEntry) {
	if s.Audit == nil {
		return
	}
	e.Time = s.now()
	if ri, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		e.IP, e.UserAgent = ri.IP, shotline.Clip(ri.UserAgent, shotline.MaxAuditDetail)
	}
	e.Detail = shotline.Clip(e.Detail, shotline.MaxAuditDetail)
	if err := s.Audit.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit: append", "err", err, "action", string(e.Action), "request_id", requestID(ctx))
	}
}

type auditQuery struct {
	workspaceIDInput
	Actor  string `query:"actor" maxLength:"80" doc:"Only this actor (a user id, or guest)."`
	Action string `query:"action" maxLength:"40" doc:"Only this action, e.g. link-revoked."`
	Target string `query:"target" maxLength:"120" doc:"Only this target, e.g. link:…"`
	Since  string `query:"since" doc:"RFC 3339: at or after."`
	Until  string `query:"until" doc:"RFC 3339: before."`
	Cursor int64  `query:"cursor" minimum:"0" doc:"The nextCursor of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (q *auditQuery) filter() (shotline.AuditFilter, error) {
	f := shotline.AuditFilter{Actor: q.Actor, Action: shotline.AuditAction(q.Action), Target: q.Target, Before: q.Cursor, Limit: q.Limit}
	for _, t := range []struct {
		field, v string
		into     *time.Time
	}{{"since", q.Since, &f.Since}, {"until", q.Until, &f.Until}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return f, shotline.Invalid(t.field, "must be an RFC 3339 time")
		}
		*t.into = v
	}
	return f, nil
}

type auditOutput struct {
	Body struct {
		Entries    []shotline.AuditEntry `json:"entries" doc:"Newest first."`
		NextCursor int64                 `json:"nextCursor,omitempty" doc:"Pass as cursor for the next page; absent on the last."`
	}
}

type auditCSVOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// maxAuditCSVEntries bounds one CSV download; a longer log is downloaded
// in parts with the cursor.
const maxAuditCSVEntries = 10000

func (s *Server) registerAudit() {
	register(s, Route{ID: "listAudit", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/audit", Tag: "audit",
		Summary: "The workspace's audit log, newest first, paged with a cursor", Scope: ScopeWorkspace, Perm: shotline.PermAuditRead},
		func(ctx context.Context, in *auditQuery) (*auditOutput, error) {
			f, err := in.filter()
			if err != nil {
				return nil, err
			}
			es, next, err := s.Audit.BrowseAudit(ctx, accessFrom(ctx).Workspace.ID, f)
			if err != nil {
				return nil, err
			}
			out := &auditOutput{}
			out.Body.Entries, out.Body.NextCursor = append([]shotline.AuditEntry{}, es...), next
			return out, nil
		})

	register(s, Route{ID: "downloadAudit", Method: nethttp.MethodGet, Path: "/api/workspaces/{workspaceId}/audit.csv", Tag: "audit",
		Summary: "The audit log as CSV (same filters; up to 10,000 entries from the cursor)", Scope: ScopeWorkspace, Perm: shotline.PermAuditRead},
		func(ctx context.Context, in *auditQuery) (*auditCSVOutput, error) {
			f, err := in.filter()
			if err != nil {
				return nil, err
			}
			f.Limit = 200
			w := accessFrom(ctx).Workspace
			var rows [][]string
			for n := 0; n < maxAuditCSVEntries; {
				es, next, err := s.Audit.BrowseAudit(ctx, w.ID, f)
				if err != nil {
					return nil, err
				}
				for _, e := range es {
					rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), e.Time.Format(time.RFC3339), e.ActorID, csvSafe(e.ActorName),
						e.LinkID, string(e.Action), e.Target, csvSafe(e.Detail), e.IP, csvSafe(e.UserAgent)})
				}
				n += len(es)
				if next == 0 {
					break
				}
				f.Before = next
			}
			var buf csvBuffer
			cw := csv.NewWriter(&buf)
			_ = cw.Write([]string{"seq", "time", "actor_id", "actor_name", "link_id", "action", "target", "detail", "ip", "user_agent"})
			_ = cw.WriteAll(rows)
			return &auditCSVOutput{ContentType: "text/csv; charset=utf-8",
				ContentDisposition: fmt.Sprintf(`attachment; filename="audit-%s.csv"`, w.ID), Body: buf.b}, nil
		})
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@') {
		return "'" + v
	}
	return v
}

type csvBuffer struct{ b []byte }

func (c *csvBuffer) Write(p []byte) (int, error) { c.b = append(c.b, p...); return len(p), nil }
