// Character-wise operational transformation for text fields, the TypeScript
// twin of backend/board/text.go (ot.js style).
//
// A TextOp walks the whole document: a positive number keeps that many
// characters, a negative number deletes that many, a string inserts itself.
// Every length counts Unicode code points, as the server does, NOT UTF-16
// code units: "😀" is one character here although its JS length is 2.
// Strings sent to the server should be well-formed (String.prototype
// .toWellFormed()): the server turns a lone surrogate into U+FFFD.

export type TextOp = (number | string)[];

export class TextOpError extends Error {
  readonly code = 'EINVALID';
}

/** Number of code points in s. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index n code points after index from. */
function advance(s: string, from: number, n: number): number {
  let i = from;
  for (; n > 0 && i < s.length; n--) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      i += d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    } else {
      i++;
    }
  }
  return i;
}

const isRetain = (c: number | string | undefined): c is number => typeof c === 'number' && c > 0;
const isDelete = (c: number | string | undefined): c is number => typeof c === 'number' && c < 0;
const isInsert = (c: number | string | undefined): c is string => typeof c === 'string';

/** Appends a retain to op (in place), keeping it normalized. */
export function pushRetain(op: TextOp, n: number): TextOp {
  if (n <= 0) return op;
  const last = op[op.length - 1];
  if (isRetain(last)) op[op.length - 1] = last + n;
  else op.push(n);
  return op;
}

/** Appends an insert to op (in place); inserts go before deletes. */
export function pushInsert(op: TextOp, s: string): TextOp {
  if (s === '') return op;
  const l = op.length;
  const last = op[l - 1];
  if (isInsert(last)) {
    op[l - 1] = last + s;
  } else if (isDelete(last)) {
    const prev = op[l - 2];
    if (isInsert(prev)) op[l - 2] = prev + s;
    else {
      op[l - 1] = s;
      op.push(last);
    }
  } else {
    op.push(s);
  }
  return op;
}

/** Appends a delete of n characters to op (in place). */
export function pushDelete(op: TextOp, n: number): TextOp {
  if (n <= 0) return op;
  const last = op[op.length - 1];
  if (isDelete(last)) op[op.length - 1] = last - n;
  else op.push(-n);
  return op;
}

/**
 * op in normal form, as the server's TextOp.Normalize: adjacent components
 * of one kind merged and, between two retains, the inserted text before the
 * deleted text. Where an insert sits next to a delete decides which
 * concurrent inserts are "at the same place", so transform normalizes its
 * inputs exactly as the server does, and both agree on the tie-break.
 */
export function normalize(op: TextOp): TextOp {
  const out: TextOp = [];
  for (const c of op) {
    if (isInsert(c)) pushInsert(out, c);
    else if (isRetain(c)) pushRetain(out, c);
    else if (isDelete(c)) pushDelete(out, -c);
  }
  return out;
}

/** Length of the documents op applies to. */
export function baseLength(op: TextOp): number {
  let n = 0;
  for (const c of op) if (typeof c === 'number') n += Math.abs(c);
  return n;
}

/** Length of the document op produces. */
export function targetLength(op: TextOp): number {
  let n = 0;
  for (const c of op) {
    if (isRetain(c)) n += c;
    else if (isInsert(c)) n += codePointLength(c);
  }
  return n;
}

/** True if op changes nothing. */
export function isNoop(op: TextOp): boolean {
  return op.every(isRetain);
}

/** Throws unless every component is a non-zero integer or a non-empty string. */
export function validate(op: TextOp): void {
  if (!Array.isArray(op)) throw new TextOpError('textOp must be an array');
  for (const c of op) {
    if (typeof c === 'string' ? c === '' : !Number.isInteger(c) || c === 0) {
      throw new TextOpError('each component must retain, insert or delete');
    }
  }
}

/** Returns doc changed by op; throws if op does not fit doc. */
export function apply(doc: string, op: TextOp): string {
  validate(op);
  const len = codePointLength(doc);
  if (baseLength(op) !== len) {
    throw new TextOpError(`textOp applies to a text of ${baseLength(op)} characters, not ${len}`);
  }
  const out: string[] = [];
  let pos = 0;
  for (const c of op) {
    if (isInsert(c)) out.push(c);
    else if (isRetain(c)) {
      const end = advance(doc, pos, c);
      out.push(doc.slice(pos, end));
      pos = end;
    } else {
      pos = advance(doc, pos, -c);
    }
  }
  return out.join('');
}

/** Walks an op's components, able to consume part of one. */
class Cursor {
  private i = 0;
  cur: number | string | undefined;
  private readonly op: TextOp;
  constructor(op: TextOp) {
    this.op = op;
    this.cur = op[0];
  }
  get ok(): boolean {
    return this.cur !== undefined;
  }
  length(): number {
    const c = this.cur;
    return typeof c === 'string' ? codePointLength(c) : Math.abs(c ?? 0);
  }
  /** Consumes n characters of the current component and returns them. */
  take(n: number): number | string {
    const c = this.cur as number | string;
    if (n >= this.length()) {
      this.cur = this.op[++this.i];
      return c;
    }
    if (typeof c === 'string') {
      const cut = advance(c, 0, n);
      this.cur = c.slice(cut);
      return c.slice(0, cut);
    }
    if (c > 0) {
      this.cur = c - n;
      return n;
    }
    this.cur = c + n;
    return -n;
  }
}

/** One op with the effect of a then b. */
export function compose(a: TextOp, b: TextOp): TextOp {
  validate(a);
  validate(b);
  if (targetLength(a) !== baseLength(b)) {
    throw new TextOpError('the second op must apply to the result of the first');
  }
  const out: TextOp = [];
  const c1 = new Cursor(a);
  const c2 = new Cursor(b);
  while (c1.ok || c2.ok) {
    if (c1.ok && isDelete(c1.cur)) {
      pushDelete(out, -(c1.take(c1.length()) as number));
      continue;
    }
    if (c2.ok && isInsert(c2.cur)) {
      pushInsert(out, c2.take(c2.length()) as string);
      continue;
    }
    if (!c1.ok || !c2.ok) throw new TextOpError('ops of different lengths');
    const n = Math.min(c1.length(), c2.length());
    const x = c1.take(n);
    const y = c2.take(n);
    if (isRetain(x) && isRetain(y)) pushRetain(out, n);
    else if (isInsert(x) && isRetain(y)) pushInsert(out, x);
    else if (isRetain(x) && isDelete(y)) pushDelete(out, n);
    // insert then delete: nothing
  }
  return out;
}

/**
 * For ops a and b made concurrently on one document, returns [a', b'] such
 * that apply(apply(d, a), b') === apply(apply(d, b), a'). a is the op the
 * server ordered first: where both insert at one place, a's text goes first.
 * Both are normalized first (an insert next to a delete is at its start).
 */
export function transform(a: TextOp, b: TextOp): [TextOp, TextOp] {
  validate(a);
  validate(b);
  a = normalize(a);
  b = normalize(b);
  if (baseLength(a) !== baseLength(b)) {
    throw new TextOpError('concurrent ops must apply to the same text');
  }
  const a2: TextOp = [];
  const b2: TextOp = [];
  const c1 = new Cursor(a);
  const c2 = new Cursor(b);
  while (c1.ok || c2.ok) {
    if (c1.ok && isInsert(c1.cur)) {
      const n = c1.length();
      pushInsert(a2, c1.take(n) as string);
      pushRetain(b2, n);
      continue;
    }
    if (c2.ok && isInsert(c2.cur)) {
      const n = c2.length();
      pushRetain(a2, n);
      pushInsert(b2, c2.take(n) as string);
      continue;
    }
    if (!c1.ok || !c2.ok) throw new TextOpError('ops of different lengths');
    const n = Math.min(c1.length(), c2.length());
    const x = c1.take(n);
    const y = c2.take(n);
    if (isRetain(x) && isRetain(y)) {
      pushRetain(a2, n);
      pushRetain(b2, n);
    } else if (isDelete(x) && isRetain(y)) {
      pushDelete(a2, n);
    } else if (isRetain(x) && isDelete(y)) {
      pushDelete(b2, n);
    }
    // both deleted the same text: nothing
  }
  return [a2, b2];
}

/**
 * The op that turns before into after, as one replace of the changed middle.
 * Handy for a textarea's input event; lengths in code points.
 */
export function diff(before: string, after: string): TextOp {
  const a = Array.from(before);
  const b = Array.from(after);
  const [start, end] = commonEnds(a, b);
  const op: TextOp = [];
  pushRetain(op, start);
  pushInsert(op, b.slice(start, b.length - end).join(''));
  pushDelete(op, a.length - start - end);
  pushRetain(op, end);
  return op;
}

/** How many characters a and b share at their start, and then at their end. */
function commonEnds(a: string[], b: string[]): [number, number] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return [start, end];
}

/**
 * The op that turns before into after changing as few characters as it can
 * (Myers' O(ND) diff over code points, after the common prefix and suffix).
 * Rebasing an edit past it keeps the edit where it was in the text around
 * it. Past maxEdits differences it settles for diff's one replace of the
 * changed middle, which keeps every inserted character but may move it.
 */
export function diffMinimal(before: string, after: string, maxEdits = 500): TextOp {
  const a = Array.from(before);
  const b = Array.from(after);
  const [start, end] = commonEnds(a, b);
  const x = a.slice(start, a.length - end);
  const y = b.slice(start, b.length - end);
  const op: TextOp = [];
  pushRetain(op, start);
  const steps = shortestEdit(x, y, Math.min(maxEdits, x.length + y.length));
  if (steps === null) {
    pushInsert(op, y.join(''));
    pushDelete(op, x.length);
  } else {
    for (const [kind, ch] of steps) {
      if (kind === 0) pushRetain(op, 1);
      else if (kind === 1) pushInsert(op, ch);
      else pushDelete(op, 1);
    }
  }
  pushRetain(op, end);
  return op;
}

/**
 * Myers' shortest edit script from x to y, one step per character: 0 keep,
 * 1 insert ch, -1 delete; null if it needs more than limit inserts and
 * deletes.
 */
function shortestEdit(x: string[], y: string[], limit: number): [0 | 1 | -1, string][] | null {
  const n = x.length;
  const m = y.length;
  const off = limit + 1;
  const v = new Int32Array(2 * limit + 3); // furthest x on each diagonal k = x - y
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[k - 1 + off]! < v[k + 1 + off]!) ? v[k + 1 + off]! : v[k - 1 + off]! + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) {
        i++;
        j++;
      }
      v[k + off] = i;
      if (i >= n && j >= m) return backtrack(trace, x, y);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], x: string[], y: string[]): [0 | 1 | -1, string][] {
  const off = (trace[0]!.length - 3) / 2 + 1;
  const out: [0 | 1 | -1, string][] = [];
  let i = x.length;
  let j = y.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!;
    const k = i - j;
    const prevK = k === -d || (k !== d && v[k - 1 + off]! < v[k + 1 + off]!) ? k + 1 : k - 1;
    const prevI = v[prevK + off]!;
    const prevJ = prevI - prevK;
    while (i > prevI && j > prevJ) {
      out.push([0, x[i - 1]!]);
      i--;
      j--;
    }
    if (d > 0) {
      if (i === prevI) out.push([1, y[j - 1]!]);
      else out.push([-1, x[i - 1]!]);
    }
    i = prevI;
    j = prevJ;
  }
  return out.reverse();
}
