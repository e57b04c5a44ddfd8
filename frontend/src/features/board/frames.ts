// What a shot's frame is, as pure functions: the picture a storyboard shows
// for a shot (on its card, on the project page, in the animatic) and the
// board's aspect ratio as CSS.

import type { Asset, Render } from '../../api/client';

/** The picture that stands for a shot. */
export type Frame =
  | { kind: 'render'; url: string }
  | { kind: 'image'; url: string; thumbUrl: string }
  | { kind: 'placeholder' };

function pictureOf(a: Asset & { thumbUrl: string }): Frame {
  return { kind: 'image', url: a.kind === 'image' ? a.url : a.thumbUrl, thumbUrl: a.thumbUrl };
}

function chosenOf(assets: readonly Asset[] | undefined, chosen: string | undefined) {
  const a = chosen ? assets?.find((x) => x.id === chosen) : undefined;
  return a?.thumbUrl ? (a as Asset & { thumbUrl: string }) : undefined;
}

/**
 * A shot's frame on its card: the picture someone chose for it (pasted or
 * dropped on the card, or picked in the inspector), else its latest
 * finished render, else its first reference with a picture (an image, or a
 * clip's poster frame), else a placeholder. A chosen frame wins over a
 * render: whoever pasted it wants to see it.
 */
export function frameOf(renders: readonly Render[] | undefined, assets: readonly Asset[] | undefined, chosen?: string): Frame {
  const picked = chosenOf(assets, chosen);
  if (picked) return pictureOf(picked);
  const video = renders?.find((r) => r.state === 'succeeded' && r.url);
  if (video?.url) return { kind: 'render', url: video.url };
  const ref = assets?.find((a) => a.thumbUrl);
  if (ref?.thumbUrl) return pictureOf(ref as Asset & { thumbUrl: string });
  return { kind: 'placeholder' };
}

/**
 * What the animatic shows for a shot: its latest finished render where it
 * has one (motion beats a still), else its frame as on its card.
 */
export function playedFrameOf(renders: readonly Render[] | undefined, assets: readonly Asset[] | undefined, chosen?: string): Frame {
  const video = renders?.find((r) => r.state === 'succeeded' && r.url);
  if (video?.url) return { kind: 'render', url: video.url };
  return frameOf(undefined, assets, chosen);
}

/** "16:9" → "16 / 9", for CSS aspect-ratio; anything unreadable is 16 / 9. */
export function aspectCss(ratio: string): string {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio);
  if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0) return '16 / 9';
  return `${m[1]} / ${m[2]}`;
}

/** Images among pasted or dropped files (what can become a frame). */
export function imageFiles(files: Iterable<File>): File[] {
  return Array.from(files).filter((f) => /^image\/(png|jpeg|webp)$/.test(f.type));
}
