import { describe, expect, it } from 'vitest';
import { act, createEvent, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Board } from '../../api/client';
import type { BoardSnapshot, Comment, Shot } from '../../sync/protocol';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { fakeRealtime } from '../../test/fakeSocket';
import { renderApp, TEST_USER } from '../../test/renderApp';

const restBoard: Board = {
  id: 'b1',
  workspaceId: 'ws1',
  projectId: 'p1',
  title: 'Opening sequence',
  description: '',
  aspectRatio: '16:9',
  defaultShotDuration: 3,
  archived: false,
  seq: 7,
  shots: [],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
};

const routes = {
  'GET /api/boards/b1': { status: 200, body: restBoard },
  'GET /api/projects/p1': { status: 200, body: { id: 'p1', workspaceId: 'ws1', name: 'Launch', archived: false, createdAt: '', updatedAt: '' } },
  'GET /api/boards/b1/versions': { status: 200, body: { versions: [] } },
  'GET /api/workspaces/ws1/members': {
    status: 200,
    body: { members: [{ userId: 'u2', email: 'kim@example.com', name: 'Kim Editor', role: 'editor', addedAt: '' }], invites: [] },
  },
};

function shot(id: string, position: string, over: Partial<Shot> = {}): Shot {
  return {
    id,
    position,
    title: id.toUpperCase(),
    prompt: '',
    notes: '',
    duration: 2,
    aspectRatio: '16:9',
    status: 'draft',
    provider: '',
    model: '',
    settings: {},
    ...over,
  };
}

function snapshot(shots: Shot[], comments: Comment[] = []): BoardSnapshot {
  return { id: 'b1', title: 'Opening sequence', description: '', aspectRatio: '16:9', defaultShotDuration: 3, shots, comments };
}

const EDITOR = [...VIEWER_PERMISSIONS, 'board:update', 'comment:create', 'comment:resolve'];
const COMMENTER = [...VIEWER_PERMISSIONS, 'comment:create'];

/** Renders the board and answers the socket's join with a snapshot at seq 7. */
async function openBoard(permissions: string[], shots: Shot[], comments: Comment[] = [], extraRoutes = {}) {
  const rt = fakeRealtime();
  const view = renderApp('/b/b1', { workspaces: [workspace(permissions)], routes: { ...routes, ...extraRoutes }, realtime: rt });
  await screen.findByTestId('board-page');
  await waitFor(() => expect(rt.sockets.length).toBeGreaterThan(0));
  const sock = rt.last();
  act(() => {
    sock.open();
    sock.receive({ type: 'snapshot', board: snapshot(shots, comments), seq: 7 });
  });
  await waitFor(() => expect(screen.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected'));
  return { ...view, rt, sock };
}

const titles = () => screen.getAllByTestId('shot-card-title').map((e) => e.textContent);

describe('live board editor', () => {
  it('opens on the grid of frames, placeholders numbered, and the timeline lays shots out as wide as their durations', async () => {
    await openBoard(EDITOR, [shot('a', 'a0', { duration: 1 }), shot('b', 'a1', { duration: 4 })]);
    expect(screen.getByTestId('shot-grid')).toBeInTheDocument();
    const frames = screen.getAllByTestId('shot-frame');
    expect(frames.map((f) => f.getAttribute('data-frame'))).toEqual(['placeholder', 'placeholder']);
    expect(frames.map((f) => f.textContent)).toEqual(['1', '2']);
    expect(frames[0]!.style.aspectRatio).toBe('16 / 9');
    await userEvent.setup().click(screen.getByTestId('view-timeline'));
    expect(screen.queryByTestId('shot-grid')).toBeNull();
    expect(titles()).toEqual(['A', 'B']);
    const [a, b] = screen.getAllByTestId('shot-card');
    const w = (el: HTMLElement) => parseFloat(el.style.width);
    expect(w(b!) / w(a!)).toBe(4);
    expect(screen.getByTestId('shot-count')).toHaveTextContent('2 shots · 5s');
  });

  it('adds a shot at once and sends shot.insert after the last one', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0')]);
    const user = userEvent.setup();
    await user.click(screen.getByTestId('add-shot'));
    expect(screen.getAllByTestId('shot-card')).toHaveLength(2);
    const op = sock.ops()[0]!;
    expect(op.op.kind).toBe('shot.insert');
    expect(op.baseSeq).toBe(7);
    const inserted = op.op as Extract<typeof op.op, { kind: 'shot.insert' }>;
    expect(inserted.position > 'a0').toBe(true);
    expect(screen.getByTestId('connection-badge')).toHaveTextContent('Saving…');
    // The new shot is selected for editing.
    expect(screen.getByTestId('shot-inspector')).toHaveAccessibleName('Shot 2');
    act(() => {
      sock.receive({ type: 'applied', seq: 8, opId: op.opId, actor: TEST_USER.id, op: { ...inserted, shot: { duration: 3 } } });
      sock.receive({ type: 'ack', opId: op.opId, seq: 8 });
    });
    expect(screen.getByTestId('connection-badge')).toHaveTextContent('Connected');
  });

  it('moves a shot with a fractional position between its new neighbours', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0'), shot('b', 'a1'), shot('c', 'a2')]);
    const user = userEvent.setup();
    await user.click(screen.getAllByTestId('shot-card')[0]!);
    await user.click(screen.getByTestId('move-shot-later'));
    expect(titles()).toEqual(['B', 'A', 'C']);
    const m = sock.ops()[0]!.op as { kind: string; shotId: string; position: string };
    expect(m.kind).toBe('shot.move');
    expect(m.shotId).toBe('a');
    expect(m.position > 'a1' && m.position < 'a2').toBe(true);
  });

  it('reorders by dragging a card onto another gap', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0'), shot('b', 'a1'), shot('c', 'a2')]);
    await userEvent.setup().click(screen.getByTestId('view-timeline'));
    const track = screen.getByTestId('timeline-track');
    track.getBoundingClientRect = () => ({ left: 0, top: 0, right: 600, bottom: 90, width: 600, height: 90, x: 0, y: 0, toJSON() {} });
    const cards = screen.getAllByTestId('shot-card');
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (k: string, v: string) => data.set(k, v),
      getData: (k: string) => data.get(k) ?? '',
      get types() {
        return [...data.keys()];
      },
      dropEffect: 'none',
      effectAllowed: 'all',
    };
    // jsdom has no DragEvent: give plain events a dataTransfer and a clientX.
    const drag = (type: 'dragStart' | 'dragOver' | 'drop', el: HTMLElement, clientX = 0) => {
      const ev = createEvent[type](el, { dataTransfer });
      Object.defineProperty(ev, 'clientX', { value: clientX });
      fireEvent(el, ev);
    };
    drag('dragStart', cards[2]!);
    // Cards are 2 s × 40 px/s = 80 px wide with 12 px gaps: x=10 is before the first card's middle.
    drag('dragOver', track, 10);
    drag('drop', track, 10);
    expect(titles()).toEqual(['C', 'A', 'B']);
    const m = sock.ops()[0]!.op as { kind: string; position: string };
    expect(m.kind).toBe('shot.move');
    expect(m.position < 'a0').toBe(true);
  });

  it('sends typing in the prompt as text ops and keeps the caret when someone else types before it', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0', { prompt: 'rain' })]);
    const user = userEvent.setup();
    await user.click(screen.getByTestId('shot-card'));
    const prompt = screen.getByTestId('shot-prompt') as HTMLTextAreaElement;
    await user.click(prompt);
    prompt.setSelectionRange(4, 4);
    await user.type(prompt, '!', { initialSelectionStart: 4, initialSelectionEnd: 4 });
    expect(sock.ops()[0]!.op).toEqual({ kind: 'text.edit', shotId: 'a', field: 'prompt', textOp: [4, '!'] });
    expect(prompt.selectionStart).toBe(5);

    // Someone else types at the start while ours is still in flight.
    act(() => {
      sock.receive({ type: 'applied', seq: 8, opId: 'x', actor: 'u2', op: { kind: 'text.edit', shotId: 'a', field: 'prompt', textOp: ['Cold ', 4] } });
    });
    expect(prompt.value).toBe('Cold rain!');
    expect(prompt.selectionStart).toBe(10);
    expect(prompt.selectionEnd).toBe(10);
  });

  it('shows a refused edit as a notice and takes it back', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0')]);
    const user = userEvent.setup();
    await user.click(screen.getByTestId('add-shot'));
    const { opId } = sock.ops()[0]!;
    act(() => sock.receive({ type: 'error', opId, code: 'EFORBIDDEN', message: 'Your role cannot edit this board.' }));
    expect(screen.getAllByTestId('shot-card')).toHaveLength(1);
    expect(screen.getByTestId('sync-notice')).toHaveTextContent('Your role cannot edit this board.');
  });

  it('says offline with the number of pending edits, and sends them when back', async () => {
    const { rt, sock } = await openBoard(EDITOR, [shot('a', 'a0')]);
    act(() => rt.network.set(false));
    const user = userEvent.setup();
    await user.click(screen.getByTestId('add-shot'));
    await user.click(screen.getByTestId('add-shot'));
    expect(screen.getByTestId('connection-badge')).toHaveTextContent('Offline · 2 pending edits');
    expect(sock.ops()).toHaveLength(0);
    act(() => rt.network.set(true));
    const next = rt.last();
    expect(next).not.toBe(sock);
    act(() => {
      next.open();
      next.receive({ type: 'ops', ops: [] });
    });
    expect(next.ops().map((m) => m.op.kind)).toEqual(['shot.insert', 'shot.insert']);
  });

  it('shows who is here and colours the shots they selected', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0'), shot('b', 'a1')]);
    act(() =>
      sock.receive({
        type: 'presence',
        peers: [
          { userId: TEST_USER.id, name: 'Me', selectedShotId: null, color: '#e5484d' },
          { userId: 'u2', name: 'Kim Editor', selectedShotId: 'b', color: '#46a758' },
        ],
      }),
    );
    expect(screen.getAllByTestId('peer-avatar').map((a) => a.textContent)).toEqual(['M', 'KE']);
    const cardB = screen.getAllByTestId('shot-card')[1]!;
    expect(within(cardB).getByTestId('shot-peer')).toHaveAttribute('title', 'Kim Editor is here');
    expect(cardB.style.boxShadow).toMatch(/#46a758|rgb\(70, 167, 88\)/);
    // Selecting a shot tells the others.
    const user = userEvent.setup();
    await user.click(screen.getAllByTestId('shot-card')[0]!);
    expect(sock.sent).toContainEqual({ type: 'presence', selectedShotId: 'a' });
  });

  it('gives a viewer a read view: the shot as text, no form controls, no adding or dragging', async () => {
    await openBoard(VIEWER_PERMISSIONS, [shot('a', 'a0', { prompt: 'dawn', notes: 'fog' })]);
    expect(screen.queryByTestId('add-shot')).toBeNull();
    const card = screen.getByTestId('shot-card');
    expect(card).toHaveAttribute('draggable', 'false');
    const user = userEvent.setup();
    await user.click(card);
    expect(screen.getByTestId('shot-read-prompt')).toHaveTextContent('dawn');
    expect(screen.getByTestId('shot-read-notes')).toHaveTextContent('fog');
    expect(screen.queryByTestId('shot-prompt')).toBeNull();
    expect(screen.queryByTestId('delete-shot')).toBeNull();
    expect(screen.queryByTestId('new-comment-input')).toBeNull();
    expect(screen.getByTestId('board-page').querySelectorAll('input, textarea, select')).toHaveLength(0);
    await user.click(screen.getByTestId('view-timeline'));
    expect(screen.queryAllByTestId('insert-shot')).toHaveLength(0);
  });

  it('lets a commenter comment, with a time range, and nothing else', async () => {
    const { sock } = await openBoard(COMMENTER, [shot('a', 'a0', { duration: 4 })]);
    expect(screen.queryByTestId('add-shot')).toBeNull();
    expect(screen.getByTestId('read-only-badge')).toHaveTextContent('Can comment');
    const user = userEvent.setup();
    await user.click(screen.getByTestId('shot-card'));
    await user.type(screen.getByTestId('new-comment-input'), 'Too dark here');
    await user.click(screen.getByTestId('comment-range-toggle'));
    await user.clear(screen.getByTestId('comment-range-start'));
    await user.type(screen.getByTestId('comment-range-start'), '1.5');
    await user.clear(screen.getByTestId('comment-range-end'));
    await user.type(screen.getByTestId('comment-range-end'), '2.25');
    await user.click(screen.getByTestId('add-comment'));
    const op = sock.ops()[0]!.op;
    expect(op).toMatchObject({ kind: 'comment.add', shotId: 'a', body: 'Too dark here', timeRange: { start: 1.5, end: 2.25 } });
    const thread = screen.getByTestId('comment-thread');
    expect(within(thread).getByTestId('comment-body')).toHaveTextContent('Too dark here');
    expect(within(thread).getByTestId('comment-time-range')).toHaveTextContent('0:01.5–0:02.25');
    expect(within(thread).getByTestId('comment-author')).toHaveTextContent('Me (you)');
    expect(within(screen.getByTestId('shot-card')).getByTestId('shot-comment-count')).toHaveTextContent('1');
  });

  it("offers edit and delete on one's own comments only, and resolve to those who may", async () => {
    const mine: Comment = { id: 'c1', shotId: 'a', authorId: TEST_USER.id, body: 'Mine', resolved: false, createdSeq: 3 };
    const theirs: Comment = { id: 'c2', shotId: 'a', authorId: 'u2', body: 'Theirs', resolved: false, createdSeq: 4 };
    await openBoard(COMMENTER, [shot('a', 'a0')], [mine, theirs]);
    const user = userEvent.setup();
    await user.click(screen.getByTestId('shot-card'));
    const [t1, t2] = screen.getAllByTestId('comment-thread');
    expect(within(t1!).getByTestId('edit-comment')).toBeTruthy();
    expect(within(t1!).getByTestId('delete-comment')).toBeTruthy();
    expect(within(t1!).getByTestId('resolve-comment')).toBeTruthy();
    expect(within(t2!).getByTestId('comment-author')).toHaveTextContent('Kim Editor');
    expect(within(t2!).queryByTestId('edit-comment')).toBeNull();
    expect(within(t2!).queryByTestId('delete-comment')).toBeNull();
    expect(within(t2!).queryByTestId('resolve-comment')).toBeNull();
    expect(within(t2!).getByTestId('reply-comment')).toBeTruthy();
  });

  it('stops and explains when the server closes for good', async () => {
    const { sock } = await openBoard(EDITOR, [shot('a', 'a0')]);
    act(() => sock.serverClose(4003, 'forbidden'));
    expect(screen.getByTestId('sync-terminal')).toHaveTextContent('You no longer have access to this board.');
    expect(screen.getByTestId('connection-badge')).toHaveTextContent('Disconnected');
    expect(screen.queryByTestId('add-shot')).toBeNull();
  });
});

describe('versions', () => {
  const saved = { id: 'v1', boardId: 'b1', name: 'Before the cut', seq: 5, createdBy: 'u2', createdAt: '2026-01-02T10:00:00Z' };
  const versionRoutes = {
    'GET /api/boards/b1/versions': { status: 200, body: { versions: [saved] } },
    'GET /api/boards/b1/versions/v1': {
      status: 200,
      body: { ...saved, board: snapshot([shot('x', 'a0', { prompt: 'Gulls over the harbour', duration: 4 }), shot('y', 'a1', { title: '' })]) },
    },
  };

  it('shows a version read-only, as it was, and restores it from there after asking', async () => {
    const { seen } = await openBoard(EDITOR, [shot('a', 'a0')], [], {
      ...versionRoutes,
      'POST /api/boards/b1/versions/v1/restore': { status: 200, body: { seq: 8 } },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('view-version'));
    const preview = screen.getByTestId('version-preview');
    await waitFor(() => expect(within(preview).getAllByTestId('version-shot-title').map((e) => e.textContent)).toEqual(['X', 'Shot 2']));
    expect(within(preview).getByTestId('version-shot-prompt')).toHaveTextContent('Gulls over the harbour');
    expect(within(preview).getByTestId('version-shot-count')).toHaveTextContent('2 shots');
    expect(preview).toHaveTextContent('by Kim Editor');
    // Looking changes nothing: the live board still has its own shot.
    expect(titles()).toEqual(['A']);
    expect(seen.some((r) => r.method === 'POST')).toBe(false);

    await user.click(within(preview).getByTestId('preview-restore-version'));
    expect(screen.queryByTestId('version-preview')).toBeNull();
    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(seen.some((r) => r.method === 'POST' && r.url === '/api/boards/b1/versions/v1/restore')).toBe(true));
  });

  it('lets a viewer look at a version but not restore it', async () => {
    await openBoard(VIEWER_PERMISSIONS, [shot('a', 'a0')], [], versionRoutes);
    const user = userEvent.setup();
    expect(screen.queryByTestId('restore-version')).toBeNull();
    await user.click(await screen.findByTestId('view-version'));
    const preview = screen.getByTestId('version-preview');
    await waitFor(() => expect(within(preview).getAllByTestId('version-shot')).toHaveLength(2));
    expect(within(preview).queryByTestId('preview-restore-version')).toBeNull();
  });

  it('says so when the version cannot be read', async () => {
    await openBoard(EDITOR, [shot('a', 'a0')], [], {
      'GET /api/boards/b1/versions': versionRoutes['GET /api/boards/b1/versions'],
      'GET /api/boards/b1/versions/v1': { status: 404, body: { code: 'ENOTFOUND', message: 'Version not found.' } },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('view-version'));
    const preview = screen.getByTestId('version-preview');
    expect(await within(preview).findByText('Version not found.')).toBeTruthy();
    expect(within(preview).getByTestId('preview-restore-version')).toBeDisabled();
  });
});

describe('owner extras', () => {
  it('duplicates and deletes the selected shot', async () => {
    const { sock } = await openBoard(OWNER_PERMISSIONS, [shot('a', 'a0'), shot('b', 'a1')]);
    const user = userEvent.setup();
    await user.click(screen.getAllByTestId('shot-card')[0]!);
    await user.click(screen.getByTestId('duplicate-shot'));
    expect(titles()).toEqual(['A', 'A', 'B']);
    const dup = sock.ops()[0]!.op as { kind: string; shotId: string; position: string };
    expect(dup).toMatchObject({ kind: 'shot.duplicate', shotId: 'a' });
    expect(dup.position > 'a0' && dup.position < 'a1').toBe(true);
    await user.click(screen.getByTestId('delete-shot'));
    await user.click(screen.getByTestId('confirm-button'));
    expect(sock.ops()[1]!.op.kind).toBe('shot.delete');
    expect(titles()).toEqual(['A', 'B']);
  });
});
