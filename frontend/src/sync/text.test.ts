import { describe, expect, it } from 'vitest';
import {
  apply,
  codePointLength,
  compose,
  diff,
  diffMinimal,
  normalize,
  pushDelete,
  pushInsert,
  pushRetain,
  transform,
  type TextOp,
} from './text';
import { prng, readFixture, testSeed } from './testdata';

interface Case {
  doc: string;
  a: TextOp;
  b: TextOp;
  aPrime: TextOp;
  bPrime: TextOp;
  afterA: string;
  result: string;
  composed: TextOp;
}

const fixture = readFixture<{ cases: Case[] }>('text.json');

describe('text OT matches Go (testdata/text.json)', () => {
  it('has cases', () => expect(fixture.cases.length).toBeGreaterThan(50));

  it('transforms to the same ops', () => {
    for (const c of fixture.cases) {
      expect(transform(c.a, c.b), JSON.stringify(c)).toEqual([c.aPrime, c.bPrime]);
    }
  });

  it('composes to the same op', () => {
    for (const c of fixture.cases) expect(compose(c.a, c.bPrime), JSON.stringify(c)).toEqual(c.composed);
  });

  it('applies to the same text', () => {
    for (const c of fixture.cases) {
      expect(apply(c.doc, c.a)).toBe(c.afterA);
      expect(apply(c.afterA, c.bPrime)).toBe(c.result);
      expect(apply(apply(c.doc, c.b), c.aPrime)).toBe(c.result);
      expect(apply(c.doc, c.composed)).toBe(c.result);
    }
  });
});

describe('normalize', () => {
  it('puts inserts before deletes and merges runs, as Go does', () => {
    expect(normalize([1, -2, 'X', 2])).toEqual([1, 'X', -2, 2]);
    expect(normalize([1, 1, -1, 'a', -1, 'b', 2])).toEqual([2, 'ab', -2, 2]);
    expect(normalize([])).toEqual([]);
  });

  it('keeps the tie-break of an unnormalized op (issue 11)', () => {
    // "abcde": a = [3,"ß",2] applied first, b = [1,-2,"X",2] written with
    // its insert after its delete: X goes where the deleted text was.
    const [, b2] = transform([3, 'ß', 2], [1, -2, 'X', 2]);
    expect(apply(apply('abcde', [3, 'ß', 2]), b2)).toBe('aXßde');
  });
});

describe('code points', () => {
  it('counts astral characters once', () => {
    expect('😀'.length).toBe(2);
    expect(codePointLength('😀é中')).toBe(3);
  });

  it('retains and deletes whole code points', () => {
    expect(apply('😀é中', [1, -1, 'e', 1])).toBe('😀e中');
    expect(apply('a🎬b', [1, -1, 1])).toBe('ab');
  });

  it('refuses an op measured in UTF-16 units', () => {
    expect(() => apply('😀', [2])).toThrow();
  });
});

describe('builders normalize', () => {
  it('merges and orders inserts before deletes', () => {
    const op: TextOp = [];
    pushRetain(op, 1);
    pushRetain(op, 2);
    pushDelete(op, 1);
    pushInsert(op, 'a');
    pushInsert(op, 'b');
    pushDelete(op, 2);
    expect(op).toEqual([3, 'ab', -3]);
  });
});

it('diff turns a textarea change into one replace', () => {
  expect(diff('hello world', 'hello brave world')).toEqual([6, 'brave ', 5]);
  expect(diff('a😀b', 'ab')).toEqual([1, -1, 1]);
  expect(apply('cat', diff('cat', 'cut'))).toBe('cut');
});

const alphabet = ['a', 'b', ' ', '\n', 'é', '中', '😀', '🎬'];

function randomText(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * (max + 1));
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

function randomOp(r: () => number, doc: string): TextOp {
  const op: TextOp = [];
  let left = codePointLength(doc);
  while (left > 0) {
    const n = 1 + Math.floor(r() * Math.min(left, 5));
    const k = Math.floor(r() * 4);
    if (k === 0) pushInsert(op, randomText(r, 4));
    else if (k === 1) {
      pushDelete(op, n);
      left -= n;
    } else {
      pushRetain(op, n);
      left -= n;
    }
  }
  if (r() < 0.5) pushInsert(op, randomText(r, 3));
  return op;
}

it('converges and composes for random ops (seeded)', () => {
  const seed = testSeed();
  const r = prng(seed);
  for (let i = 0; i < 2000; i++) {
    const doc = randomText(r, 20);
    const a = randomOp(r, doc);
    const b = randomOp(r, doc);
    const [a2, b2] = transform(a, b);
    const ab = apply(apply(doc, a), b2);
    const ba = apply(apply(doc, b), a2);
    expect(ab, `seed ${seed} case ${i}: ${JSON.stringify({ doc, a, b })}`).toBe(ba);
    expect(apply(doc, compose(a, b2)), `seed ${seed} case ${i}`).toBe(ab);
  }
});

describe('diffMinimal', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['', 'abc'],
    ['abc', ''],
    ['hello', 'oh, hello there'],
    ['the quick brown fox', 'the slow brown dog'],
    ['abcabba', 'cbabac'],
    ['😀 dawn 🎬', '🎬 dawn at sea 😀'],
    ['same', 'same'],
  ];
  it.each(cases)('turns %j into %j', (before, after) => {
    const op = diffMinimal(before, after);
    expect(apply(before, op)).toBe(after);
    // Minimal: it deletes and inserts no more than the edit distance needs,
    // and never more than the one-replace diff.
    const changed = (o: TextOp) => o.reduce<number>((n, c) => n + (typeof c === 'string' ? codePointLength(c) : c < 0 ? -c : 0), 0);
    expect(changed(op)).toBeLessThanOrEqual(changed(diff(before, after)));
  });

  it('keeps an edit inside unchanged text in place when rebased past it', () => {
    // "12" typed inside "hello"; someone wrapped the word in more text.
    const mine = transform(diffMinimal('hello', 'oh, hello there'), [3, '12', 2])[1];
    expect(apply('oh, hello there', mine)).toBe('oh, hel12lo there');
    // The one-replace diff loses the place (the characters survive).
    const coarse = transform(diff('hello', 'oh, hello there'), [3, '12', 2])[1];
    expect(apply('oh, hello there', coarse)).not.toBe('oh, hel12lo there');
  });

  it('settles for one replace past maxEdits', () => {
    expect(diffMinimal('abcdef', 'uvwxyz', 3)).toEqual(diff('abcdef', 'uvwxyz'));
    expect(apply('abcdef', diffMinimal('abcdef', 'uvwxyz', 3))).toBe('uvwxyz');
  });
});
