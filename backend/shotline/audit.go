package shotline

import (
	"context"
	"strings"
	"time"
)

// AuditAction names a security-relevant action in the audit log.
type AuditAction string

// The audited actions.
const (
	AuditSignIn            AuditAction = "sign-in"
	AuditSignInFailed      AuditAction = "sign-in-failed"
	AuditSignOutEverywhere AuditAction = "sign-out-everywhere"
	AuditMemberInvited     AuditAction = "member-invited"
	AuditMemberRoleChanged AuditAction = "member-role-changed"
	AuditMemberRemoved     AuditAction = "member-removed"
	AuditLinkCreated       AuditAction = "link-created"
	AuditLinkEdited        AuditAction = "link-edited"
	AuditLinkRevoked       AuditAction = "link-revoked"
	AuditLinkOpened        AuditAction = "link-opened"
	AuditLinkRefused       AuditAction = "link-refused" // wrong password, expired, revoked (Detail says which)
	AuditBoardDeleted      AuditAction = "board-deleted"
	AuditProjectDeleted    AuditAction = "project-deleted"
	AuditVersionRestored   AuditAction = "version-restored"
	AuditProjectImported   AuditAction = "project-imported"
)

// AuditActions lists every audited action.
var AuditActions = []AuditAction{AuditSignIn, AuditSignInFailed, AuditSignOutEverywhere, AuditMemberInvited,
	AuditMemberRoleChanged, AuditMemberRemoved, AuditLinkCreated, AuditLinkEdited, AuditLinkRevoked, AuditLinkOpened,
	AuditLinkRefused, AuditBoardDeleted, AuditProjectDeleted, AuditVersionRestored, AuditProjectImported}

// AuditEntry is one line of a workspace's audit log. Entries are only ever
// appended: nothing in the app or the API edits or deletes them.
type AuditEntry struct {
	Seq         int64       `json:"seq" doc:"Position in the workspace's log, from 1; the cursor counts down from it."`
	WorkspaceID string      `json:"-"`
	Time        time.Time   `json:"time"`
	ActorID     string      `json:"actorId" doc:"A user id, or guest:… for a share link's guest."`
	ActorName   string      `json:"actorName"`
	LinkID      string      `json:"linkId,omitempty" doc:"The share link a guest acted through."`
	Action      AuditAction `json:"action"`
	Target      string      `json:"target" doc:"What was acted on: link:…, member:…, board:…, project:…, version:…, user:…"`
	Detail      string      `json:"detail,omitempty"`
	IP          string      `json:"ip"`
	UserAgent   string      `json:"userAgent"`
}

// AuditFilter narrows a browse of the log. Empty fields match everything.
type AuditFilter struct {
	Actor  string      // actor id
	Action AuditAction //
	Target string      // exact target
	Since  time.Time   // at or after
	Until  time.Time   // before
	Before int64       // cursor: only entries with Seq < Before; 0 starts at the newest
	Limit  int         // entries per page
}

// Match reports whether e passes f's filters (not the cursor).
func (f AuditFilter) Match(e *AuditEntry) bool {
	return (f.Actor == "" || e.ActorID == f.Actor) && (f.Action == "" || e.Action == f.Action) &&
		(f.Target == "" || e.Target == f.Target) && (f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Until.IsZero() || e.Time.Before(f.Until))
}

// MaxAuditDetail bounds an entry's detail and user agent.
const MaxAuditDetail = 300

// Clip shortens s to n runes.
func Clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return strings.ToValidUTF8(s, "")
}

// AuditLog is the append-only audit log, one per workspace.
type AuditLog interface {
	// AppendAudit adds e to its workspace's log, setting Seq.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// BrowseAudit returns the entries of one workspace's log that match f,
	// newest first, at most f.Limit, and the cursor (f.Before) of the next
	// page, 0 if there is none. It reads a bounded number of entries per
	// call: a page may hold fewer than f.Limit entries and still have a
	// next cursor.
	BrowseAudit(ctx context.Context, workspaceID string, f AuditFilter) ([]AuditEntry, int64, error)
}
