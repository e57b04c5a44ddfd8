import { describe, expect, it } from 'vitest';
import { wordDiff } from './diff';

describe('wordDiff', () => {
  it('marks the words that changed', () => {
    expect(wordDiff('A lake at dawn, mist rising', 'A lake at dusk, mist rising')).toEqual([
      { kind: 'same', text: 'A lake at ' },
      { kind: 'removed', text: 'dawn' },
      { kind: 'added', text: 'dusk' },
      { kind: 'same', text: ', mist rising' },
    ]);
  });

  it('handles additions at the end and empty texts', () => {
    expect(wordDiff('Wide shot', 'Wide shot, slow pan')).toEqual([
      { kind: 'same', text: 'Wide shot' },
      { kind: 'added', text: ', slow pan' },
    ]);
    expect(wordDiff('', 'New')).toEqual([{ kind: 'added', text: 'New' }]);
    expect(wordDiff('Old', '')).toEqual([{ kind: 'removed', text: 'Old' }]);
    expect(wordDiff('same', 'same')).toEqual([{ kind: 'same', text: 'same' }]);
  });

  it('rebuilds both texts', () => {
    const older = 'The quick brown fox jumps over the lazy dog';
    const newer = 'A quick red fox leaps over the dog';
    const parts = wordDiff(older, newer);
    expect(parts.filter((p) => p.kind !== 'added').map((p) => p.text).join('')).toBe(older);
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe(newer);
  });
});
