/**
 * What the current user may do, derived only from the `permissions` array the
 * server returns on each workspace. The client holds no role → permission
 * table: when the policy changes on the server, the UI follows.
 */
import { ROLES, type Member, type Permission, type Role, type Workspace } from '../api/client';

/** Reports whether the workspace grants the current user a permission. */
export function can(workspace: Workspace | null | undefined, permission: Permission): boolean {
  return !!workspace && workspace.permissions.includes(permission);
}

/** Controls on the projects list. */
export function projectControls(workspace: Workspace | null | undefined) {
  return {
    create: can(workspace, 'project:create'),
    rename: can(workspace, 'project:update'),
    archive: can(workspace, 'project:update'),
    delete: can(workspace, 'project:delete'),
  };
}

/** Controls on the boards list and the board page. */
export function boardControls(workspace: Workspace | null | undefined) {
  return {
    create: can(workspace, 'board:create'),
    edit: can(workspace, 'board:update'),
    delete: can(workspace, 'board:delete'),
  };
}

/** Controls on the workspace itself. */
export function workspaceControls(workspace: Workspace | null | undefined) {
  return {
    rename: can(workspace, 'workspace:update'),
    delete: can(workspace, 'workspace:delete'),
    // The server still refuses the last owner with ECONFLICT.
    leave: can(workspace, 'workspace:leave'),
  };
}

/**
 * Roles the current user may hand out: the owner role only with
 * `member:owners`, every other role with the invite/update permission.
 */
export function assignableRoles(workspace: Workspace | null | undefined): Role[] {
  return ROLES.filter((r) => r !== 'owner' || can(workspace, 'member:owners'));
}

/** Controls on the members page as a whole. */
export function memberPageControls(workspace: Workspace | null | undefined) {
  return {
    invite: can(workspace, 'member:invite'),
    // Cancelling an invite undoes an invitation, so it follows the invite permission.
    cancelInvite: can(workspace, 'member:invite'),
    leave: can(workspace, 'workspace:leave'),
  };
}

/**
 * Controls on one member's row. An owner's row needs `member:owners` as well.
 * People change their own standing by leaving, not by removing themselves,
 * so the remove button is never on one's own row.
 */
export function memberRowControls(
  workspace: Workspace | null | undefined,
  member: Member,
  currentUserId: string | null | undefined,
) {
  const isSelf = !!currentUserId && member.userId === currentUserId;
  const touchesOwner = member.role === 'owner' && !can(workspace, 'member:owners');
  return {
    isSelf,
    changeRole: can(workspace, 'member:update') && !touchesOwner,
    remove: can(workspace, 'member:remove') && !isSelf && !touchesOwner,
  };
}

/**
 * The workspace settings page (retention, render concurrency, credits): for
 * whoever may change the settings or read the credits (admins and owners).
 */
export function workspaceSettingsControls(workspace: Workspace | null | undefined) {
  const edit = can(workspace, 'workspace:update');
  const credits = can(workspace, 'credit:read');
  return {
    visible: edit || credits,
    edit,
    credits,
    topUp: can(workspace, 'credit:topup'),
  };
}
