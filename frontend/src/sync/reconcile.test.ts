import { describe, expect, it } from 'vitest';
import type { AppliedOp, BoardSnapshot, Op, OpMessage, ServerMessage, Shot, TextEditOp } from './protocol';
import {
  acknowledge,
  addLocalOp,
  initialState,
  onDisconnect,
  reconcile,
  rejectOp,
  resync,
  takeSendable,
  type SyncState,
} from './reconcile';
import { SyncError, applyOp } from './state';
import { TextOpError, codePointLength, transform, type TextOp } from './text';
import { prng, testSeed } from './testdata';

function shot(id: string, position: string, prompt = ''): Shot {
  return {
    id,
    position,
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

function board(): BoardSnapshot {
  return {
    id: 'b',
    title: 'Board',
    description: '',
    aspectRatio: '16:9',
    defaultShotDuration: 3,
    shots: [shot('s1', 'a0', 'hello'), shot('s2', 'a1')],
    comments: [],
  };
}

const edit = (textOp: TextOp, shotId = 's1', field: 'prompt' | 'notes' = 'prompt'): TextEditOp => ({
  kind: 'text.edit',
  shotId,
  field,
  textOp,
});

const prompt = (b: BoardSnapshot, id = 's1') => b.shots.find((s) => s.id === id)?.prompt;

function send(s: SyncState): [SyncState, OpMessage[]] {
  const r = takeSendable(s);
  return [r.state, r.messages];
}

describe('reconcile', () => {
  it('shows a local op at once and confirms it when the server applies it', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([5, '!']));
    expect(prompt(s.view)).toBe('hello!');
    expect(prompt(s.confirmed)).toBe('hello');
    let msgs: OpMessage[];
    [s, msgs] = send(s);
    expect(msgs).toEqual([{ type: 'op', opId: 'op1', baseSeq: 10, op: edit([5, '!']) }]);
    s = reconcile(s, { seq: 11, opId: 'op1', actor: 'me', op: edit([5, '!']) });
    expect(s.pending).toEqual([]);
    expect(prompt(s.confirmed)).toBe('hello!');
    expect(s.seq).toBe(11);
    // The ack that follows the applied op changes nothing.
    expect(acknowledge(s, 'op1', 11)).toBe(s);
  });

  it('confirms the local form of an op on an ack alone', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', {
      kind: 'shot.set',
      shotId: 's2',
      field: 'title',
      value: 'Close-up',
    });
    [s] = send(s);
    s = acknowledge(s, 'op1', 11);
    expect(s.confirmed.shots[1]!.title).toBe('Close-up');
    expect(s.pending).toEqual([]);
  });

  it('transforms pending text past an incoming edit; the server op wins the tie', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([5, ' you']));
    [s] = send(s);
    s = addLocalOp(s, 'op2', edit([9, '!'])); // buffered behind op1
    s = reconcile(s, { seq: 11, opId: 'x', actor: 'ann', op: edit([5, ' there']) });
    expect(prompt(s.confirmed)).toBe('hello there');
    expect(prompt(s.view)).toBe('hello there you!');
    expect(s.pending.map((p) => (p.op as TextEditOp).textOp)).toEqual([
      [11, ' you'],
      [15, '!'],
    ]);
    // The server transforms op1 the same way; its applied form confirms.
    s = reconcile(s, { seq: 12, opId: 'op1', actor: 'me', op: edit([11, ' you']) });
    expect(prompt(s.confirmed)).toBe('hello there you');
    expect(prompt(s.view)).toBe('hello there you!');
  });

  it('keeps a local value of a field above a concurrent remote one (it is applied last)', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', {
      kind: 'shot.set',
      shotId: 's1',
      field: 'duration',
      value: 5,
    });
    [s] = send(s);
    s = reconcile(s, { seq: 11, opId: 'x', actor: 'ann', op: { kind: 'shot.set', shotId: 's1', field: 'duration', value: 8 } });
    expect(s.confirmed.shots[0]!.duration).toBe(8);
    expect(s.view.shots[0]!.duration).toBe(5);
  });

  it('drops edits of a shot deleted by someone else from the view, then on the error', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', { kind: 'shot.set', shotId: 's1', field: 'title', value: 'T' });
    s = addLocalOp(s, 'op2', edit([5, '?']));
    [s] = send(s);
    s = addLocalOp(s, 'op3', edit([6, '?'])); // unsent, after op2 in flight
    s = reconcile(s, { seq: 11, opId: 'x', actor: 'ann', op: { kind: 'shot.delete', shotId: 's1' } });
    expect(s.view.shots.map((x) => x.id)).toEqual(['s2']);
    // op1 waits for its error; op2 is stale; op3 was never sent and is dropped.
    expect(s.pending.map((p) => [p.opId, p.stale ?? false])).toEqual([
      ['op1', false],
      ['op2', true],
    ]);
    s = rejectOp(rejectOp(s, 'op1'), 'op2');
    expect(s.pending).toEqual([]);
    expect(s.view).toEqual(s.confirmed);
  });

  it('a rejected text edit takes the edits built on it along', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([5, '1']));
    [s] = send(s);
    s = addLocalOp(s, 'op2', { kind: 'shot.set', shotId: 's2', field: 'title', value: 'T' });
    s = addLocalOp(s, 'op3', edit([6, '2']));
    s = rejectOp(s, 'op1');
    expect(s.pending.map((p) => p.opId)).toEqual(['op2']);
    expect(prompt(s.view)).toBe('hello');
  });

  it('composes typing into one buffered edit and keeps one edit in flight per field', () => {
    let s = initialState('me', board(), 10);
    s = addLocalOp(s, 'op1', edit([5, 'a']));
    let msgs: OpMessage[];
    [s, msgs] = send(s);
    expect(msgs.map((m) => m.opId)).toEqual(['op1']);
    s = addLocalOp(s, 'op2', edit([6, 'b']));
    s = addLocalOp(s, 'op3', edit([7, 'c']));
    s = addLocalOp(s, 'op4', edit([0, 'n'], 's1', 'notes')); // another field
    expect(s.pending.map((p) => p.opId)).toEqual(['op1', 'op2', 'op4']);
    expect((s.pending[1]!.op as TextEditOp).textOp).toEqual([6, 'bc']);
    [s, msgs] = send(s);
    expect(msgs).toEqual([]); // op2 waits for op1, and op4 waits behind op2
    s = reconcile(s, { seq: 11, opId: 'op1', actor: 'me', op: edit([5, 'a']) });
    [s, msgs] = send(s);
    expect(msgs.map((m) => [m.opId, m.baseSeq])).toEqual([
      ['op2', 11],
      ['op4', 11],
    ]);
    expect(prompt(s.view)).toBe('helloabc');
  });

  it('ignores a seq it has seen and flags a gap', () => {
    const s = initialState('me', board(), 10);
    const op: Op = { kind: 'shot.delete', shotId: 's2' };
    expect(reconcile(s, { seq: 10, opId: 'x', actor: 'a', op })).toBe(s);
    const gap = reconcile(s, { seq: 12, opId: 'x', actor: 'a', op });
    expect(gap.resyncNeeded).toBe(true);
    expect(gap.confirmed).toBe(s.confirmed);
  });

  // After a snapshot the client cannot transform its text edits past the
  // ops it missed. Here op1 ("1") was sent and its fate is unknown, op3
  // ("2") was typed after it and never sent; the snapshot has someone's
  // second ">" but not op1.
  function snapshotWithEditInFlight(): SyncState {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([5, '1']));
    [s] = send(s);
    s = addLocalOp(s, 'op2', { kind: 'shot.set', shotId: 's2', field: 'title', value: 'T' });
    s = addLocalOp(s, 'op3', edit([6, '2']));
    s = reconcile(s, { seq: 11, opId: 'x', actor: 'ann', op: edit(['>', 5]) });
    expect(prompt(s.view)).toBe('>hello12');
    const later = { ...board(), title: 'Renamed' };
    later.shots[0]!.prompt = '>>hello';
    return resync(s, later, 20);
  }

  it('after a snapshot re-sends an edit that may be applied alone, and holds the typing after it', () => {
    let s = snapshotWithEditInFlight();
    expect(s.pending.map((p) => [p.opId, p.stale ?? false, p.heldBase !== undefined, p.baseSeq])).toEqual([
      ['op1', true, false, 11],
      ['op2', false, false, 10],
      ['op3', false, true, 20],
    ]);
    expect((s.pending[0]!.op as TextEditOp).textOp).toEqual([6, '1']);
    expect(s.view.title).toBe('Renamed');
    expect(s.view.shots[1]!.title).toBe('T');
    expect(prompt(s.view)).toBe('>>hello'); // op1 waits for the server, op3 for op1
    let msgs: OpMessage[];
    [s, msgs] = send(s);
    expect(msgs.map((m) => [m.opId, m.baseSeq])).toEqual([
      ['op1', 11],
      ['op2', 20],
    ]);

    // The server merges op1 and applies it: op3 is rebased onto the text
    // with it, and goes next.
    s = reconcile(s, { seq: 21, opId: 'op1', actor: 'me', op: edit([7, '1']) });
    expect(s.pending.map((p) => [p.opId, p.heldBase !== undefined])).toEqual([
      ['op2', false],
      ['op3', false],
    ]);
    expect(prompt(s.view)).toBe('>>hello12');
    [s, msgs] = send(s);
    expect(msgs).toEqual([{ type: 'op', opId: 'op3', baseSeq: 21, op: edit([8, '2']) }]);
  });

  it('after a snapshot, typing held behind an edit the server had already applied is kept', () => {
    // The case that used to lose op3: op1 was applied before the socket
    // dropped, so its re-send is acknowledged as a duplicate.
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([5, '1']));
    [s] = send(s);
    s = addLocalOp(s, 'op3', edit([6, '2']));
    const later = board();
    later.shots[0]!.prompt = '>hello1';
    s = resync(onDisconnect(s), later, 20);
    expect(prompt(s.view)).toBe('>hello1');
    [s] = send(s);
    s = acknowledge(s, 'op1', 15);
    expect(prompt(s.view)).toBe('>hello12');
    const [, msgs] = send(s);
    expect(msgs).toEqual([{ type: 'op', opId: 'op3', baseSeq: 20, op: edit([7, '2']) }]);
  });

  it('after a snapshot, an edit too old for the server to merge is rebased and sent again', () => {
    let s = snapshotWithEditInFlight();
    [s] = send(s);
    s = rejectOp(s, 'op1', 'ECONFLICT');
    expect(s.pending.map((p) => [p.opId, p.stale ?? false, p.heldBase !== undefined, p.sent])).toEqual([
      ['op1', false, false, false],
      ['op2', false, false, true],
      ['op3', false, false, false],
    ]);
    expect(prompt(s.view)).toBe('>>hello12');
    const [, msgs] = send(s);
    // One text edit in flight per field: op3 waits for op1's ack.
    expect(msgs).toEqual([{ type: 'op', opId: 'op1', baseSeq: 20, op: edit([7, '1']) }]);
  });

  it('after a snapshot, typing never sent is rebased onto it at once', () => {
    let s = addLocalOp(initialState('me', board(), 10), 'op1', edit([3, '1', 2]));
    s = addLocalOp(s, 'op2', edit([4, '2', 2]));
    const later = board();
    later.shots[0]!.prompt = 'oh, hello there';
    s = resync(s, later, 20);
    expect(s.pending.map((p) => [p.opId, p.stale ?? false, p.heldBase !== undefined])).toEqual([['op1', false, false]]);
    expect(prompt(s.view)).toBe('oh, hel12lo there');
    const [, msgs] = send(s);
    expect(msgs).toEqual([{ type: 'op', opId: 'op1', baseSeq: 20, op: edit([7, '12', 8]) }]);
  });

  it('after a snapshot, held typing into a shot someone deleted goes', () => {
    let s = snapshotWithEditInFlight();
    [s] = send(s);
    s = reconcile(s, { seq: 21, opId: 'y', actor: 'ann', op: { kind: 'shot.delete', shotId: 's1' } });
    expect(s.pending.map((p) => p.opId)).toEqual(['op1', 'op2']);
  });
});

// --- A simulated room ---------------------------------------------------------

/**
 * A small in-memory server with the room's rules: one order, opId dedupe,
 * text edits transformed from their base seq (ECONFLICT if the text was
 * replaced since), the applied op to everyone (the sender too), then the ack.
 */
class Room {
  board: BoardSnapshot;
  seq: number;
  log: AppliedOp[] = [];
  opIds = new Map<string, number>();
  textSince = new Map<string, number>();

  constructor(b: BoardSnapshot, seq: number) {
    this.board = b;
    this.seq = seq;
  }

  receive(actor: string, m: OpMessage): { to: 'all' | 'sender'; msg: ServerMessage }[] {
    const dup = this.opIds.get(m.opId);
    if (dup !== undefined) return [{ to: 'sender', msg: { type: 'ack', opId: m.opId, seq: dup } }];
    let op = m.op;
    try {
      if (op.kind === 'text.edit') {
        const base = op.baseVersion ?? m.baseSeq;
        if (base < (this.textSince.get(op.shotId) ?? 0)) throw new SyncError('ECONFLICT', 'text replaced');
        let textOp = op.textOp;
        for (const a of this.log) {
          if (a.seq > base && a.op.kind === 'text.edit' && a.op.shotId === op.shotId && a.op.field === op.field) {
            textOp = transform(a.op.textOp, textOp)[1];
          }
        }
        op = { kind: 'text.edit', shotId: op.shotId, field: op.field, textOp };
      }
      this.board = applyOp(this.board, op, { actor, seq: this.seq + 1 });
    } catch (e) {
      // Like the Go room: a text op that does not fit is EINVALID.
      const code = e instanceof SyncError ? e.code : e instanceof TextOpError ? 'EINVALID' : undefined;
      if (!code) throw e;
      return [{ to: 'sender', msg: { type: 'error', opId: m.opId, code, message: (e as Error).message } }];
    }
    const applied: AppliedOp = { seq: ++this.seq, opId: m.opId, actor, op };
    this.log.push(applied);
    this.opIds.set(m.opId, this.seq);
    if (op.kind === 'shot.insert' || op.kind === 'shot.delete') this.textSince.set(op.shotId, this.seq);
    return [
      { to: 'all', msg: { type: 'applied', ...applied } },
      { to: 'sender', msg: { type: 'ack', opId: m.opId, seq: this.seq } },
    ];
  }

  join(lastSeq: number, snapshot: boolean): ServerMessage {
    if (snapshot) return { type: 'snapshot', board: this.board, seq: this.seq };
    return { type: 'ops', ops: this.log.filter((a) => a.seq > lastSeq) };
  }
}

/** SYNC_TRACE=1 SYNC_SEED=<seed> prints one run's messages. */
const tracing = typeof process !== 'undefined' && !!process.env.SYNC_TRACE;
function trace(...parts: unknown[]): void {
  if (tracing) console.log(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
}

interface SimClient {
  name: string;
  state: SyncState;
  online: boolean;
  inbox: ServerMessage[];
  outbox: OpMessage[];
  typed: string[]; // unique characters this client inserted
}

function take(c: SimClient, m: ServerMessage): void {
  trace(c.name, 'takes', m, 'at seq', c.state.seq, 'pending', c.state.pending);
  switch (m.type) {
    case 'applied':
      c.state = reconcile(c.state, m);
      break;
    case 'ack':
      c.state = acknowledge(c.state, m.opId, m.seq);
      break;
    case 'error':
      if (m.opId) c.state = rejectOp(c.state, m.opId);
      break;
    case 'ops':
      for (const a of m.ops) c.state = reconcile(c.state, a);
      break;
    case 'snapshot':
      c.state = resync(c.state, m.board, m.seq);
      break;
    default:
      break;
  }
}

/**
 * Clients type, edit and delete concurrently; messages are delivered in
 * order with random delays; sockets drop (losing what was in flight) and
 * resume. Everyone must end with the server's board and nothing pending.
 * With text only and resumes by ops, no typed character may be lost or
 * doubled.
 */
function simulate(seed: number, opts: { textOnly: boolean; snapshots: boolean }) {
  const r = prng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const room = new Room(board(), 10);
  let unique = 0x4e00; // CJK ideographs: one code point each, never typed twice
  let ids = 0;
  const clients: SimClient[] = ['ann', 'bob', 'cy'].map((name) => ({
    name,
    state: initialState(name, room.board, room.seq),
    online: true,
    inbox: [],
    outbox: [],
    typed: [],
  }));

  const deliver = (from: SimClient) => {
    const m = from.outbox.shift();
    if (!m) return;
    trace('room gets', from.name, m);
    for (const { to, msg } of room.receive(from.name, m)) {
      for (const c of to === 'all' ? clients : [from]) if (c.online) c.inbox.push(msg);
    }
  };
  const reconnect = (c: SimClient) => {
    if (c.online) {
      c.outbox = []; // the old socket is dropped
      c.state = onDisconnect(c.state);
    }
    c.online = true;
    c.inbox = [room.join(c.state.seq, opts.snapshots && r() < 0.5)];
    if (c.state.resyncNeeded) c.state = { ...c.state, resyncNeeded: false };
  };
  const flush = (c: SimClient) => {
    if (!c.online) return;
    const { state, messages } = takeSendable(c.state);
    c.state = state;
    c.outbox.push(...messages);
  };
  const localEdit = (c: SimClient) => {
    const shots = c.state.view.shots;
    const k = opts.textOnly ? 0 : Math.floor(r() * 6);
    let op: Op | undefined;
    if (k <= 2 && shots.length > 0) {
      const s = pick(shots);
      const field = pick(['prompt', 'notes'] as const);
      const len = codePointLength(s[field]);
      const at = Math.floor(r() * (len + 1));
      const ch = String.fromCodePoint(unique++);
      c.typed.push(ch);
      const textOp: TextOp = [];
      if (at > 0) textOp.push(at);
      textOp.push(ch);
      if (len - at > 0) textOp.push(len - at);
      op = { kind: 'text.edit', shotId: s.id, field, textOp };
    } else if (k === 3 && shots.length > 0) {
      op = { kind: 'shot.set', shotId: pick(shots).id, field: 'title', value: `t${Math.floor(r() * 100)}` };
    } else if (k === 4 && shots.length > 1) {
      op = { kind: 'shot.delete', shotId: pick(shots).id };
    } else {
      const last = shots[shots.length - 1];
      op = { kind: 'shot.insert', shotId: `n${ids}`, position: last ? last.position + 'V' : 'a0', shot: {} };
    }
    c.state = addLocalOp(c.state, `${c.name}-${ids++}`, op);
  };

  for (let step = 0; step < 400; step++) {
    const c = pick(clients);
    const a = r();
    if (a < 0.3) localEdit(c);
    else if (a < 0.55) deliver(c);
    else if (a < 0.85 && c.inbox.length > 0) take(c, c.inbox.shift()!);
    else if (a < 0.9 && c.online) {
      // The socket drops: some sent ops reach the server, the rest and
      // everything on the way back is lost.
      const reached = Math.floor(r() * (c.outbox.length + 1));
      for (let i = 0; i < reached; i++) deliver(c);
      c.online = false;
      c.inbox = [];
      c.outbox = [];
      c.state = onDisconnect(c.state);
    } else if (!c.online) reconnect(c);
    if (c.state.resyncNeeded && c.online) reconnect(c);
    flush(c);
  }
  // Drain: everyone online, deliver until quiet.
  for (const c of clients) if (!c.online) reconnect(c);
  for (let round = 0; round < 1000; round++) {
    let busy = false;
    for (const c of clients) {
      if (c.state.resyncNeeded) reconnect(c);
      flush(c);
      if (c.outbox.length > 0) {
        deliver(c);
        busy = true;
      }
      if (c.inbox.length > 0) {
        take(c, c.inbox.shift()!);
        busy = true;
      }
    }
    if (!busy) break;
  }
  return { room, clients };
}

describe('simulated clients converge (seeded; rerun with SYNC_SEED=<seed>)', () => {
  const base = testSeed();
  for (const opts of [
    { textOnly: true, snapshots: false },
    { textOnly: false, snapshots: false },
    { textOnly: false, snapshots: true },
    { textOnly: true, snapshots: true },
  ]) {
    it(`text only: ${opts.textOnly}, snapshot resumes: ${opts.snapshots}`, () => {
      for (let run = 0; run < (tracing ? 1 : 30); run++) {
        const seed = (base + run) >>> 0;
        let result: ReturnType<typeof simulate>;
        try {
          result = simulate(seed, opts);
        } catch (e) {
          throw new Error(`seed ${seed}: ${(e as Error).message}`, { cause: e });
        }
        const { room, clients } = result;
        for (const c of clients) {
          expect(c.state.pending, `seed ${seed}: ${c.name} has pending ops`).toEqual([]);
          expect(c.state.view, `seed ${seed}: ${c.name}'s view`).toStrictEqual(room.board);
          expect(c.state.seq, `seed ${seed}`).toBe(room.seq);
        }
        if (opts.textOnly) {
          const all = room.board.shots.map((s) => s.prompt + s.notes).join('');
          for (const c of clients) {
            for (const ch of c.typed) {
              expect(all.split(ch).length - 1, `seed ${seed}: ${c.name}'s ${ch} appears`).toBe(1);
            }
          }
        }
      }
    });
  }
});
