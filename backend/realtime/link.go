package realtime

import (
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Share links on open sockets. A socket opened through a share link holds
// the higher of its member role (if any) and the link's role (a link
// subject such as link:commenter). When the link changes, every instance
// applies the change to its own sockets (the access path of hub.go, which
// rides NATS between instances):
//
//   - the socket keeps nothing (revoked, expired, password changed, or a
//     role that cannot read): closed with CloseLinkEnded (terminal);
//   - a guest's role changed: closed with CloseAccessChanged (reconnect),
//     so the page fetches what it may now do before it reconnects;
//   - a member's role from the link changed: their next op is checked
//     against the new role.

// SetGrant records the parts of c's role: memberRole ("" for a guest) and
// the role it holds through share link linkID (a link subject). Call it
// before Serve.
func (c *Client) SetGrant(memberRole, linkRole shotline.Role, linkID string) {
	c.grantMu.Lock()
	c.memberRole, c.linkRole, c.LinkID = memberRole, linkRole, linkID
	c.grantMu.Unlock()
}

// actsAsMember reports whether c holds a member role of the workspace (a
// member, or a member who opened a link), not only a link's.
func (c *Client) actsAsMember() bool {
	c.grantMu.Lock()
	defer c.grantMu.Unlock()
	return c.LinkID == "" || c.memberRole != ""
}

// LinkChanged applies a share link's change to every socket opened through
// it, on every instance: role is the link's role now (a link subject), or
// "" if the link no longer opens (revoked, expired, password changed);
// expiresAt is its expiry now (nil: none).
func (h *Hub) LinkChanged(linkID string, role shotline.Role, expiresAt *time.Time) {
	h.changeAccess(accessChange{Kind: "link", LinkID: linkID, Role: role, ExpiresAt: expiresAt})
}

// ExpireLink ends c's link at t (nil: never), replacing an earlier expiry.
// Every instance times its own sockets, so nothing travels when it fires.
func (h *Hub) ExpireLink(c *Client, t *time.Time) {
	c.grantMu.Lock()
	defer c.grantMu.Unlock()
	if c.linkTimer != nil {
		c.linkTimer.Stop()
		c.linkTimer = nil
	}
	if t != nil {
		c.linkTimer = time.AfterFunc(time.Until(*t), func() { h.applyLinkRole(c, "") })
	}
}

// StopLinkExpiry cancels c's link expiry timer; call it when the socket
// is over, so the timer does not keep the client.
func (c *Client) StopLinkExpiry() {
	c.grantMu.Lock()
	if c.linkTimer != nil {
		c.linkTimer.Stop()
		c.linkTimer = nil
	}
	c.grantMu.Unlock()
}

// applyLinkRole gives c's link the role linkRole ("" for none).
func (h *Hub) applyLinkRole(c *Client, linkRole shotline.Role) {
	c.grantMu.Lock()
	member, before := c.memberRole, c.linkRole
	c.linkRole = linkRole
	c.grantMu.Unlock()
	role := shotline.Higher(member, linkRole)
	switch {
	case role == "" || !h.authz.Allowed(role, shotline.PermBoardRead):
		c.Close(CloseLinkEnded)
	case member == "" && linkRole != before:
		c.Close(CloseAccessChanged)
	default:
		c.SetRole(role)
	}
}
