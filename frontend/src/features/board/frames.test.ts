import { describe, expect, it } from 'vitest';
import type { Asset, Render } from '../../api/client';
import { aspectCss, frameOf, imageFiles, playedFrameOf } from './frames';

const render = (over: Partial<Render>) => ({ state: 'succeeded', url: 'https://s3/r.mp4', ...over }) as Render;
const asset = (over: Partial<Asset>) => ({ kind: 'image', url: 'https://s3/a.png', thumbUrl: 'https://s3/a.jpg', ...over }) as Asset;

describe('frameOf', () => {
  it('prefers the latest finished render', () => {
    expect(frameOf([render({ state: 'running', url: undefined }), render({})], [asset({})])).toEqual({ kind: 'render', url: 'https://s3/r.mp4' });
  });
  it('falls back to the first reference with a picture', () => {
    expect(frameOf([render({ state: 'failed', url: undefined })], [asset({ thumbUrl: undefined }), asset({ url: 'https://s3/b.png', thumbUrl: 'https://s3/b.jpg' })])).toEqual({
      kind: 'image',
      url: 'https://s3/b.png',
      thumbUrl: 'https://s3/b.jpg',
    });
  });
  it("uses a clip's poster frame as the picture", () => {
    expect(frameOf(undefined, [asset({ kind: 'clip', url: 'https://s3/c.mp4', thumbUrl: 'https://s3/c.jpg' })])).toMatchObject({ kind: 'image', url: 'https://s3/c.jpg' });
  });
  it('is a placeholder without either', () => {
    expect(frameOf(undefined, undefined)).toEqual({ kind: 'placeholder' });
  });
  it('puts a chosen picture ahead of the render and the first reference', () => {
    const refs = [asset({ id: 'a1' }), asset({ id: 'a2', url: 'https://s3/pasted.png', thumbUrl: 'https://s3/pasted.jpg' })];
    expect(frameOf([render({})], refs, 'a2')).toEqual({ kind: 'image', url: 'https://s3/pasted.png', thumbUrl: 'https://s3/pasted.jpg' });
  });
  it('ignores a choice that is gone or has no picture', () => {
    expect(frameOf([render({})], [asset({ id: 'a1' })], 'gone')).toEqual({ kind: 'render', url: 'https://s3/r.mp4' });
    expect(frameOf(undefined, [asset({ id: 'a1' }), asset({ id: 'a2', thumbUrl: undefined })], 'a2')).toMatchObject({ url: 'https://s3/a.png' });
  });
});

describe('playedFrameOf', () => {
  const refs = [asset({ id: 'a1' }), asset({ id: 'a2', url: 'https://s3/pasted.png', thumbUrl: 'https://s3/pasted.jpg' })];
  it('plays the render where there is one, even with a chosen frame', () => {
    expect(playedFrameOf([render({})], refs, 'a2')).toEqual({ kind: 'render', url: 'https://s3/r.mp4' });
  });
  it('holds the chosen frame without a render', () => {
    expect(playedFrameOf(undefined, refs, 'a2')).toMatchObject({ kind: 'image', url: 'https://s3/pasted.png' });
  });
});

describe('aspectCss', () => {
  it.each([
    ['16:9', '16 / 9'],
    ['2.39:1', '2.39 / 1'],
    ['9:16', '9 / 16'],
    ['nonsense', '16 / 9'],
    ['0:1', '16 / 9'],
  ])('%s → %s', (ratio, css) => expect(aspectCss(ratio)).toBe(css));
});

describe('imageFiles', () => {
  it('keeps the pictures a frame can be', () => {
    const files = [new File([], 'a.png', { type: 'image/png' }), new File([], 'b.gif', { type: 'image/gif' }), new File([], 'c.mp4', { type: 'video/mp4' })];
    expect(imageFiles(files).map((f) => f.name)).toEqual(['a.png']);
  });
});
