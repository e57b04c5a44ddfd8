// The animatic player's clock and arithmetic, as plain code: where the
// playhead is (from performance.now(), never from counting frames), which
// shot is on screen at a time, and what each key does.

import type { TimelineLayout } from './timeline';

/** The index of the shot on screen at t seconds (the last one at the end); -1 for an empty board. */
export function shotIndexAt(layout: TimelineLayout, t: number): number {
  const { items } = layout;
  if (items.length === 0) return -1;
  for (let i = 0; i < items.length; i++) if (t < items[i]!.end) return i;
  return items.length - 1;
}

/**
 * A playhead clock: a time that runs at rate while playing. It reads the
 * time from now() (performance.now() in the browser), so a slow frame
 * never slows the animatic down.
 */
export class PlayheadClock {
  private base = 0;
  private origin = 0;
  private running = false;
  private speed = 1;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The playhead, in seconds from the start of the board. */
  time(): number {
    return this.running ? this.base + ((this.now() - this.origin) / 1000) * this.speed : this.base;
  }
  get playing(): boolean {
    return this.running;
  }
  get rate(): number {
    return this.speed;
  }
  play(rate = this.speed): void {
    this.base = this.time();
    this.origin = this.now();
    this.speed = rate;
    this.running = true;
    this.emit();
  }
  pause(): void {
    this.base = this.time();
    this.running = false;
    this.speed = 1;
    this.emit();
  }
  seek(t: number): void {
    this.base = Math.max(0, t);
    this.origin = this.now();
    this.emit();
  }
  /** Calls fn on every play, pause and seek; returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

/**
 * Calls fn now, on every play, pause and seek of clock, and on every
 * animation frame while it plays; returns the stop function. What follows
 * the playhead (the player, the timeline's line, the grid's highlight) moves
 * with it without re-rendering more than itself.
 */
export function followClock(clock: PlayheadClock, fn: () => void): () => void {
  let raf = 0;
  const frame = () => {
    fn();
    if (clock.playing) raf = requestAnimationFrame(frame);
  };
  const unsubscribe = clock.subscribe(() => {
    cancelAnimationFrame(raf);
    frame();
  });
  frame();
  return () => {
    unsubscribe();
    cancelAnimationFrame(raf);
  };
}

/** What a key does in the player. */
export type PlayerAction =
  | 'toggle'
  | 'pause'
  | 'forward'
  | 'back'
  | 'previous'
  | 'next'
  | 'start'
  | 'end'
  | 'close';

/**
 * The player's keys, as in editing tools: space plays and pauses, ← and →
 * go to the previous and next shot, J steps back a second, K pauses, L
 * plays (again: faster), Home and End go to the ends, Escape closes.
 */
export function playerAction(key: string): PlayerAction | null {
  switch (key) {
    case ' ':
      return 'toggle';
    case 'k':
    case 'K':
      return 'pause';
    case 'l':
    case 'L':
      return 'forward';
    case 'j':
    case 'J':
      return 'back';
    case 'ArrowLeft':
      return 'previous';
    case 'ArrowRight':
      return 'next';
    case 'Home':
      return 'start';
    case 'End':
      return 'end';
    case 'Escape':
      return 'close';
    default:
      return null;
  }
}

/** The next L speed: 1× → 2× → 4×, then back to 1×. */
export function fasterRate(rate: number): number {
  return rate >= 4 ? 1 : rate * 2;
}
