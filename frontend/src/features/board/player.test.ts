import { describe, expect, it } from 'vitest';
import { fasterRate, PlayheadClock, playerAction, shotIndexAt } from './player';
import { timelineLayout } from './timeline';

const shots = [
  { id: 'a', duration: 2 },
  { id: 'b', duration: 1.5 },
  { id: 'c', duration: 3 },
];

describe('shotIndexAt', () => {
  const layout = timelineLayout(shots, 1);
  it.each([
    [0, 0],
    [1.99, 0],
    [2, 1],
    [3.49, 1],
    [3.5, 2],
    [6.5, 2],
    [100, 2],
  ])('at %ss shows shot %i', (t, want) => {
    expect(shotIndexAt(layout, t)).toBe(want);
  });
  it('is -1 on an empty board', () => {
    expect(shotIndexAt(timelineLayout([], 1), 0)).toBe(-1);
  });
});

describe('PlayheadClock', () => {
  it('runs from its clock, not from frames, and holds when paused', () => {
    let now = 1000;
    const clock = new PlayheadClock(() => now);
    clock.seek(2);
    clock.play(1);
    now += 1500;
    expect(clock.time()).toBeCloseTo(3.5);
    clock.pause();
    now += 5000;
    expect(clock.time()).toBeCloseTo(3.5);
    clock.play(2);
    now += 1000;
    expect(clock.time()).toBeCloseTo(5.5);
  });
  it('tells its subscribers of every play, pause and seek', () => {
    const clock = new PlayheadClock(() => 0);
    let calls = 0;
    const off = clock.subscribe(() => calls++);
    clock.play();
    clock.seek(1);
    clock.pause();
    off();
    clock.play();
    expect(calls).toBe(3);
  });
});

describe('player keys', () => {
  it('maps the editing keys', () => {
    expect([' ', 'k', 'L', 'j', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'Escape', 'x'].map(playerAction)).toEqual([
      'toggle',
      'pause',
      'forward',
      'back',
      'previous',
      'next',
      'start',
      'end',
      'close',
      null,
    ]);
  });
  it('speeds L up to 4× and back to 1×', () => {
    expect([1, 2, 4].map(fasterRate)).toEqual([2, 4, 1]);
  });
});
