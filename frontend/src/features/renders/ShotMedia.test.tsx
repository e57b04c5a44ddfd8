import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Asset, type Render } from '../../api/client';
import { ShotMediaPanel } from './ShotMedia';
import type { BoardMedia } from './useBoardMedia';

function job(over: Partial<Render>): Render {
  return {
    id: 'j',
    workspaceId: 'w',
    boardId: 'b',
    shotId: 's1',
    shotNumber: 1,
    title: 'Lake',
    prompt: '',
    notes: '',
    duration: 3,
    aspectRatio: '16:9',
    resolution: '720p',
    provider: 'animatic',
    model: '',
    settings: '{}',
    references: [],
    cost: 3,
    state: 'succeeded',
    progress: 1,
    attempt: 1,
    createdBy: 'u',
    createdAt: '2026-12-05T10:00:00Z',
    ...over,
  };
}

function media(renders: Render[], assets: Asset[] = [], frames: Record<string, string> = {}): BoardMedia {
  return {
    assets: { s1: assets },
    frames,
    chooseFrame: vi.fn(async () => undefined),
    renders: { s1: renders },
    uploads: [{ key: 1, shotId: 's1', name: 'ref.png', sent: 50, total: 200, error: null }],
    upload: vi.fn(),
    dismissUpload: vi.fn(),
    detach: vi.fn(),
    reload: vi.fn(),
    error: null,
  };
}

describe('ShotMediaPanel', () => {
  it('lists renders newest first with their prompts and marks what changed', () => {
    const newer = job({ id: 'j2', prompt: 'A lake at dusk', createdAt: '2026-12-05T11:00:00Z', url: 'http://s3/v2.mp4', expiresAt: '2027-01-04T11:00:00Z' });
    const older = job({ id: 'j1', prompt: 'A lake at dawn', url: 'http://s3/v1.mp4' });
    render(<ShotMediaPanel shotId="s1" media={media([newer, older])} canUpload canRender onRender={async () => {}} />);
    expect(screen.getAllByTestId('render-prompt').map((e) => e.textContent)).toEqual(['A lake at dusk', 'A lake at dawn']);
    expect(within(screen.getByTestId('prompt-diff-old')).getByText('dawn').tagName).toBe('DEL');
    expect(within(screen.getByTestId('prompt-diff-new')).getByText('dusk').tagName).toBe('INS');
    expect(screen.getByTestId('inspector-player').getAttribute('src')).toBe('http://s3/v2.mp4');
    expect(screen.getAllByTestId('render-expires')[0]!.textContent).toContain('Expires');
    expect((screen.getByTestId('upload-progress') as HTMLProgressElement).value).toBe(25);
  });

  it('shows a policy refusal by the Render button', async () => {
    const refuse = () => Promise.reject(new ApiError(422, 'EINVALID', 'Refused by content policy rule "graphic-gore": no gore.'));
    render(<ShotMediaPanel shotId="s1" media={media([])} canUpload={false} canRender onRender={refuse} />);
    expect(screen.queryByTestId('upload-target')).toBeNull();
    await userEvent.click(screen.getByTestId('render-shot'));
    expect((await screen.findByTestId('render-error')).textContent).toContain('graphic-gore');
  });

  it("marks the shot's chosen frame and lets an editor choose another or go back to automatic", async () => {
    const ref = (id: string, name: string) => ({ id, name, kind: 'image', url: `http://s3/${id}.png`, thumbUrl: `http://s3/${id}.jpg` }) as Asset;
    const m = media([], [ref('a1', 'one.png'), ref('a2', 'two.png')], { s1: 'a2' });
    render(<ShotMediaPanel shotId="s1" media={m} canUpload canRender={false} onRender={async () => {}} />);
    const one = screen.getByRole('button', { name: "Use one.png as the shot's frame" });
    const two = screen.getByRole('button', { name: "Use two.png as the shot's frame" });
    expect(one.getAttribute('aria-pressed')).toBe('false');
    expect(two.getAttribute('aria-pressed')).toBe('true');
    await userEvent.click(one);
    expect(m.chooseFrame).toHaveBeenLastCalledWith('s1', 'a1');
    await userEvent.click(two);
    expect(m.chooseFrame).toHaveBeenLastCalledWith('s1', null);
  });

  it('shows a viewer which picture is the frame, with no control', () => {
    const a = { id: 'a1', name: 'one.png', kind: 'image', url: 'http://s3/a1.png', thumbUrl: 'http://s3/a1.jpg' } as Asset;
    render(<ShotMediaPanel shotId="s1" media={media([], [a], { s1: 'a1' })} canUpload={false} canRender={false} onRender={async () => {}} />);
    expect(screen.queryByTestId('asset-frame-toggle')).toBeNull();
    expect(screen.getByTestId('asset-tile').getAttribute('data-frame')).toBe('true');
  });
});
