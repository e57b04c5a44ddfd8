import { describe, expect, it } from 'vitest';
import { initialState, reducer, type AppState } from './store';
import { workspace } from '../test/fakeFetch';

const user = { id: 'u1', email: 'a@example.com', name: 'A', createdAt: '' };

describe('store reducer', () => {
  const signedIn: AppState = {
    ...initialState,
    auth: 'signedIn',
    user,
    workspaces: [workspace([], { id: 'w1', name: 'One' }), workspace([], { id: 'w2', name: 'Two' })],
    workspacesStatus: 'ready',
    currentWorkspaceId: 'w2',
  };

  it('adds a created workspace and replaces a renamed one', () => {
    let s = reducer(signedIn, { type: 'workspaceSaved', workspace: workspace([], { id: 'w3', name: 'Three' }) });
    expect(s.workspaces.map((w) => w.name)).toEqual(['One', 'Two', 'Three']);
    s = reducer(s, { type: 'workspaceSaved', workspace: workspace([], { id: 'w1', name: 'Uno' }) });
    expect(s.workspaces.map((w) => w.name)).toEqual(['Uno', 'Two', 'Three']);
  });

  it('forgets the current workspace when it is left or deleted', () => {
    const s = reducer(signedIn, { type: 'workspaceRemoved', id: 'w2' });
    expect(s.workspaces.map((w) => w.id)).toEqual(['w1']);
    expect(s.currentWorkspaceId).toBeNull();
  });

  it('drops everything the user could see on sign-out', () => {
    const s = reducer(signedIn, { type: 'signedOut' });
    expect(s).toEqual({ ...initialState, auth: 'signedOut', signedOutByUser: false });
    expect(reducer(signedIn, { type: 'signedOut', byUser: true }).signedOutByUser).toBe(true);
  });
});
