package shotline

import (
	"context"
	"regexp"
	"time"
)

// InboxEntry tells a member that someone mentioned them in a comment, or
// replied to one of their threads. It links to the thread.
type InboxEntry struct {
	ID        string    `json:"id" doc:"<kind>:<commentId>: one entry per comment and kind."`
	Kind      string    `json:"kind" enum:"mention,reply"`
	BoardID   string    `json:"boardId"`
	ShotID    string    `json:"shotId"`
	ThreadID  string    `json:"threadId" doc:"The thread to open (the comment itself if it is one)."`
	CommentID string    `json:"commentId"`
	FromID    string    `json:"fromId" doc:"A user id, or guest:… for a share link's guest."`
	FromName  string    `json:"fromName"`
	Excerpt   string    `json:"excerpt"`
	At        time.Time `json:"at"`
	Read      bool      `json:"read"`
}

// Inbox entry kinds.
const (
	InboxMention = "mention"
	InboxReply   = "reply"
)

// MaxInboxEntries bounds one member's inbox: older entries drop off.
const MaxInboxEntries = 200

// mentionPattern is how a comment mentions a member: @[Name](userId), as
// the mention picker writes it.
var mentionPattern = regexp.MustCompile(`@\[([^\]\n]{1,100})\]\(([A-Za-z0-9_-]{1,64})\)`)

// Mentions returns the user ids a comment body mentions, each once, in
// order.
func Mentions(body string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range mentionPattern.FindAllStringSubmatch(body, 20) {
		if !seen[m[2]] {
			seen[m[2]] = true
			ids = append(ids, m[2])
		}
	}
	return ids
}

// InboxService stores each member's inbox in one document.
type InboxService interface {
	// AddInboxEntries adds e to userID's inbox unless an entry with its ID is
	// there already; the oldest drop off past MaxInboxEntries.
	AddInboxEntry(ctx context.Context, userID string, e InboxEntry) error
	// FindInbox returns userID's entries, newest first, with Read set, and
	// how many are unread.
	FindInbox(ctx context.Context, userID string) ([]InboxEntry, int, error)
	// MarkInboxRead marks the entries ids read, or all entries at now if all.
	MarkInboxRead(ctx context.Context, userID string, ids []string, all bool, now time.Time) error
}
