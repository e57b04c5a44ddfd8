import { describe, expect, it } from 'vitest';
import type { BoardSnapshot, Shot, TextEditOp } from './protocol';
import { addLocalOp, initialState, reconcile, takeSendable, type SyncState } from './reconcile';
import { apply, codePointLength, type TextOp } from './text';
import { prng, testSeed } from './testdata';
import { viewTextDelta } from './viewDelta';

function shot(id: string, prompt: string): Shot {
  return {
    id,
    position: 'a0',
    title: '',
    prompt,
    notes: '',
    duration: 3,
    aspectRatio: '16:9',
    status: 'draft',
    provider: '',
    model: '',
    settings: {},
  };
}

function board(prompt: string): BoardSnapshot {
  return {
    id: 'b',
    title: 'B',
    description: '',
    aspectRatio: '16:9',
    defaultShotDuration: 3,
    shots: [shot('s1', prompt)],
    comments: [],
  };
}

const edit = (textOp: TextOp, field: 'prompt' | 'notes' = 'prompt'): TextEditOp => ({
  kind: 'text.edit',
  shotId: 's1',
  field,
  textOp,
});

const promptOf = (s: SyncState) => s.view.shots[0]!.prompt;

describe('viewTextDelta', () => {
  it("puts another person's insert before mine at the same place, as reconcile does", () => {
    let s = initialState('me', board('ab'), 1);
    s = addLocalOp(s, 'mine', edit([1, 'x', 1]));
    const incoming = { seq: 2, opId: 'theirs', actor: 'you', op: edit([1, 'YY', 1]) };
    const d = viewTextDelta(s, incoming);
    expect(d).toEqual({ shotId: 's1', field: 'prompt', op: [1, 'YY', 2] });
    const next = reconcile(s, incoming);
    expect(apply(promptOf(s), d!.op)).toBe(promptOf(next));
    expect(promptOf(next)).toBe('aYYxb');
  });

  it('is null for my own op, an op out of order, and ops that are not text edits', () => {
    let s = initialState('me', board('ab'), 1);
    s = addLocalOp(s, 'mine', edit([2, '!']));
    expect(viewTextDelta(s, { seq: 2, opId: 'mine', actor: 'me', op: edit([2, '!']) })).toBeNull();
    expect(viewTextDelta(s, { seq: 5, opId: 'x', actor: 'you', op: edit([2, '?']) })).toBeNull();
    expect(
      viewTextDelta(s, { seq: 2, opId: 'x', actor: 'you', op: { kind: 'shot.set', shotId: 's1', field: 'title', value: 'T' } }),
    ).toBeNull();
  });

  it('ignores my pending edits of other fields', () => {
    let s = initialState('me', board('ab'), 1);
    s = addLocalOp(s, 'n', edit(['note'], 'notes'));
    const d = viewTextDelta(s, { seq: 2, opId: 'x', actor: 'you', op: edit(['>', 2]) });
    expect(d?.op).toEqual(['>', 2]);
  });

  it('matches the text reconcile shows, for random concurrent edits', () => {
    const seed = testSeed();
    const rand = prng(seed);
    const randomOp = (text: string): TextOp => {
      const len = codePointLength(text);
      const at = Math.floor(rand() * (len + 1));
      const del = Math.min(len - at, Math.floor(rand() * 3));
      const ins = rand() < 0.7 ? ['x', 'yy', '😀', 'z z'][Math.floor(rand() * 4)]! : '';
      const op: TextOp = [];
      if (at > 0) op.push(at);
      if (ins) op.push(ins);
      if (del > 0) op.push(-del);
      if (len - at - del > 0) op.push(len - at - del);
      return op;
    };
    for (let round = 0; round < 200; round++) {
      let s = initialState('me', board('hello'), 1);
      let serverText = 'hello';
      let seq = 1;
      for (let step = 0; step < 12; step++) {
        const r = rand();
        if (r < 0.4) {
          const op = randomOp(promptOf(s));
          if (op.length) s = addLocalOp(s, `local-${round}-${step}`, edit(op));
        } else if (r < 0.55) {
          s = takeSendable(s).state;
        } else {
          const op = randomOp(serverText);
          if (!op.length) continue;
          serverText = apply(serverText, op);
          const incoming = { seq: ++seq, opId: `remote-${round}-${step}`, actor: 'you', op: edit(op) };
          const before = promptOf(s);
          const d = viewTextDelta(s, incoming);
          s = reconcile(s, incoming);
          expect(d, `seed ${seed}`).not.toBeNull();
          expect(apply(before, d!.op), `seed ${seed} round ${round}`).toBe(promptOf(s));
        }
      }
    }
  });
});
