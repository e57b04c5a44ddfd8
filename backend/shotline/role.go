package shotline

// Role is what a member may do in a workspace. Roles are ordered: each one can
// do everything the roles below it can (the order itself lives in the
// policy files, see package authz).
type Role string

// The roles, from most to least powerful.
const (
	RoleOwner     Role = "owner"
	RoleAdmin     Role = "admin"
	RoleEditor    Role = "editor"
	RoleCommenter Role = "commenter"
	RoleViewer    Role = "viewer"
)

// Roles lists every role, from most to least powerful.
var Roles = []Role{RoleOwner, RoleAdmin, RoleEditor, RoleCommenter, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Permission is an "object:action" pair such as "board:update", the unit the
// policy grants to roles.
type Permission string

// Permissions checked by the REST API and (later) by the realtime channel.
// The policy in policies/ grants them to roles.
const (
	PermWorkspaceRead   Permission = "workspace:read"
	PermWorkspaceUpdate Permission = "workspace:update"
	PermWorkspaceDelete Permission = "workspace:delete"
	PermWorkspaceLeave  Permission = "workspace:leave"
	PermMemberRead      Permission = "member:read"
	PermMemberInvite    Permission = "member:invite"
	PermMemberUpdate    Permission = "member:update"
	PermMemberRemove    Permission = "member:remove"
	PermMemberOwners    Permission = "member:owners" // grant, change or remove the owner role
	PermProjectRead     Permission = "project:read"
	PermProjectCreate   Permission = "project:create"
	PermProjectUpdate   Permission = "project:update"
	PermProjectDelete   Permission = "project:delete"
	PermBoardRead       Permission = "board:read"
	PermBoardCreate     Permission = "board:create"
	PermBoardUpdate     Permission = "board:update"
	PermBoardDelete     Permission = "board:delete"
	PermAssetUpload     Permission = "asset:upload"    // upload, attach and detach reference files
	PermRenderCreate    Permission = "render:create"   // queue and cancel renders (spends credits)
	PermCreditRead      Permission = "credit:read"     // the credit balance and ledger
	PermCreditTopUp     Permission = "credit:topup"    // add credits
	PermAssetDownload   Permission = "asset:download"  // a share link may forbid it
	PermLinkManage      Permission = "link:manage"     // create, list, edit and revoke share links
	PermAuditRead       Permission = "audit:read"      // browse and download the audit log
	PermExportDownload  Permission = "export:download" // make, list and download exports; a share link may forbid it

	// Comments, checked by the realtime channel. A commenter may edit,
	// delete, resolve and reopen their own comments; resolving anyone's
	// thread and deleting anyone's comment need the wider permissions.
	PermCommentCreate   Permission = "comment:create"
	PermCommentResolve  Permission = "comment:resolve"  // resolve or reopen any thread
	PermCommentModerate Permission = "comment:moderate" // delete any comment
	PermReviewSet       Permission = "review:set"       // approve a shot or request changes
)

// Authorizer decides whether a role holds a permission.
type Authorizer interface {
	// Allowed reports whether role holds perm.
	Allowed(role Role, perm Permission) bool
	// Permissions lists every permission role holds, sorted.
	Permissions(role Role) []Permission
}
