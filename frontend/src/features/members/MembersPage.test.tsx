import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MemberList } from '../../api/client';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

const list: MemberList = {
  members: [
    { userId: 'u1', email: 'me@example.com', name: 'Me', role: 'owner', addedAt: '2026-01-01T00:00:00Z' },
    { userId: 'u2', email: 'kai@example.com', name: 'Kai', role: 'editor', addedAt: '2026-01-01T00:00:00Z' },
  ],
  invites: [{ email: 'new@example.com', role: 'viewer', invitedAt: '2026-01-01T00:00:00Z' }],
};

const routes = { 'GET /api/workspaces/ws1/members': { status: 200, body: list } };

describe('members page', () => {
  it('shows a viewer the members but no invite form, role pickers or remove buttons', async () => {
    renderApp('/w/ws1/members', { workspaces: [workspace(VIEWER_PERMISSIONS)], routes });
    const rows = await screen.findAllByTestId('member-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[1]).getByText('Editor')).toBeInTheDocument();
    expect(screen.queryByTestId('invite-form')).toBeNull();
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /^Remove/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Cancel invite/ })).toBeNull();
    // Anyone may leave.
    expect(screen.getByTestId('leave-workspace')).toBeInTheDocument();
  });

  it('gives an owner role pickers and removal for others, never for themself', async () => {
    renderApp('/w/ws1/members', { workspaces: [workspace(OWNER_PERMISSIONS, { role: 'owner' })], routes });
    await screen.findAllByTestId('member-row');
    expect(screen.getByTestId('invite-form')).toBeInTheDocument();
    expect(screen.getByLabelText('Role of kai@example.com')).toHaveValue('editor');
    expect(screen.getByRole('button', { name: 'Remove kai@example.com' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove me@example.com' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Cancel invite for new@example.com' })).toBeInTheDocument();
  });

  it('invites an email without an account and lists the pending invite', async () => {
    const { seen } = renderApp('/w/ws1/members', {
      workspaces: [workspace(OWNER_PERMISSIONS, { role: 'owner' })],
      routes: {
        ...routes,
        'POST /api/workspaces/ws1/members': {
          status: 201,
          body: { invite: { email: 'b@example.com', role: 'viewer', invitedAt: '2026-01-03T00:00:00Z' } },
        },
      },
    });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Invite by email'), 'b@example.com');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(screen.getByRole('button', { name: 'Invite' }));
    expect(await screen.findByTestId('member-notice')).toHaveTextContent('b@example.com has no account yet');
    expect(screen.getAllByTestId('invite-row').map((r) => r.textContent)).toEqual(
      expect.arrayContaining([expect.stringContaining('b@example.com')]),
    );
    expect(seen.at(-1)?.body).toEqual({ email: 'b@example.com', role: 'viewer' });
  });

  it('shows the conflict message when demoting the last owner', async () => {
    renderApp('/w/ws1/members', {
      workspaces: [workspace(OWNER_PERMISSIONS, { role: 'owner' })],
      routes: {
        ...routes,
        'PATCH /api/workspaces/ws1/members/u1': {
          status: 409,
          body: { code: 'ECONFLICT', message: 'A workspace needs at least one owner.' },
        },
      },
    });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Role of me@example.com'), 'admin');
    expect(await screen.findByRole('alert')).toHaveTextContent('A workspace needs at least one owner.');
    // The row still shows the role the server kept.
    expect(screen.getByLabelText('Role of me@example.com')).toHaveValue('owner');
  });
});
