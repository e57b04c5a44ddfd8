import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Board } from '../../api/client';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

const board: Board = {
  id: 'b1',
  workspaceId: 'ws1',
  projectId: 'p1',
  title: 'Opening sequence',
  description: 'Dawn over the harbour',
  aspectRatio: '2.39:1',
  defaultShotDuration: 4,
  archived: false,
  seq: 0,
  shots: [],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
};

const project = { id: 'p1', workspaceId: 'ws1', name: 'Launch film', archived: false, createdAt: '', updatedAt: '' };

const routes = {
  'GET /api/boards/b1': { status: 200, body: board },
  'GET /api/projects/p1': { status: 200, body: project },
  'GET /api/boards/b1/versions': { status: 200, body: { versions: [] } },
  'GET /api/workspaces/ws1/members': { status: 200, body: { members: [], invites: [] } },
};

describe('board page', () => {
  it('is read-only for a viewer: settings shown as text, no inputs, no delete', async () => {
    renderApp('/b/b1', { workspaces: [workspace(VIEWER_PERMISSIONS)], routes });
    expect(await screen.findByTestId('board-title')).toHaveTextContent('Opening sequence');
    expect(screen.getByTestId('read-only-badge')).toBeTruthy();
    expect(screen.getByTestId('board-aspect')).toHaveTextContent('2.39:1');
    expect(screen.getByTestId('board-duration')).toHaveTextContent('4s');
    expect(screen.getByTestId('board-description')).toHaveTextContent('Dawn over the harbour');
    expect(screen.getByTestId('shots-empty')).toBeTruthy();
    expect(screen.queryByTestId('board-title-input')).toBeNull();
    expect(screen.queryByTestId('save-board')).toBeNull();
    expect(screen.queryByTestId('delete-board')).toBeNull();
    expect(screen.queryAllByRole('textbox')).toHaveLength(0);
  });

  it('lets an editor change settings and sends only a PATCH with the CSRF token', async () => {
    const { seen } = renderApp('/b/b1', {
      workspaces: [workspace([...VIEWER_PERMISSIONS, 'board:update'], { role: 'editor' })],
      routes: {
        ...routes,
        'PATCH /api/boards/b1': (req) => ({ status: 200, body: { ...board, ...(req.body as object) } }),
      },
    });
    const title = await screen.findByTestId('board-title-input');
    expect(screen.queryByTestId('read-only-badge')).toBeNull();
    // Editors may edit but not delete.
    expect(screen.queryByTestId('delete-board')).toBeNull();
    const save = screen.getByTestId('save-board');
    expect(save).toBeDisabled();

    const user = userEvent.setup();
    await user.clear(title);
    await user.type(title, 'Cold open');
    await user.selectOptions(screen.getByTestId('board-aspect-input'), '9:16');
    await user.click(save);

    await waitFor(() => expect(screen.getByTestId('board-title')).toHaveTextContent('Cold open'));
    const patch = seen.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual({
      title: 'Cold open',
      description: 'Dawn over the harbour',
      aspectRatio: '9:16',
      defaultShotDuration: 4,
    });
    expect(patch?.headers['x-csrf-token']).toBe('tok');
  });

  it('sets the board render provider from the server providers, and keeps one the server lost visible', async () => {
    const { seen } = renderApp('/b/b1', {
      workspaces: [workspace([...VIEWER_PERMISSIONS, 'board:update'], { role: 'editor' })],
      routes: {
        ...routes,
        'GET /api/boards/b1': { status: 200, body: { ...board, defaultProvider: 'retired' } },
        'GET /api/workspaces/ws1/render-providers': { status: 200, body: { providers: ['animatic', 'studio'], default: 'animatic' } },
        'PATCH /api/boards/b1': (req) => ({ status: 200, body: { ...board, ...(req.body as object) } }),
      },
    });
    const select = (await screen.findByTestId('board-provider-input')) as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual(['Server default (animatic)', 'animatic', 'studio', 'retired']);
    expect(select.value).toBe('retired');

    const user = userEvent.setup();
    await user.selectOptions(select, 'studio');
    await user.click(screen.getByTestId('save-board'));
    await waitFor(() => expect(seen.some((r) => r.method === 'PATCH')).toBe(true));
    expect(seen.find((r) => r.method === 'PATCH')?.body).toMatchObject({ defaultProvider: 'studio' });
    await waitFor(() => expect(screen.getByTestId('board-provider-input')).toHaveValue('studio'));
  });

  it('shows the server message when a save is refused', async () => {
    renderApp('/b/b1', {
      workspaces: [workspace([...VIEWER_PERMISSIONS, 'board:update'])],
      routes: {
        ...routes,
        'PATCH /api/boards/b1': { status: 403, body: { code: 'EFORBIDDEN', message: 'Your role was changed to viewer.' } },
      },
    });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('board-title-input'), '!');
    await user.click(screen.getByTestId('save-board'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Your role was changed to viewer.');
  });

  it('catches an out-of-range duration before sending it', async () => {
    const { seen } = renderApp('/b/b1', { workspaces: [workspace(OWNER_PERMISSIONS)], routes });
    const user = userEvent.setup();
    const duration = await screen.findByTestId('board-duration-input');
    await user.clear(duration);
    await user.type(duration, '90');
    await user.click(screen.getByTestId('save-board'));
    expect(await screen.findByText('Between 0.5 and 60 seconds.')).toBeTruthy();
    expect(seen.some((r) => r.method === 'PATCH')).toBe(false);
    expect(screen.getByTestId('delete-board')).toBeTruthy();
  });

  it('lists shots in timeline (position) order before the live board arrives', async () => {
    const shot = (id: string, position: string, title: string) => ({
      id,
      position,
      title,
      prompt: '',
      notes: '',
      duration: 2,
      aspectRatio: '16:9' as const,
      status: 'draft' as const,
    });
    renderApp('/b/b1', {
      workspaces: [workspace(VIEWER_PERMISSIONS)],
      routes: {
        ...routes,
        'GET /api/boards/b1': {
          status: 200,
          body: { ...board, shots: [shot('s2', 'a1', 'Second'), shot('s1', 'a0', 'First'), shot('s3', 'a0V', 'Between')] },
        },
      },
    });
    const rows = await screen.findAllByTestId('shot-card-title');
    expect(rows.map((r) => r.textContent)).toEqual(['First', 'Between', 'Second']);
    expect(screen.getByText('3 shots · 6s')).toBeInTheDocument();
  });

  it('treats a null shot list as empty', async () => {
    renderApp('/b/b1', {
      workspaces: [workspace(VIEWER_PERMISSIONS)],
      routes: { ...routes, 'GET /api/boards/b1': { status: 200, body: { ...board, shots: null } } },
    });
    expect(await screen.findByTestId('shots-empty')).toBeInTheDocument();
  });

  it('says not found for a board the user cannot see', async () => {
    renderApp('/b/zzz', { workspaces: [workspace(OWNER_PERMISSIONS)], routes });
    expect(await screen.findByTestId('not-found')).toHaveTextContent('This board was not found');
  });
});
