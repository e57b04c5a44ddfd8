package authz

import "github.com/shotline/shotline/backend/shotline"

// Principal is who is asking, resolved once per request or socket: a
// signed-in account (UserID), the share link the browser opened (Link, from
// its guest session), or both (a member who opened a link). The link must
// already have passed its own checks (expiry, revocation, password:
// shotline.GuestSession.Check) before it is put here.
type Principal struct {
	UserID string
	Link   *shotline.ShareLink
}

// Guest reports whether the principal has no account.
func (p Principal) Guest() bool { return p.UserID == "" }

// Grant is what a principal holds on one scope: a role the policy knows (a
// member role, or a link subject such as link:commenter), with the parts it
// was made of so that a change to either can be applied to an open socket.
type Grant struct {
	Role           shotline.Role // the higher of MemberRole and LinkRole
	MemberRole     shotline.Role // "" if not a member of the workspace
	LinkRole       shotline.Role // link subject, "" if no link reaches the scope
	LinkID         string        // the link that gave LinkRole
	AllowDownloads bool
}

// Resolve finds what p holds in workspace w on the project and board named
// (boardID "" for the project itself, projectID "" for the workspace): the
// member role, the link's role if the link reaches that far, and the
// higher of the two. ok is false if p holds nothing there, which callers
// answer with ENOTFOUND (as if it did not exist). A link never reaches the
// workspace itself; an editor link needs an account.
func Resolve(w *shotline.Workspace, p Principal, projectID, boardID string) (g Grant, ok bool) {
	if p.UserID != "" {
		g.MemberRole, _ = w.RoleOf(p.UserID)
	}
	if l := p.Link; l != nil && l.WorkspaceID == w.ID && projectID != "" && l.Covers(projectID, boardID) &&
		shotline.ValidLinkRole(l.Role) && !(l.Role == shotline.RoleEditor && p.Guest()) {
		g.LinkRole, g.LinkID = shotline.LinkSubject(l.Role), l.ID
	}
	g.Role = shotline.Higher(g.MemberRole, g.LinkRole)
	if g.Role == "" {
		return Grant{}, false
	}
	g.AllowDownloads = !g.Role.IsLink() || p.Link.AllowDownloads
	return g, true
}

// Allowed reports whether the grant holds perm: the policy's answer for its
// role, and for downloads (assets and exports) the link's switch too.
func (g Grant) Allowed(az shotline.Authorizer, perm shotline.Permission) bool {
	if (perm == shotline.PermAssetDownload || perm == shotline.PermExportDownload) && !g.AllowDownloads {
		return false
	}
	return az.Allowed(g.Role, perm)
}
