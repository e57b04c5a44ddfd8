import { describe, expect, it } from 'vitest';
import { compareShots } from '../../sync/state';
import type { Shot } from '../../sync/protocol';
import { gapAt, indexAfterDrop, positionBetween, positionForInsert, positionForMove, timelineLayout } from './timeline';

const s = (id: string, position: string, duration = 2) => ({ id, position, duration }) as Shot;

/** Applies a move the way the server orders shots: by position, then id. */
function order(shots: Shot[], id?: string, position?: string | null): string[] {
  return shots
    .map((x) => (x.id === id && position ? { ...x, position } : x))
    .sort(compareShots)
    .map((x) => x.id);
}

describe('timelineLayout', () => {
  it('makes widths proportional to durations and lays cards end to end', () => {
    const l = timelineLayout([s('a', 'a0', 2), s('b', 'a1', 0.5), s('c', 'a2', 4)], 40, 8);
    expect(l.items.map((i) => i.width)).toEqual([80, 20, 160]);
    expect(l.items.map((i) => i.left)).toEqual([0, 88, 116]);
    expect(l.items.map((i) => [i.start, i.end])).toEqual([
      [0, 2],
      [2, 2.5],
      [2.5, 6.5],
    ]);
    expect(l.duration).toBe(6.5);
    expect(l.width).toBe(276);
  });

  it('gives a shot without a usable duration no width', () => {
    const l = timelineLayout([s('a', 'a0', Number.NaN), s('b', 'a1', 1)], 10);
    expect(l.items[0]!.width).toBe(0);
    expect(l.items[1]!.left).toBe(0);
  });

  it('is empty for no shots', () => {
    expect(timelineLayout([], 10, 8)).toEqual({ items: [], duration: 0, width: 0 });
  });
});

describe('gapAt and indexAfterDrop', () => {
  const l = timelineLayout([s('a', 'a0', 2), s('b', 'a1', 2), s('c', 'a2', 2)], 50); // 0-100, 100-200, 200-300
  it('picks the nearer side of the card under the pointer', () => {
    expect(gapAt(l, 10)).toBe(0);
    expect(gapAt(l, 60)).toBe(1);
    expect(gapAt(l, 140)).toBe(1);
    expect(gapAt(l, 160)).toBe(2);
    expect(gapAt(l, 999)).toBe(3);
    expect(gapAt(l, -5)).toBe(0);
  });

  it('turns a gap into the final index of the dragged card', () => {
    expect(indexAfterDrop(0, 3)).toBe(2); // first to last
    expect(indexAfterDrop(2, 0)).toBe(0); // last to first
    expect(indexAfterDrop(1, 1)).toBe(1); // its own gaps leave it in place
    expect(indexAfterDrop(1, 2)).toBe(1);
  });
});

describe('positionBetween', () => {
  it('sorts strictly between its neighbours, or past an open end', () => {
    expect(positionBetween(null, null)).toBe('a0');
    const k = positionBetween({ position: 'a0' }, { position: 'a1' });
    expect(k > 'a0' && k < 'a1').toBe(true);
    expect(positionBetween({ position: 'a1' }, null) > 'a1').toBe(true);
    expect(positionBetween(null, { position: 'a0' }) < 'a0').toBe(true);
  });

  it('goes after a run of equal keys, where no key fits between them', () => {
    const following = [{ position: 'a1' }, { position: 'a1' }, { position: 'a3' }];
    const k = positionBetween({ position: 'a1' }, { position: 'a1' }, following);
    expect(k > 'a1' && k < 'a3').toBe(true);
  });
});

describe('positionForInsert', () => {
  const shots = [s('a', 'a0'), s('b', 'a1'), s('c', 'a2')];
  it('places a new shot at each index', () => {
    for (let i = 0; i <= shots.length; i++) {
      const p = positionForInsert(shots, i);
      const ids = order([...shots, s('new', p)]);
      expect(ids.indexOf('new'), `index ${i}`).toBe(i);
    }
  });
});

describe('positionForMove', () => {
  const shots = [s('a', 'a0'), s('b', 'a1'), s('c', 'a2'), s('d', 'a3')];
  it('moves a shot to every index of the final order', () => {
    for (const id of ['a', 'b', 'c', 'd']) {
      for (let to = 0; to < shots.length; to++) {
        const p = positionForMove(shots, id, to);
        const from = shots.findIndex((x) => x.id === id);
        if (to === from) {
          expect(p).toBeNull();
          continue;
        }
        expect(order(shots, id, p).indexOf(id), `${id} -> ${to}`).toBe(to);
      }
    }
  });

  it('is null for a shot that is not on the board', () => {
    expect(positionForMove(shots, 'zzz', 0)).toBeNull();
  });

  it('moves last to first and first to last', () => {
    expect(order(shots, 'd', positionForMove(shots, 'd', 0))).toEqual(['d', 'a', 'b', 'c']);
    expect(order(shots, 'a', positionForMove(shots, 'a', 3))).toEqual(['b', 'c', 'd', 'a']);
  });
});
