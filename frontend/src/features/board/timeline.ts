// The timeline's geometry and ordering, as pure functions: where each shot
// card sits (width proportional to its duration), which gap a drop lands
// in, and the fractional position that puts a shot between two neighbours.

import { generateKeyBetween } from '../../sync/fracindex';
import type { Shot } from '../../sync/protocol';

/** One shot card on the timeline. */
export interface TimelineItem {
  id: string;
  /** Seconds from the start of the board. */
  start: number;
  end: number;
  /** Pixels from the left edge of the track. */
  left: number;
  width: number;
}

export interface TimelineLayout {
  items: TimelineItem[];
  /** Running time of the board, in seconds. */
  duration: number;
  /** Width of the track, in pixels (gaps included). */
  width: number;
}

/**
 * Lays shots out left to right in the order given: each card is
 * duration × pxPerSecond wide, so widths stay proportional to durations,
 * with gap pixels between cards.
 */
export function timelineLayout(shots: readonly Pick<Shot, 'id' | 'duration'>[], pxPerSecond: number, gap = 0): TimelineLayout {
  const items: TimelineItem[] = [];
  let t = 0;
  let x = 0;
  shots.forEach((s, i) => {
    const d = Number.isFinite(s.duration) && s.duration > 0 ? s.duration : 0;
    const width = d * pxPerSecond;
    items.push({ id: s.id, start: t, end: t + d, left: x, width });
    t += d;
    x += width + (i < shots.length - 1 ? gap : 0);
  });
  return { items, duration: t, width: x };
}

/**
 * The gap (0 = before the first card, items.length = after the last) that a
 * pointer at x pixels into the track points at: the nearer side of the card
 * under it.
 */
export function gapAt(layout: TimelineLayout, x: number): number {
  const { items } = layout;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (x < it.left + it.width / 2) return i;
  }
  return items.length;
}

/**
 * The final index of a shot dragged from index from and dropped in gap:
 * dropping into either gap next to it leaves it where it is.
 */
export function indexAfterDrop(from: number, gap: number): number {
  return gap > from ? gap - 1 : gap;
}

/**
 * An order key for a shot placed between before and after (null: an open
 * end). Shots sort by position, then id, so two neighbours can share a key
 * (concurrent inserts at one spot); no key fits strictly between them, and
 * the new shot goes right after the run of equal keys instead.
 */
export function positionBetween(
  before: Pick<Shot, 'position'> | null,
  after: Pick<Shot, 'position'> | null,
  following: readonly Pick<Shot, 'position'>[] = [],
): string {
  const a = before?.position ?? null;
  let b = after?.position ?? null;
  if (a !== null && b !== null && a >= b) {
    // after shares before's key: look past the run for the next greater key.
    b = following.find((s) => s.position > a)?.position ?? null;
  }
  return generateKeyBetween(a, b);
}

/** The order key for a new shot at index (0…shots.length) of shots in order. */
export function positionForInsert(shots: readonly Pick<Shot, 'position'>[], index: number): string {
  const i = Math.max(0, Math.min(index, shots.length));
  return positionBetween(shots[i - 1] ?? null, shots[i] ?? null, shots.slice(i));
}

/**
 * The order key that moves shot id to index to of the final order, or null
 * when it is already there (or not on the board).
 */
export function positionForMove(shots: readonly Pick<Shot, 'id' | 'position'>[], id: string, to: number): string | null {
  const from = shots.findIndex((s) => s.id === id);
  if (from < 0) return null;
  const rest = shots.filter((s) => s.id !== id);
  const i = Math.max(0, Math.min(to, rest.length));
  if (i === from) return null;
  return positionForInsert(rest, i);
}
