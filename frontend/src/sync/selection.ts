// Text ops from a textarea and carets through text ops: the glue between a
// plain <textarea> (UTF-16 indexes, one value before and after each input
// event) and the code-point text ops of text.ts. Pure, no DOM.

import { apply, pushDelete, pushInsert, pushRetain, type TextOp } from './text';

/** A textarea selection in UTF-16 indexes (selectionStart/selectionEnd). */
export interface Selection {
  start: number;
  end: number;
}

/** The number of code points in s before UTF-16 index i (a split pair counts whole). */
export function codePointIndex(s: string, i: number): number {
  let n = 0;
  for (let j = 0; j < s.length && j < i; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0xd800 && c <= 0xdbff && j + 1 < s.length) {
      const d = s.charCodeAt(j + 1);
      if (d >= 0xdc00 && d <= 0xdfff) j++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index of code point n of s (s.length past the end). */
export function utf16Index(s: string, n: number): number {
  let i = 0;
  for (; n > 0 && i < s.length; n--) {
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    i += c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
  }
  return i;
}

function sameRun(a: string[], ai: number, b: string[], bi: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/**
 * The text op that turns before into after, for one input event that left
 * the caret at caret (a UTF-16 index into after). Where the change is
 * ambiguous (typing "a" into "aa"), the caret says where it happened: the
 * changed span ends at the caret, as it does for typing, pasting, backspace
 * and delete. When the caret cannot explain the change (a script set the
 * value), it falls back to one replace of the changed middle.
 */
export function inputTextOp(before: string, after: string, caret: number): TextOp {
  const a = Array.from(before);
  const b = Array.from(after);
  const c = Math.min(codePointIndex(after, caret), b.length);
  let end = -1; // end of the replaced span in a, if the caret explains the change
  const tail = b.length - c;
  if (tail <= a.length && sameRun(a, a.length - tail, b, c, tail)) end = a.length - tail;
  let start: number;
  let insertEnd: number;
  if (end >= 0) {
    start = 0;
    const limit = Math.min(end, c);
    while (start < limit && a[start] === b[start]) start++;
    insertEnd = c;
  } else {
    start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let suffix = 0;
    while (suffix < a.length - start && suffix < b.length - start && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) {
      suffix++;
    }
    end = a.length - suffix;
    insertEnd = b.length - suffix;
  }
  const op: TextOp = [];
  pushRetain(op, start);
  pushInsert(op, b.slice(start, insertEnd).join(''));
  pushDelete(op, end - start);
  pushRetain(op, a.length - end);
  return op;
}

/**
 * Where code-point index i of a text ends up after op. An insert exactly at
 * i pushes i along only when stickAfter is set; otherwise i stays before
 * it (the caret of someone typing keeps its place when another person types
 * at the same spot). Inside deleted text, i moves to where the deletion was.
 */
export function transformIndex(op: TextOp, i: number, stickAfter = false): number {
  let oldPos = 0;
  let out = i;
  for (const c of op) {
    if (typeof c === 'string') {
      if (oldPos < i || (oldPos === i && stickAfter)) out += Array.from(c).length;
    } else if (c > 0) {
      oldPos += c;
    } else {
      const n = -c;
      if (oldPos < i) out -= Math.min(n, i - oldPos);
      oldPos += n;
    }
    if (oldPos > i) break;
  }
  return out;
}

/**
 * The selection of a textarea holding text, after op changed text. A
 * collapsed caret stays before text inserted right at it; a range does not
 * grow to take in text inserted at its edges.
 */
export function transformSelection(text: string, sel: Selection, op: TextOp): Selection {
  const next = apply(text, op);
  const s = codePointIndex(text, sel.start);
  const e = codePointIndex(text, sel.end);
  if (s === e) {
    const i = utf16Index(next, transformIndex(op, s));
    return { start: i, end: i };
  }
  const ns = transformIndex(op, s, true);
  const ne = Math.max(ns, transformIndex(op, e));
  return { start: utf16Index(next, ns), end: utf16Index(next, ne) };
}
