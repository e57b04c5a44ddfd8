import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, Asset } from '../../api/client';
import { useBoardMedia } from './useBoardMedia';

const uploaded = vi.hoisted(() => ({ next: [] as string[] }));
vi.mock('../../api/upload', () => ({
  uploadFile: vi.fn(async (_api: unknown, { file, shotId }: { file: File; shotId: string }) => {
    const id = uploaded.next.shift() ?? file.name;
    return { id, shotId, name: file.name, kind: 'image', url: `http://s3/${id}.png`, thumbUrl: `http://s3/${id}.jpg` } as Asset;
  }),
}));

function fakeApi(frames: Record<string, string> = {}) {
  const old = { id: 'old', name: 'old.png', kind: 'image', url: 'http://s3/old.png', thumbUrl: 'http://s3/old.jpg' } as Asset;
  const assets = {
    list: vi.fn(async () => ({ shots: { s1: [old] }, frames })),
    setFrame: vi.fn(async () => undefined),
    clearFrame: vi.fn(async () => undefined),
    detach: vi.fn(async () => undefined),
  };
  const api = { assets, renders: { list: vi.fn(async () => ({})) } } as unknown as ApiClient;
  return { api, assets };
}

describe('useBoardMedia', () => {
  it('makes the first picture of a paste or drop the shot’s frame once it is stored', async () => {
    const { api, assets } = fakeApi();
    uploaded.next = ['clip', 'pasted', 'more'];
    const { result } = renderHook(() => useBoardMedia(api, 'b', {}));
    await waitFor(() => expect(result.current.assets.s1).toHaveLength(1));
    const files = [new File(['x'], 'c.mp4', { type: 'video/mp4' }), new File(['x'], 'p.png', { type: 'image/png' }), new File(['x'], 'q.png', { type: 'image/png' })];
    act(() => result.current.upload('s1', files, true));
    await waitFor(() => expect(result.current.uploads).toEqual([]));
    expect(assets.setFrame).toHaveBeenCalledTimes(1);
    expect(assets.setFrame).toHaveBeenCalledWith('b', 's1', 'pasted');
    expect(result.current.frames).toEqual({ s1: 'pasted' });
    expect(result.current.assets.s1!.map((a) => a.id)).toEqual(['old', 'clip', 'pasted', 'more']);
  });

  it('only adds references when the files are not meant as the frame', async () => {
    const { api, assets } = fakeApi({ s1: 'old' });
    uploaded.next = ['ref'];
    const { result } = renderHook(() => useBoardMedia(api, 'b', {}));
    await waitFor(() => expect(result.current.frames).toEqual({ s1: 'old' }));
    act(() => result.current.upload('s1', [new File(['x'], 'r.png', { type: 'image/png' })]));
    await waitFor(() => expect(result.current.assets.s1).toHaveLength(2));
    expect(assets.setFrame).not.toHaveBeenCalled();
    expect(result.current.frames).toEqual({ s1: 'old' });
  });

  it('forgets the choice when the chosen picture is detached, or when cleared', async () => {
    const { api, assets } = fakeApi({ s1: 'old', s2: 'x' });
    const { result } = renderHook(() => useBoardMedia(api, 'b', {}));
    await waitFor(() => expect(result.current.frames).toEqual({ s1: 'old', s2: 'x' }));
    await act(() => result.current.detach('s1', 'old'));
    expect(result.current.frames).toEqual({ s2: 'x' });
    await act(() => result.current.chooseFrame('s2', null));
    expect(assets.clearFrame).toHaveBeenCalledWith('b', 's2');
    expect(result.current.frames).toEqual({});
  });
});
