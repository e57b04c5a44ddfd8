import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Render } from '../../api/client';
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

function media(renders: Render[]): BoardMedia {
  return {
    assets: {},
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
});
