import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { BOARD_PAGE_ROUTES, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import { formatBytes } from './exports';

const done = {
  id: 'e1',
  format: 'mp4',
  boardId: 'b1',
  options: { resolution: '720p', fps: 24, burnIn: true },
  state: 'succeeded',
  progress: 1,
  size: 1536,
  fileName: 'Harbour.mp4',
  createdBy: 'u1',
  createdAt: '2026-01-01T00:00:00Z',
  expiresAt: '2026-01-31T00:00:00Z',
  url: 'http://objects.example/e1?sig',
};
const routes = {
  ...BOARD_PAGE_ROUTES,
  'GET /api/boards/b1/exports': { status: 200, body: { exports: [done] } },
  'POST /api/boards/b1/exports': {
    status: 202,
    body: { ...done, id: 'e2', format: 'pdf', state: 'queued', progress: 0, url: undefined, size: undefined, fileName: 'Harbour.pdf' },
  },
};

describe('export menu', () => {
  it('is offered only with export:download', async () => {
    renderApp('/b/b1', { workspaces: [workspace(VIEWER_PERMISSIONS)], routes });
    expect(await screen.findByTestId('board-title')).toBeInTheDocument();
    expect(screen.queryByTestId('open-exports')).toBeNull();
  });

  it('lists past exports with downloads and starts one with its options and a key', async () => {
    const { seen } = renderApp('/b/b1', { workspaces: [workspace([...VIEWER_PERMISSIONS, 'export:download'])], routes });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-exports'));
    const dialog = screen.getByTestId('export-dialog');
    const link = await within(dialog).findByTestId('export-download');
    expect(link).toHaveAttribute('href', done.url);
    expect(link).toHaveAttribute('download', 'Harbour.mp4');
    expect(dialog).toHaveTextContent('1.5 KiB');

    await u.click(within(dialog).getByLabelText(/Storyboard \(PDF\)/));
    await u.click(within(dialog).getByTestId('start-export'));
    expect(await within(dialog).findByTestId('export-progress')).toBeInTheDocument();
    const post = seen.find((r) => r.method === 'POST' && r.url === '/api/boards/b1/exports');
    expect(post?.body).toMatchObject({ format: 'pdf', options: { perRow: 2, orientation: 'landscape', paper: 'A4' } });
    expect((post?.body as { key: string }).key).toMatch(/.{8,}/);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
  ])('%d is %s', (n, want) => expect(formatBytes(n)).toBe(want));
});
