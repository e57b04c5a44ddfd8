import { describe, expect, it } from 'vitest';
import type { Member } from '../api/client';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../test/fakeFetch';
import {
  assignableRoles,
  boardControls,
  can,
  memberPageControls,
  memberRowControls,
  projectControls,
  workspaceControls,
  workspaceSettingsControls,
} from './permissions';

const member = (userId: string): Member => ({
  userId,
  email: `${userId}@example.com`,
  name: userId,
  role: 'editor',
  addedAt: '2026-01-01T00:00:00Z',
});

describe('can', () => {
  it('grants exactly the permissions the server listed', () => {
    const ws = workspace(['board:read', 'board:update']);
    expect(can(ws, 'board:update')).toBe(true);
    expect(can(ws, 'board:delete')).toBe(false);
    expect(can(null, 'board:read')).toBe(false);
  });

  it('follows permissions, not the role name', () => {
    // A role the client has never heard of still works; an "owner" whose
    // permissions the server trimmed gets no controls.
    expect(can(workspace(['project:create'], { role: 'viewer' }), 'project:create')).toBe(true);
    expect(can(workspace([], { role: 'owner' }), 'project:create')).toBe(false);
  });
});

describe('control sets', () => {
  it('gives a viewer no write controls anywhere', () => {
    const ws = workspace(VIEWER_PERMISSIONS);
    expect(projectControls(ws)).toEqual({ create: false, rename: false, archive: false, delete: false });
    expect(boardControls(ws)).toEqual({ create: false, edit: false, delete: false });
    expect(memberPageControls(ws)).toEqual({ invite: false, cancelInvite: false, leave: true });
    expect(workspaceControls(ws)).toEqual({ rename: false, delete: false, leave: true });
  });

  it('gives an owner every control', () => {
    const ws = workspace(OWNER_PERMISSIONS, { role: 'owner' });
    expect(projectControls(ws)).toEqual({ create: true, rename: true, archive: true, delete: true });
    expect(boardControls(ws)).toEqual({ create: true, edit: true, delete: true });
    expect(memberPageControls(ws)).toEqual({ invite: true, cancelInvite: true, leave: true });
    expect(workspaceControls(ws)).toEqual({ rename: true, delete: true, leave: true });
  });

  it('lets an editor edit boards without deleting them', () => {
    const ws = workspace([...VIEWER_PERMISSIONS, 'board:create', 'board:update']);
    expect(boardControls(ws)).toEqual({ create: true, edit: true, delete: false });
  });
});

describe('memberRowControls', () => {
  const admin = workspace([...VIEWER_PERMISSIONS, 'member:update', 'member:remove']);

  it('offers role change and removal on other members to those allowed', () => {
    expect(memberRowControls(admin, member('u2'), 'u1')).toEqual({
      isSelf: false,
      changeRole: true,
      remove: true,
    });
  });

  it('never offers removing yourself: you leave instead', () => {
    expect(memberRowControls(admin, member('u1'), 'u1')).toMatchObject({ isSelf: true, remove: false });
  });

  it('leaves owners alone unless the server grants member:owners', () => {
    const owner = { ...member('u3'), role: 'owner' as const };
    expect(memberRowControls(admin, owner, 'u1')).toMatchObject({ changeRole: false, remove: false });
    const owning = workspace([...VIEWER_PERMISSIONS, 'member:update', 'member:remove', 'member:owners']);
    expect(memberRowControls(owning, owner, 'u1')).toMatchObject({ changeRole: true, remove: true });
  });

  it('offers the owner role only with member:owners', () => {
    expect(assignableRoles(admin)).toEqual(['admin', 'editor', 'commenter', 'viewer']);
    expect(assignableRoles(workspace(OWNER_PERMISSIONS))).toEqual([
      'owner',
      'admin',
      'editor',
      'commenter',
      'viewer',
    ]);
  });

  it('hides leaving when the server does not grant it', () => {
    expect(memberPageControls(workspace(['member:read'])).leave).toBe(false);
  });

  it('offers nothing without member permissions', () => {
    expect(memberRowControls(workspace(VIEWER_PERMISSIONS), member('u2'), 'u1')).toEqual({
      isSelf: false,
      changeRole: false,
      remove: false,
    });
  });
});

describe('workspace settings', () => {
  it('opens to whoever may change the workspace or read its credits, and to no one else', () => {
    expect(workspaceSettingsControls(workspace(VIEWER_PERMISSIONS)).visible).toBe(false);
    expect(workspaceSettingsControls(workspace([...VIEWER_PERMISSIONS, 'board:update', 'render:create'])).visible).toBe(false);
    expect(workspaceSettingsControls(workspace(['workspace:update']))).toEqual({ visible: true, edit: true, credits: false, topUp: false });
    expect(workspaceSettingsControls(workspace(['credit:read']))).toEqual({ visible: true, edit: false, credits: true, topUp: false });
    expect(workspaceSettingsControls(workspace([...OWNER_PERMISSIONS, 'credit:read', 'credit:topup']))).toEqual({
      visible: true,
      edit: true,
      credits: true,
      topUp: true,
    });
  });
});
