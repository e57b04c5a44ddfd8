import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BoardConnection,
  backoffDelay,
  liveUrl,
  terminalReason,
  type ConnectionOptions,
  type ConnectionStatus,
  type RejectedOp,
  type TerminalReason,
} from './connection';
import type { BoardSnapshot, Op, RenderJob, Shot, TextEditOp } from './protocol';
import { protocolFixtures } from './fixtures.gen';
import type { SyncState } from './reconcile';
import type { ViewTextDelta } from './viewDelta';
import type { TextOp } from './text';
import { FakeNetwork, FakeSocket } from '../test/fakeSocket';

function shot(id: string, position: string, prompt = ''): Shot {
  return {
    id,
    position,
    title: id,
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

function board(shots: Shot[] = [shot('s1', 'a0', 'hello')]): BoardSnapshot {
  return { id: 'b1', title: 'Board', description: '', aspectRatio: '16:9', defaultShotDuration: 3, shots, comments: [] };
}

const rename = (title: string): Op => ({ kind: 'shot.set', shotId: 's1', field: 'title', value: title });

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    map: m,
  };
}

function setup(over: Partial<ConnectionOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const network = new FakeNetwork();
  const statuses: ConnectionStatus[] = [];
  const states: SyncState[] = [];
  const deltas: ViewTextDelta[] = [];
  const rejected: RejectedOp[] = [];
  const terminal: TerminalReason[] = [];
  let n = 0;
  const conn = new BoardConnection({
    boardId: 'b1',
    actor: 'me',
    url: 'ws://example.test/api/boards/b1/live',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    network,
    newOpId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    random: () => 0.5,
    storage: null,
    listener: {
      status: (s) => statuses.push(s),
      state: (s) => states.push(s),
      textDelta: (d) => deltas.push(d),
      rejected: (r) => rejected.push(r),
      terminal: (t) => terminal.push(t),
    },
    ...over,
  });
  const last = () => sockets[sockets.length - 1]!;
  /** Opens the newest socket and answers its join with a snapshot. */
  const joinWithSnapshot = (b = board(), seq = 10) => {
    last().open();
    last().receive({ type: 'snapshot', board: b, seq });
  };
  return { conn, sockets, network, statuses, states, deltas, rejected, terminal, last, joinWithSnapshot };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('BoardConnection', () => {
  it('ignores message types it does not know and passes render jobs to the listener', () => {
    const jobs: RenderJob[] = [];
    const t = setup({ listener: { render: (j) => jobs.push(j) } });
    const conn = t.conn;
    conn.start();
    t.last().open();
    t.last().receive({ type: 'snapshot', board: board(), seq: 10 });
    // A newer server's message: no error, no state change, the socket stays.
    t.last().onmessage?.(new MessageEvent('message', { data: JSON.stringify({ type: 'reviewStatus', shotId: 's1' }) }));
    expect(conn.status).toBe('connected');
    expect(conn.state!.seq).toBe(10);
    const job = protocolFixtures['server-render.json'][0]!.job;
    t.last().receive({ type: 'render', job });
    expect(jobs).toEqual([job]);
    expect(conn.state!.seq).toBe(10);
  });

  it('tells the listener when the board\'s references change', () => {
    let changed = 0;
    const t = setup({ listener: { assets: () => changed++ } });
    t.conn.start();
    t.last().open();
    t.last().receive({ type: 'snapshot', board: board(), seq: 3 });
    t.last().receive(protocolFixtures['server-assets.json'][0]!);
    t.last().receive({ type: 'assets' });
    expect(changed).toBe(2);
    expect(t.conn.state!.seq).toBe(3);
  });

  it('joins, takes the snapshot, sends an op and confirms it', () => {
    const t = setup();
    t.conn.start();
    expect(t.conn.status).toBe('connecting');
    t.last().open();
    expect(t.last().sent).toEqual([{ type: 'join', protocol: 1, boardId: 'b1' }]);
    t.last().receive({ type: 'snapshot', board: board(), seq: 10 });
    expect(t.conn.status).toBe('connected');
    expect(t.statuses).toEqual(['connected']);

    const opId = t.conn.submit(rename('Wide'));
    expect(t.conn.state!.view.shots[0]!.title).toBe('Wide'); // at once
    expect(t.last().ops()).toEqual([{ type: 'op', opId, baseSeq: 10, op: rename('Wide') }]);
    expect(t.conn.pendingCount).toBe(1);

    t.last().receive({ type: 'applied', seq: 11, opId, actor: 'me', op: rename('Wide') });
    t.last().receive({ type: 'ack', opId, seq: 11 });
    expect(t.conn.pendingCount).toBe(0);
    expect(t.conn.state!.seq).toBe(11);
    expect(t.conn.state!.confirmed.shots[0]!.title).toBe('Wide');
  });

  it('holds ops and the selection until the join is answered', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.last().serverClose(1006);
    const opId = t.conn.submit(rename('Offline'));
    t.conn.select('s1');
    vi.advanceTimersByTime(10_000);
    t.last().open();
    expect(t.last().sent).toEqual([{ type: 'join', protocol: 1, boardId: 'b1', lastSeq: 10 }]);
    t.last().receive({ type: 'ops', ops: [] });
    expect(t.last().sent.slice(1)).toEqual([
      { type: 'presence', selectedShotId: 's1' },
      { type: 'op', opId, baseSeq: 10, op: rename('Offline') },
    ]);
  });

  it('resumes from its seq after a drop and re-sends what is still pending, with the same op ids', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    const a = t.conn.submit(rename('A'));
    const b = t.conn.submit({ kind: 'shot.set', shotId: 's1', field: 'duration', value: 5 });
    expect(t.last().ops().map((m) => m.opId)).toEqual([a, b]);

    t.last().serverClose(1006); // network drop: were they applied?
    expect(t.conn.status).toBe('reconnecting');
    expect(t.conn.pendingCount).toBe(2);
    expect(t.conn.state!.view.shots[0]!.title).toBe('A');

    vi.advanceTimersByTime(500);
    expect(t.sockets).toHaveLength(2);
    t.last().open();
    expect(t.last().sent[0]).toEqual({ type: 'join', protocol: 1, boardId: 'b1', lastSeq: 10 });
    // The first made it before the drop, someone else's op too; the second did not.
    t.last().receive({
      type: 'ops',
      ops: [
        { seq: 11, opId: a, actor: 'me', op: rename('A') },
        { seq: 12, opId: 'other', actor: 'you', op: { kind: 'shot.set', shotId: 's1', field: 'status', value: 'approved' } },
      ],
    });
    expect(t.conn.status).toBe('connected');
    expect(t.last().ops()).toEqual([
      { type: 'op', opId: b, baseSeq: 12, op: { kind: 'shot.set', shotId: 's1', field: 'duration', value: 5 } },
    ]);
    expect(t.conn.state!.view.shots[0]).toMatchObject({ title: 'A', status: 'approved', duration: 5 });
  });

  it('waits longer after each failure, with jitter, capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(20, () => 1)).toBe(10_000);
    expect(backoffDelay(20, () => 0)).toBe(5000);

    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.last().serverClose(1006);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = t.sockets.length;
      let waited = 0;
      while (t.sockets.length === before) {
        vi.advanceTimersByTime(50);
        waited += 50;
      }
      waits.push(waited);
      t.last().serverClose(1006); // the attempt fails
    }
    // random() is 0.5 here: 3/4 of 500, 1000, 2000, 4000, 8000, then capped.
    expect(waits).toEqual([400, 750, 1500, 3000, 6000, 7500]);
  });

  it('says offline after repeated failures, with the pending edits kept', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.conn.submit(rename('Kept'));
    for (let i = 0; i < 4; i++) {
      t.last().serverClose(1006);
      vi.advanceTimersByTime(10_000);
    }
    expect(t.conn.status).toBe('offline');
    expect(t.conn.pendingCount).toBe(1);
    // It keeps trying, and recovers.
    t.joinWithSnapshot(board(), 10);
    expect(t.conn.status).toBe('connected');
    expect(t.last().ops().map((m) => m.op)).toEqual([rename('Kept')]);
  });

  it('drops the socket when the browser goes offline and comes back at once when online', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.network.set(false);
    expect(t.conn.status).toBe('offline');
    expect(t.sockets[0]!.closedWith).not.toBeNull();
    const opId = t.conn.submit(rename('While offline'));
    expect(t.conn.pendingCount).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(t.sockets).toHaveLength(1); // no attempts while offline (until the slow retry)

    t.network.set(true);
    expect(t.sockets).toHaveLength(2);
    t.last().open();
    t.last().receive({ type: 'ops', ops: [] });
    expect(t.last().ops()).toEqual([{ type: 'op', opId, baseSeq: 10, op: rename('While offline') }]);
  });

  it('pings every 20 s and drops a socket that stops answering', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    vi.advanceTimersByTime(20_000);
    expect(t.last().sent.at(-1)).toEqual({ type: 'ping' });
    t.last().receive({ type: 'pong' });
    vi.advanceTimersByTime(20_000);
    expect(t.last().sent.filter((m) => m.type === 'ping')).toHaveLength(2);
    // No pong this time.
    vi.advanceTimersByTime(10_000);
    expect(t.sockets[0]!.closedWith).toBe(4000);
    expect(t.conn.status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(t.sockets).toHaveLength(2);
  });

  it('stops for good on a terminal close code and says why', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.last().serverClose(4003, 'forbidden');
    expect(t.terminal).toEqual([terminalReason(4003)]);
    expect(t.terminal[0]!.kind).toBe('forbidden');
    expect(t.conn.status).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('reconnects after the close codes that ask for it', () => {
    for (const code of [4000, 4001, 4009, 1001, 1006]) {
      const t = setup();
      t.conn.start();
      t.joinWithSnapshot();
      t.last().serverClose(code);
      vi.advanceTimersByTime(10_000);
      expect(t.sockets.length, `code ${code}`).toBe(2);
      expect(t.terminal).toEqual([]);
    }
    for (const code of [4002, 4004, 4008, 4400, 4401]) {
      const t = setup();
      t.conn.start();
      t.joinWithSnapshot();
      t.last().serverClose(code);
      vi.advanceTimersByTime(10_000);
      expect(t.sockets.length, `code ${code}`).toBe(1);
      expect(t.terminal).toHaveLength(1);
    }
  });

  it('asks what is wrong when sockets never open, and stops if told', async () => {
    const diagnose = vi.fn(async (): Promise<TerminalReason> => ({ code: 0, kind: 'session-ended', message: 'Sign in.' }));
    const t = setup({ diagnose });
    t.conn.start();
    for (let i = 0; i < 4; i++) {
      t.last().serverClose(1006);
      vi.advanceTimersByTime(10_000);
    }
    expect(diagnose).toHaveBeenCalledTimes(1);
    await vi.runAllTimersAsync();
    expect(t.terminal.map((r) => r.kind)).toEqual(['session-ended']);
  });

  it('asks again after a later run of failures, but not while sockets still open', () => {
    const diagnose = vi.fn(async (): Promise<TerminalReason | null> => null);
    const t = setup({ diagnose });
    t.conn.start();
    t.joinWithSnapshot();
    // The server is reachable but keeps closing: nothing to diagnose.
    t.last().serverClose(4000);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10_000);
      t.last().open();
      t.last().serverClose(4000);
    }
    vi.advanceTimersByTime(10_000);
    expect(diagnose).not.toHaveBeenCalled();
    t.joinWithSnapshot();
    // Now sockets do not even open.
    for (let i = 0; i < 4; i++) {
      t.last().serverClose(1006);
      vi.advanceTimersByTime(10_000);
    }
    expect(diagnose).toHaveBeenCalledTimes(1);
  });

  it('drops a refused op and reports the server message', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    const opId = t.conn.submit(rename('Nope'));
    t.last().receive({ type: 'error', opId, code: 'EFORBIDDEN', message: 'Your role cannot edit this board.' });
    expect(t.conn.pendingCount).toBe(0);
    expect(t.conn.state!.view.shots[0]!.title).toBe('s1');
    expect(t.rejected).toEqual([{ opId, op: rename('Nope'), code: 'EFORBIDDEN', message: 'Your role cannot edit this board.' }]);
  });

  it('keeps typing across a snapshot resume when the server cannot merge the edit in flight', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    const typed = (textOp: TextOp): TextEditOp => ({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp });
    const first = t.conn.submit(typed([5, '!']));
    t.conn.submit(typed([6, '?'])); // waits: one edit in flight per field
    t.last().serverClose(1006);
    vi.advanceTimersByTime(10_000);
    // Too far behind for ops: a snapshot where someone rewrote the start.
    const later = board([shot('s1', 'a0', 'oh, hello')]);
    t.joinWithSnapshot(later, 20_000);
    expect(t.last().ops()).toEqual([{ type: 'op', opId: first, baseSeq: 10, op: typed([5, '!']) }]);
    expect(t.conn.state!.view.shots[0]!.prompt).toBe('oh, hello'); // both wait for the server's answer
    // The server's text history no longer reaches seq 10.
    t.last().receive({ type: 'error', opId: first, code: 'ECONFLICT', message: 'changed too much' });
    expect(t.rejected).toEqual([]);
    expect(t.conn.state!.view.shots[0]!.prompt).toBe('oh, hello!?');
    expect(t.last().ops().slice(1)).toEqual([{ type: 'op', opId: first, baseSeq: 20_000, op: typed([9, '!']) }]);
  });

  it("reports another person's text edit as it lands in the view", () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.conn.submit({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [5, '!'] });
    t.last().receive({
      type: 'applied',
      seq: 11,
      opId: 'x',
      actor: 'you',
      op: { kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: ['Oh ', 5] },
    });
    expect(t.deltas).toEqual([{ shotId: 's1', field: 'prompt', op: ['Oh ', 6] }]);
    expect(t.conn.state!.view.shots[0]!.prompt).toBe('Oh hello!');
  });

  it('sends one text edit per field at a time, composing the typing in between', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    const first = t.conn.submit({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [5, 'a'] });
    t.conn.submit({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [6, 'b'] });
    t.conn.submit({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [7, 'c'] });
    expect(t.last().ops()).toHaveLength(1);
    t.last().receive({ type: 'applied', seq: 11, opId: first, actor: 'me', op: { kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [5, 'a'] } });
    const ops = t.last().ops();
    expect(ops).toHaveLength(2);
    expect(ops[1]!.op).toEqual({ kind: 'text.edit', shotId: 's1', field: 'prompt', textOp: [6, 'bc'] });
    expect(ops[1]!.baseSeq).toBe(11);
  });

  it('rejoins when it sees a gap in the seqs', () => {
    const t = setup();
    t.conn.start();
    t.joinWithSnapshot();
    t.last().receive({ type: 'applied', seq: 12, opId: 'x', actor: 'you', op: rename('Skipped one') });
    expect(t.sockets).toHaveLength(2);
    t.last().open();
    expect(t.last().sent[0]).toEqual({ type: 'join', protocol: 1, boardId: 'b1', lastSeq: 10 });
  });

  it('keeps pending ops in storage across a reload and re-sends them with the same ids', () => {
    const storage = memoryStorage();
    const t = setup({ storage });
    t.conn.start();
    t.joinWithSnapshot();
    t.last().serverClose(1006);
    const opId = t.conn.submit(rename('Survives reload'));
    vi.advanceTimersByTime(300);
    expect(storage.map.has('shotline.pending.b1')).toBe(true);
    t.conn.stop();

    const t2 = setup({ storage });
    expect(t2.conn.state!.view.shots[0]!.title).toBe('Survives reload');
    t2.conn.start();
    t2.last().open();
    expect(t2.last().sent[0]).toEqual({ type: 'join', protocol: 1, boardId: 'b1', lastSeq: 10 });
    t2.last().receive({ type: 'ops', ops: [] });
    expect(t2.last().ops()).toEqual([{ type: 'op', opId, baseSeq: 10, op: rename('Survives reload') }]);
    t2.last().receive({ type: 'applied', seq: 11, opId, actor: 'me', op: rename('Survives reload') });
    vi.advanceTimersByTime(300);
    expect(storage.map.has('shotline.pending.b1')).toBe(false);
  });

  it("does not restore another user's pending ops", () => {
    const storage = memoryStorage();
    const t = setup({ storage });
    t.conn.start();
    t.joinWithSnapshot();
    t.last().serverClose(1006);
    t.conn.submit(rename('Mine'));
    t.conn.stop();
    const t2 = setup({ storage, actor: 'someone-else' });
    expect(t2.conn.state).toBeNull();
  });

  it('builds the socket URL on the page origin', () => {
    expect(liveUrl('b 1', { protocol: 'https:', host: 'app.example' })).toBe('wss://app.example/api/boards/b%201/live');
    expect(liveUrl('b1', { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/boards/b1/live');
  });
});
