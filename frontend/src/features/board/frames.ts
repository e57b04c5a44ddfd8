// What a shot's frame is, as pure functions: the picture a storyboard shows
// for a shot (on its card, on the project page, in the animatic) and the
// board's aspect ratio as CSS.

import type { Asset, Render } from '../../api/client';

/** The picture that stands for a shot. */
export type Frame =
  | { kind: 'render'; url: string }
  | { kind: 'image'; url: string; thumbUrl: string }
  | { kind: 'placeholder' };

/**
 * A shot's frame: its latest finished render, else its first reference
 * with a picture (an image, or a clip's poster frame), else a placeholder.
 */
export function frameOf(renders: readonly Render[] | undefined, assets: readonly Asset[] | undefined): Frame {
  const video = renders?.find((r) => r.state === 'succeeded' && r.url);
  if (video?.url) return { kind: 'render', url: video.url };
  const ref = assets?.find((a) => a.thumbUrl);
  if (ref?.thumbUrl) return { kind: 'image', url: ref.kind === 'image' ? ref.url : ref.thumbUrl, thumbUrl: ref.thumbUrl };
  return { kind: 'placeholder' };
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
