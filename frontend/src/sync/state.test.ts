import { describe, expect, it } from 'vitest';
import type { AppliedOp, BoardSnapshot, Op } from './protocol';
import { SyncError, applyOp } from './state';
import { readFixture } from './testdata';

interface Replay {
  seq: number;
  initial: BoardSnapshot;
  ops: AppliedOp[];
  checkpoints: { seq: number; board: BoardSnapshot }[];
}

const replay = readFixture<Replay>('replay.json');

describe('applyOp replays the server (testdata/replay.json)', () => {
  it('reaches every checkpoint the Go state reached', () => {
    expect(replay.ops.length).toBeGreaterThan(100);
    let board = replay.initial;
    let seq = replay.seq;
    const checkpoints = new Map(replay.checkpoints.map((c) => [c.seq, c.board]));
    let checked = 0;
    for (const a of replay.ops) {
      expect(a.seq).toBe(seq + 1);
      board = applyOp(board, a.op, { actor: a.actor, seq: a.seq });
      seq = a.seq;
      const want = checkpoints.get(seq);
      if (want) {
        expect(board, `at seq ${seq}`).toStrictEqual(want);
        checked++;
      }
    }
    expect(checked).toBe(replay.checkpoints.length);
  });

  it('does not change its input', () => {
    const before = JSON.stringify(replay.initial);
    let board = replay.initial;
    for (const a of replay.ops.slice(0, 50)) board = applyOp(board, a.op, { actor: a.actor, seq: a.seq });
    expect(JSON.stringify(replay.initial)).toBe(before);
  });
});

describe('applyOp conflicts', () => {
  const board: BoardSnapshot = {
    id: 'b',
    title: 'B',
    description: '',
    aspectRatio: '16:9',
    defaultShotDuration: 3,
    shots: [
      { id: 's1', position: 'a0', title: '', prompt: 'hi', notes: '', duration: 3, aspectRatio: '16:9', status: 'draft', provider: '', model: '', settings: {} },
    ],
    comments: [],
  };
  const ctx = { actor: 'u', seq: 1 };

  it.each<Op>([
    { kind: 'shot.move', shotId: 'nope', position: 'a1' },
    { kind: 'shot.delete', shotId: 'nope' },
    { kind: 'shot.set', shotId: 'nope', field: 'title', value: 'x' },
    { kind: 'text.edit', shotId: 'nope', field: 'prompt', textOp: ['x'] },
    { kind: 'comment.add', commentId: 'c', shotId: 'nope', body: 'x' },
    { kind: 'comment.resolve', commentId: 'nope' },
  ])('$kind of a missing target is ENOTFOUND', (op) => {
    expect(() => applyOp(board, op, ctx)).toThrow(expect.objectContaining({ code: 'ENOTFOUND' }));
  });

  it('an insert with an id in use is ECONFLICT unless identical', () => {
    const same = { kind: 'shot.insert', shotId: 's1', position: 'a0', shot: { prompt: 'hi' } } as const;
    expect(applyOp(board, same, ctx)).toBe(board);
    expect(() => applyOp(board, { ...same, position: 'a1' }, ctx)).toThrow(SyncError);
  });

  it('a restore without content cannot be applied optimistically', () => {
    expect(() => applyOp(board, { kind: 'version.restore', versionId: 'v' }, ctx)).toThrow(SyncError);
  });
});
