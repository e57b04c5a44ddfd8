import { describe, expect, it } from 'vitest';
import {
  codePointIndex,
  inputTextOp,
  transformIndex,
  transformSelection,
  utf16Index,
} from './selection';
import { apply, transform } from './text';
import { prng, testSeed } from './testdata';

describe('codePointIndex / utf16Index', () => {
  it('count an astral character once', () => {
    const s = 'a😀b';
    expect(s.length).toBe(4);
    expect(codePointIndex(s, 0)).toBe(0);
    expect(codePointIndex(s, 1)).toBe(1);
    expect(codePointIndex(s, 3)).toBe(2);
    expect(codePointIndex(s, 4)).toBe(3);
    expect(utf16Index(s, 2)).toBe(3);
    expect(utf16Index(s, 3)).toBe(4);
    expect(utf16Index(s, 10)).toBe(4);
  });
});

describe('inputTextOp', () => {
  const cases: { name: string; before: string; after: string; caret: number; op: (number | string)[] }[] = [
    { name: 'typing at the end', before: 'abc', after: 'abcd', caret: 4, op: [3, 'd'] },
    { name: 'typing in the middle', before: 'abc', after: 'aXbc', caret: 2, op: [1, 'X', 2] },
    // A plain diff would put the new "a" at the end; the caret says where it went.
    { name: 'typing into a run of the same letter', before: 'aa', after: 'aaa', caret: 1, op: ['a', 2] },
    { name: 'typing a repeated letter mid-run', before: 'aaa', after: 'aaaa', caret: 2, op: [1, 'a', 2] },
    { name: 'backspace', before: 'abc', after: 'ac', caret: 1, op: [1, -1, 1] },
    { name: 'backspace in a run', before: 'aab', after: 'ab', caret: 1, op: [1, -1, 1] },
    { name: 'delete key', before: 'abc', after: 'ac', caret: 1, op: [1, -1, 1] },
    { name: 'replacing a selection by typing', before: 'hello world', after: 'hello there', caret: 11, op: [6, 'there', -5] },
    { name: 'pasting over the start', before: 'old text', after: 'new text', caret: 3, op: ['new', -3, 5] },
    { name: 'clearing everything', before: 'abc', after: '', caret: 0, op: [-3] },
    { name: 'an emoji counts as one character', before: 'a😀', after: 'a😀b', caret: 4, op: [2, 'b'] },
    { name: 'deleting an emoji', before: 'a😀b', after: 'ab', caret: 1, op: [1, -1, 1] },
    // The caret cannot explain a value set by a script: one replace of the middle.
    { name: 'caret unrelated to the change', before: 'abcdef', after: 'abXdef', caret: 0, op: [2, 'X', -1, 3] },
    { name: 'no change', before: 'same', after: 'same', caret: 2, op: [4] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const op = inputTextOp(c.before, c.after, c.caret);
      expect(op).toEqual(c.op);
      expect(apply(c.before, op)).toBe(c.after);
    });
  }

  it('always produces an op from before to after, whatever the caret', () => {
    const seed = testSeed();
    const rand = prng(seed);
    const alphabet = ['a', 'b', '😀', ' '];
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let k = 0; k < 500; k++) {
      const before = word(Math.floor(rand() * 8));
      const after = word(Math.floor(rand() * 8));
      const caret = Math.floor(rand() * (after.length + 1));
      const op = inputTextOp(before, after, caret);
      expect(apply(before, op), `seed ${seed}: ${before} -> ${after} @${caret}`).toBe(after);
    }
  });
});

describe('transformIndex', () => {
  it('moves past text inserted before it and stays before text inserted at it', () => {
    expect(transformIndex(['xy', 5], 2)).toBe(4);
    expect(transformIndex([2, 'xy', 3], 2)).toBe(2);
    expect(transformIndex([2, 'xy', 3], 2, true)).toBe(4);
    expect(transformIndex([3, 'xy', 2], 2)).toBe(2);
  });

  it('moves back over deleted text and into a deletion that covers it', () => {
    expect(transformIndex([-2, 3], 4)).toBe(2);
    expect(transformIndex([1, -3, 1], 2)).toBe(1);
    expect(transformIndex([1, -3, 1], 5)).toBe(2);
    expect(transformIndex([2, -2, 1], 2)).toBe(2);
  });
});

describe('transformSelection', () => {
  it('keeps a caret in place when someone types before it, in UTF-16 units', () => {
    // "😀" is one code point but two UTF-16 units.
    const sel = transformSelection('hello', { start: 5, end: 5 }, ['😀 ', 5]);
    expect(sel).toEqual({ start: 8, end: 8 });
  });

  it('keeps the caret before text another person types at the same spot', () => {
    expect(transformSelection('ab', { start: 1, end: 1 }, [1, 'XYZ', 1])).toEqual({ start: 1, end: 1 });
  });

  it('keeps a range on the same characters and does not take in text at its edges', () => {
    // "hello world", "world" selected; someone inserts before and at both edges.
    const sel = transformSelection('hello world', { start: 6, end: 11 }, ['>', 6, '[', 5, ']']);
    expect(sel).toEqual({ start: 8, end: 13 });
    expect('>hello [world]'.slice(sel.start, sel.end)).toBe('world');
  });

  it('shrinks a range whose text is partly deleted', () => {
    expect(transformSelection('abcdef', { start: 1, end: 4 }, [2, -3, 1])).toEqual({ start: 1, end: 2 });
  });

  it('agrees with OT: my caret after my own insert stays after it when a concurrent edit lands', () => {
    // I typed "x" at 2 (pending); someone else inserted "yy" at 2 first.
    const text = 'abcd';
    const mine = [2, 'x', 2];
    const theirs = [2, 'yy', 2];
    const [theirsForMe] = transform(theirs, mine);
    const myView = apply(text, mine); // "abxcd", caret at 3
    const sel = transformSelection(myView, { start: 3, end: 3 }, theirsForMe);
    const next = apply(myView, theirsForMe);
    expect(next).toBe('abyyxcd');
    expect(next.slice(0, sel.start)).toBe('abyyx');
  });
});
