import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { BOARD_PAGE_ROUTES, OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

const link = {
  id: 'l1',
  projectId: 'p1',
  boardId: 'b1',
  role: 'commenter',
  label: 'Client',
  hasPassword: true,
  allowDownloads: false,
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00Z',
  openCount: 3,
  lastOpenedAt: '2026-01-02T00:00:00Z',
};
const routes = {
  ...BOARD_PAGE_ROUTES,
  'GET /api/boards/b1/links': { status: 200, body: { links: [link] } },
  'PATCH /api/links/l1': { status: 200, body: link },
  'POST /api/boards/b1/links': {
    status: 201,
    body: { link: { ...link, id: 'l2' }, token: 'T'.repeat(43), path: `/s/${'T'.repeat(43)}` },
  },
};

describe('share dialog', () => {
  it('is offered only with link:manage', async () => {
    renderApp('/b/b1', { workspaces: [workspace(VIEWER_PERMISSIONS)], routes });
    expect(await screen.findByTestId('board-title')).toBeInTheDocument();
    expect(screen.queryByTestId('open-share')).toBeNull();
  });

  it('makes a link, shows its address once, and edits one: only what changed is sent', async () => {
    const { seen } = renderApp('/b/b1', { workspaces: [workspace([...OWNER_PERMISSIONS, 'link:manage'])], routes });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-share'));
    const dialog = screen.getByTestId('share-dialog');
    expect(await within(dialog).findByTestId('share-link-opened')).toHaveTextContent('Opened 3×');

    await u.type(within(dialog).getByTestId('share-password'), 'open sesame');
    await u.click(within(dialog).getByTestId('create-link'));
    expect(await within(dialog).findByTestId('share-url')).toHaveValue(`${location.origin}/s/${'T'.repeat(43)}`);
    const create = seen.find((r) => r.method === 'POST' && r.url === '/api/boards/b1/links');
    expect(create?.body).toEqual({ role: 'commenter', password: 'open sesame', allowDownloads: false });

    await u.click(within(dialog).getByTestId('edit-link'));
    const label = within(dialog).getByTestId('edit-link-label');
    await u.clear(label);
    await u.type(label, 'Agency');
    await u.click(within(dialog).getByTestId('edit-link-downloads'));
    await u.click(within(dialog).getByTestId('save-link'));
    await screen.findByTestId('share-link');
    const patch = seen.find((r) => r.method === 'PATCH' && r.url === '/api/links/l1');
    expect(patch?.body).toEqual({ label: 'Agency', allowDownloads: true });
  }, 20_000); // typing through userEvent is slow on a loaded machine
});
