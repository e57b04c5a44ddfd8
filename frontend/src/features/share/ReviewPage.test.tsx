import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { GuestView } from '../../api/client';
import type { Comment, Shot } from '../../sync/protocol';
import { fakeRealtime } from '../../test/fakeSocket';
import { renderApp } from '../../test/renderApp';

function shot(id: string, over: Partial<Shot> = {}): Shot {
  return { id, position: `a${id}`, title: id.toUpperCase(), prompt: '', notes: '', duration: 2, aspectRatio: '16:9', status: 'draft', provider: '', model: '', settings: {}, ...over };
}

const shots = [shot('s1', { title: 'Gulls', prompt: 'Gulls over the harbour', notes: 'Keep it quiet' }), shot('s2', { title: 'Masts' })];
const comments: Comment[] = [{ id: 'c1', shotId: 's1', authorId: 'u9', body: 'Lovely light', resolved: false, createdSeq: 3 }];

function guest(role: GuestView['role']): GuestView {
  return { name: 'Dana', guest: true, actor: 'guest:l1:dana', role, projectId: 'p1', boardId: 'b1', label: 'Client', allowDownloads: false, csrfToken: 't' };
}

/** Opens /review/b1 as a guest of a link with this role, the board's socket answering with two shots. */
async function openAsGuest(role: GuestView['role']) {
  const rt = fakeRealtime();
  const view = renderApp('/review/b1', {
    workspaces: [],
    realtime: rt,
    routes: {
      'GET /api/share/guest': { status: 200, body: guest(role) },
      'GET /api/boards/b1/assets': {
        status: 200,
        body: { shots: { s1: [{ id: 'a1', kind: 'image', name: 'f.png', url: 'http://s3/f.png', thumbUrl: 'http://s3/f.jpg' }] }, frames: { s1: 'a1' } },
      },
      'GET /api/boards/b1/renders': { status: 200, body: {} },
    },
  });
  await waitFor(() => expect(rt.sockets.length).toBeGreaterThan(0));
  act(() => {
    rt.last().open();
    rt.last().receive({ type: 'snapshot', board: { id: 'b1', title: 'Harbour', description: '', aspectRatio: '16:9', defaultShotDuration: 2, shots, comments }, seq: 5 });
  });
  await screen.findByTestId('review-page');
  return view;
}

describe('the share-link guest page', () => {
  it('gives a viewer guest the read view: frames, prompt and notes as text, comments, and no form controls', async () => {
    const { container } = await openAsGuest('viewer');
    const cards = await screen.findAllByTestId('shot-card');
    expect(cards).toHaveLength(2);
    await waitFor(() => expect(within(cards[0]!).getByTestId('shot-frame')).toHaveAttribute('data-frame', 'image'));
    expect(within(cards[1]!).getByTestId('shot-frame')).toHaveAttribute('data-frame', 'placeholder');
    await userEvent.click(cards[0]!);
    expect(screen.getByTestId('shot-read-prompt')).toHaveTextContent('Gulls over the harbour');
    expect(screen.getByTestId('shot-read-notes')).toHaveTextContent('Keep it quiet');
    expect(screen.getByTestId('comment-body')).toHaveTextContent('Lovely light');
    expect(screen.getByTestId('link-role')).toHaveTextContent('View only');
    expect(container.querySelectorAll('input, textarea, select')).toHaveLength(0);
    expect(screen.queryByTestId('approve-shot')).toBeNull();
    expect(container.querySelectorAll('button:disabled')).toHaveLength(0);
  });

  it('lets a commenter guest comment and approve or request changes on the shot it reads', async () => {
    await openAsGuest('commenter');
    await userEvent.click((await screen.findAllByTestId('shot-card'))[1]!);
    expect(screen.getByTestId('shot-read-title')).toHaveTextContent('Masts');
    expect(screen.getByTestId('new-comment-input')).toBeTruthy();
    expect(screen.getByTestId('approve-shot')).toBeEnabled();
    expect(screen.getByTestId('request-changes')).toBeEnabled();
    // A read view, not a disabled editor: no field holds the shot's title or prompt.
    expect(screen.queryByTestId('shot-title-input')).toBeNull();
    expect(screen.queryByTestId('shot-prompt')).toBeNull();
  });
});
