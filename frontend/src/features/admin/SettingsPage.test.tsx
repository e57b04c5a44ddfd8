import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Credits } from '../../api/client';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

const ADMIN_PERMISSIONS = [...OWNER_PERMISSIONS, 'audit:read', 'credit:read', 'credit:topup'];
const EDITOR_PERMISSIONS = [...VIEWER_PERMISSIONS, 'project:create', 'board:update', 'render:create', 'asset:upload'];

const credits: Credits = {
  balance: 97,
  ledger: [
    { key: 'charge:j1', workspaceId: 'ws1', amount: -3, reason: 'Render of shot 1', at: '2026-12-05T10:00:00Z' },
    { key: 'welcome', workspaceId: 'ws1', amount: 100, reason: 'Welcome credits', at: '2026-12-01T09:00:00Z' },
  ],
};

const routes = {
  'GET /api/workspaces/ws1/render-settings': { status: 200, body: { retentionDays: 30, concurrency: 2 } },
  'GET /api/workspaces/ws1/credits': { status: 200, body: credits },
};

describe('workspace settings page', () => {
  it.each([
    ['viewer', VIEWER_PERMISSIONS],
    ['editor', EDITOR_PERMISSIONS],
  ])('is neither in the navigation nor open to an %s', async (role, permissions) => {
    const { seen } = renderApp('/w/ws1/settings', { workspaces: [workspace(permissions, { role: role as 'viewer' })], routes });
    expect(await screen.findByText('Admins only')).toBeInTheDocument();
    expect(screen.getByTestId('nav-members')).toBeInTheDocument();
    expect(screen.queryByTestId('nav-settings')).toBeNull();
    expect(screen.queryByLabelText(/Keep renders/)).toBeNull();
    expect(seen.filter((r) => r.url.includes('/credits') || r.url.includes('/render-settings'))).toHaveLength(0);
  });

  it('shows an admin the settings, the balance and the ledger newest first', async () => {
    renderApp('/w/ws1/settings', { workspaces: [workspace(ADMIN_PERMISSIONS, { role: 'admin' })], routes });
    expect(await screen.findByLabelText('Keep renders and exports for (days)')).toHaveValue(30);
    expect(screen.getByLabelText('Renders running at once')).toHaveValue(2);
    expect(screen.getByTestId('nav-settings')).toHaveAttribute('href', '/w/ws1/settings');
    expect(await screen.findByTestId('credit-balance')).toHaveTextContent('97');
    const rows = screen.getAllByTestId('ledger-entry');
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]!.textContent)).toEqual(['Render of shot 1', 'Welcome credits']);
    expect(within(rows[0]!).getByText('-3')).toBeInTheDocument();
    // The ledger is open on this page: no toggle.
    expect(screen.queryByTestId('toggle-ledger')).toBeNull();
  });

  it('saves both settings and says so', async () => {
    const { seen } = renderApp('/w/ws1/settings', {
      workspaces: [workspace(ADMIN_PERMISSIONS, { role: 'admin' })],
      routes: { ...routes, 'PUT /api/workspaces/ws1/render-settings': (req) => ({ status: 200, body: req.body }) },
    });
    const user = userEvent.setup();
    const days = await screen.findByLabelText('Keep renders and exports for (days)');
    await user.clear(days);
    await user.type(days, '14');
    await user.clear(screen.getByLabelText('Renders running at once'));
    await user.type(screen.getByLabelText('Renders running at once'), '4');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved');
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: { retentionDays: 14, concurrency: 4 } });
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
  });

  it('refuses a value out of bounds by its field without asking the server', async () => {
    const { seen } = renderApp('/w/ws1/settings', { workspaces: [workspace(ADMIN_PERMISSIONS, { role: 'admin' })], routes });
    const user = userEvent.setup();
    const days = await screen.findByLabelText('Keep renders and exports for (days)');
    await user.clear(days);
    await user.type(days, '0');
    await user.clear(screen.getByLabelText('Renders running at once'));
    await user.type(screen.getByLabelText('Renders running at once'), '2.5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(days).toHaveAttribute('aria-invalid', 'true');
    expect(days).toHaveAccessibleDescription('Enter a number from 1 to 3650.');
    expect(screen.getByLabelText('Renders running at once')).toHaveAccessibleDescription('Enter a whole number.');
    expect(seen.some((r) => r.method === 'PUT')).toBe(false);
  });

  it("shows the server's refusal by the field it names", async () => {
    renderApp('/w/ws1/settings', {
      workspaces: [workspace(ADMIN_PERMISSIONS, { role: 'admin' })],
      routes: {
        ...routes,
        'PUT /api/workspaces/ws1/render-settings': {
          status: 422,
          body: { code: 'EINVALID', message: 'Run between 1 and 8 renders at once.', details: [{ field: 'concurrency', message: 'Run between 1 and 8 renders at once.' }] },
        },
      },
    });
    const user = userEvent.setup();
    const at = await screen.findByLabelText('Renders running at once');
    await user.clear(at);
    await user.type(at, '12');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Run between 1 and 8 renders at once.')).toBeInTheDocument();
    expect(at).toHaveAttribute('aria-invalid', 'true');
    expect(at).toHaveAccessibleDescription('Run between 1 and 8 renders at once.');
    expect(screen.getByLabelText('Keep renders and exports for (days)')).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('tops up and shows the new balance', async () => {
    const after: Credits = { balance: 147, ledger: [{ key: 'topup:x', workspaceId: 'ws1', amount: 50, reason: 'Top-up', at: '2026-12-05T12:00:00Z' }, ...credits.ledger] };
    const { seen } = renderApp('/w/ws1/settings', {
      workspaces: [workspace(ADMIN_PERMISSIONS, { role: 'admin' })],
      routes: { ...routes, 'POST /api/workspaces/ws1/credits': { status: 200, body: after } },
    });
    const user = userEvent.setup();
    const amount = await screen.findByLabelText('Add credits');
    await user.clear(amount);
    await user.type(amount, '50');
    await user.click(screen.getByRole('button', { name: 'Top up' }));
    expect(await screen.findByTestId('credit-balance')).toHaveTextContent('147');
    expect(screen.getAllByTestId('ledger-entry')[0]).toHaveTextContent('+50');
    expect(seen.at(-1)?.body).toMatchObject({ amount: 50 });
  });
});
