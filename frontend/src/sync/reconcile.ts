// The client's merge of server and local state: pure functions over a
// SyncState, with no socket and no UI framework in them. The socket layer
// feeds server messages in and sends what takeSendable returns.
//
// - confirmed/seq: the board exactly as the server has it at seq.
// - pending: local ops the server has not acknowledged, oldest first.
// - view: confirmed with the pending ops applied on top, what the UI shows.
//
// Ops from others land on confirmed; pending text edits on the same field
// are transformed past them (the server's op goes first at a tie, as on the
// server); other pending ops are simply re-applied on top, which matches the
// server's "last applied wins" since they will be applied after. Rules the
// socket layer relies on, from docs/protocol.md:
//
// - Ops are sent in order (takeSendable). A text edit is sent only when no
//   earlier text edit on the same field is unacknowledged (one in flight per
//   field); typing in the meantime is composed into one buffered edit.
// - An op's baseSeq is the confirmed seq when it is sent: by then it has been
//   rebased onto everything up to that seq.
// - When the socket closes, call onDisconnect; on the next socket, send join
//   with lastSeq = seq, take in the "ops" (reconcile each) or "snapshot"
//   (resync), and send again. If resyncNeeded is set, do the same.

import type { AppliedOp, BoardSnapshot, Op, OpMessage, TextEditOp } from './protocol';
import { SyncError, applyOp } from './state';
import { apply, compose, diffMinimal, transform } from './text';

export interface PendingOp {
  opId: string;
  op: Op;
  /** Sent on the current connection and not yet acknowledged. */
  sent: boolean;
  /**
   * Sent at some point (maybe on a connection since closed): the server may
   * have it, so it must not absorb more typing (a re-send under the same
   * opId would be dropped as a duplicate).
   */
  wasSent?: boolean;
  /** The baseSeq it was sent with (meaningful when sent). */
  baseSeq: number;
  /**
   * A text edit that can no longer be rebased locally (it was made before a
   * snapshot resync, or its text was replaced by a restore or re-insert). It
   * is left out of the view; the server merges it if it still can.
   */
  stale?: boolean;
  /**
   * A stale edit made at a snapshot resync: the text it was made against.
   * If the server refuses it as too old to merge (ECONFLICT), it changed
   * nothing, so it is rebased onto the current text from this and sent again.
   */
  staleBase?: string;
  /**
   * Held text edit: typing from before a snapshot resync, made against this
   * text, waiting for an earlier edit of its field whose fate is unknown (it
   * may or may not be on the server). It is out of the view and not sent;
   * once that edit is acknowledged or refused, it is rebased onto the text
   * then confirmed (by a diff of the two texts) and becomes an ordinary
   * pending edit. So a resync loses no typing.
   */
  heldBase?: string;
}

export interface SyncState {
  /** This client's actor id, used for its own ops in the view. */
  actor: string;
  confirmed: BoardSnapshot;
  seq: number;
  pending: PendingOp[];
  view: BoardSnapshot;
  /**
   * Set when the client must rejoin with its seq (a gap in the seqs, or the
   * ack of a stale edit whose applied form the client cannot compute).
   */
  resyncNeeded?: boolean;
}

/** The state right after a snapshot, with nothing pending. */
export function initialState(actor: string, board: BoardSnapshot, seq: number): SyncState {
  return { actor, confirmed: board, seq, pending: [], view: board };
}

/** confirmed with the applicable pending ops on top. */
export function buildView(actor: string, confirmed: BoardSnapshot, seq: number, pending: PendingOp[]): BoardSnapshot {
  let view = confirmed;
  pending.forEach((p, i) => {
    if (p.stale || p.heldBase !== undefined) return;
    try {
      view = applyOp(view, p.op, { actor, seq: seq + i + 1 });
    } catch (e) {
      // Doomed by a concurrent change (e.g. its shot was deleted): the
      // server will refuse it too, and rejectOp then drops it.
      if (!(e instanceof SyncError)) throw e;
    }
  });
  return view;
}

function withView(s: Omit<SyncState, 'view'>): SyncState {
  return { ...s, view: buildView(s.actor, s.confirmed, s.seq, s.pending) };
}

function sameTextField(a: Op, b: Op): a is TextEditOp {
  return a.kind === 'text.edit' && b.kind === 'text.edit' && a.shotId === b.shotId && a.field === b.field;
}

/** Whether op replaces the text fields of shotId wholesale (or removes them). */
function resetsText(op: Op, shotId: string): boolean {
  switch (op.kind) {
    case 'version.restore':
      return true;
    case 'shot.delete':
    case 'shot.insert':
      return op.shotId === shotId;
    case 'shot.duplicate':
      return op.newShotId === shotId;
    default:
      return false;
  }
}

/** The op as the server will have applied it: no baseVersion. */
function asApplied(op: Op): Op {
  if (op.kind !== 'text.edit' || op.baseVersion === undefined) return op;
  const { baseVersion: _, ...rest } = op;
  return rest;
}

/**
 * Takes in one op the server applied (an "applied" broadcast, or one of the
 * "ops" a resume brings). Returns the new confirmed state, the pending ops
 * rebased onto it, and the new view. An op with this client's pending opId
 * acknowledges that op (the server's form of it is used). A seq already seen
 * is ignored; a gap sets resyncNeeded and changes nothing else.
 */
export function reconcile(state: SyncState, incoming: AppliedOp): SyncState {
  if (incoming.seq <= state.seq) return state;
  if (incoming.seq !== state.seq + 1) return { ...state, resyncNeeded: true };
  let confirmed: BoardSnapshot;
  try {
    confirmed = applyOp(state.confirmed, incoming.op, { actor: incoming.actor, seq: incoming.seq });
  } catch (e) {
    // The server applied it to the same state, so this means the states
    // differ: start over from the server's.
    if (e instanceof SyncError) return { ...state, resyncNeeded: true };
    throw e;
  }

  const own = state.pending.findIndex((p) => p.opId === incoming.opId);
  if (own >= 0) {
    // Our op, as the server applied it. Ops are sent in order, so it is
    // normally the oldest; after a reconnect an op of another field may
    // have overtaken it, which is fine. But a text edit is only ever sent
    // after the earlier edits of its field were acked: if one is still
    // pending, the states have diverged.
    const mine = state.pending[own]!;
    if (state.pending.slice(0, own).some((p) => sameTextField(p.op, mine.op))) return { ...state, resyncNeeded: true };
    const rest = state.pending.filter((_, j) => j !== own);
    if (!mine.stale) return withView({ ...state, confirmed, seq: incoming.seq, pending: rest });
    // A stale edit was left out of the view, so later edits of its field
    // were made without it: rebase them past it like a remote op. Typing
    // held behind it can go now.
    return releaseHeld({ ...state, confirmed, seq: incoming.seq, pending: rebase(rest, incoming.op, state.seq) });
  }
  return withView({ ...state, confirmed, seq: incoming.seq, pending: rebase(state.pending, incoming.op, state.seq) });
}

/**
 * Rebases pending ops past x, an op the server applied at seq + 1: text
 * edits of x's field are transformed (x first), text edits whose text x
 * replaced become stale (or are dropped if never sent); other ops stay.
 */
function rebase(pending: PendingOp[], x: Op, seq: number): PendingOp[] {
  const out: PendingOp[] = [];

  for (const p of pending) {
    if (p.op.kind !== 'text.edit' || p.stale) {
      out.push(p);
      continue;
    }
    if (p.heldBase !== undefined) {
      // Rebased by a diff when released, past whatever came meanwhile; but
      // typing into a text that was replaced wholesale is dropped, as it
      // would be for an edit never sent.
      if (!resetsText(x, p.op.shotId)) out.push(p);
      continue;
    }
    if (resetsText(x, p.op.shotId)) {
      // The text it was made against is gone. The server refuses a sent
      // edit (ENOTFOUND or ECONFLICT); one it may not have must not go.
      if (p.wasSent) out.push({ ...p, stale: true, baseSeq: seq });
      continue;
    }
    if (sameTextField(x, p.op)) {
      const [x2, p2] = transform(x.textOp, p.op.textOp);
      x = { ...x, textOp: x2 };
      out.push({ ...p, op: { ...p.op, textOp: p2 } });
      continue;
    }
    out.push(p);
  }
  return out;
}

/**
 * Takes in an "ack": a pending op was applied at seq. Its pending form equals
 * the server's applied form (it was rebased past the same ops), except for a
 * stale edit: then resyncNeeded is set, and the rejoin's missed ops bring
 * its applied form. An ack for an op already in confirmed (a duplicate the
 * server recognized, seq <= the confirmed seq) just drops it.
 */
export function acknowledge(state: SyncState, opId: string, seq: number): SyncState {
  const i = state.pending.findIndex((p) => p.opId === opId);
  if (i < 0) return state; // already taken in as an applied op
  if (seq <= state.seq) return releaseHeld({ ...state, pending: state.pending.filter((_, j) => j !== i) });
  const p = state.pending[i]!;
  if (seq !== state.seq + 1 || p.stale) return { ...state, resyncNeeded: true };
  return reconcile(state, { seq, opId, actor: state.actor, op: asApplied(p.op) });
}

/**
 * Takes in an "error" for one of our ops (code: the error's code): the op
 * changed nothing on the server, so it leaves pending. Later text edits of
 * the same field were made on top of it and go too (unless it was stale,
 * hence not in the view). A stale edit re-sent after a snapshot resync and
 * refused with ECONFLICT (too old for the server to merge) is instead
 * rebased by text and kept, under its opId.
 */
export function rejectOp(state: SyncState, opId: string, code?: string): SyncState {
  const i = state.pending.findIndex((p) => p.opId === opId);
  if (i < 0) return state;
  const p0 = state.pending[i]!;
  const { op: rejected, stale } = p0;
  if (stale && code === 'ECONFLICT' && p0.staleBase !== undefined) {
    // Too old for the server to merge, so it changed nothing: rebase it
    // from the text it was made against and send it again.
    const held: PendingOp = { opId: p0.opId, op: p0.op, sent: false, baseSeq: state.seq, heldBase: p0.staleBase };
    return releaseHeld({ ...state, pending: state.pending.map((p, j) => (j === i ? held : p)) });
  }
  // A stale edit was not in the view, so nothing was built on it; typing
  // held behind it can go now.
  const pending = state.pending.filter((p, j) => j !== i && (stale || !(j > i && sameTextField(rejected, p.op))));
  return releaseHeld({ ...state, pending });
}

/** The text of shotId's field in board, if the shot exists. */
function textOf(board: BoardSnapshot, shotId: string, field: TextEditOp['field']): string | undefined {
  return board.shots.find((sh) => sh.id === shotId)?.[field];
}

/**
 * Turns held edits whose field has no stale edit left before them into
 * ordinary pending edits: each is rebased from the text it was made against
 * onto the text the client now has under it (confirmed, with the earlier
 * pending edits of its field), by transforming it past a diff of the two
 * texts, the current text first. Later pending edits of the field, made
 * without it, are rebased past it. An edit whose shot is gone is dropped.
 */
function releaseHeld(state: Omit<SyncState, 'view'>): SyncState {
  let pending = state.pending;
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    if (p.heldBase === undefined || p.op.kind !== 'text.edit') continue;
    const edit = p.op;
    const before = pending.slice(0, i).filter((q) => sameTextField(q.op, edit));
    if (before.some((q) => q.stale || q.heldBase !== undefined)) continue;
    let text = textOf(state.confirmed, edit.shotId, edit.field);
    if (text === undefined) {
      pending = pending.filter((_, j) => j !== i);
      i--;
      continue;
    }
    for (const q of before) text = apply(text, (q.op as TextEditOp).textOp);
    const textOp = transform(diffMinimal(p.heldBase, text), edit.textOp)[1];
    const { heldBase: _, ...rest } = p;
    const released: PendingOp = { ...rest, op: { ...edit, textOp }, sent: false, baseSeq: state.seq };
    pending = [...pending.slice(0, i), released, ...rebase(pending.slice(i + 1), released.op, state.seq)];
  }
  return withView({ ...state, pending });
}

/**
 * Records a local op. A text edit right after an unsent edit of the same
 * field is composed into it (one edit per round trip, whatever the typing
 * speed); opId is then unused.
 */
export function addLocalOp(state: SyncState, opId: string, op: Op): SyncState {
  const last = state.pending[state.pending.length - 1];
  if (op.kind === 'text.edit' && last && !last.sent && !last.wasSent && !last.stale && last.heldBase === undefined && sameTextField(last.op, op)) {
    const merged: TextEditOp = { ...last.op, textOp: compose(last.op.textOp, op.textOp) };
    return withView({ ...state, pending: [...state.pending.slice(0, -1), { ...last, op: merged }] });
  }
  return withView({ ...state, pending: [...state.pending, { opId, op, sent: false, baseSeq: state.seq }] });
}

/**
 * The op messages to send now, in order, and the state with them marked
 * sent. Sending stops at a text edit whose field already has one in flight.
 */
export function takeSendable(state: SyncState): { state: SyncState; messages: OpMessage[] } {
  const messages: OpMessage[] = [];
  const pending = [...state.pending];
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    if (p.sent) continue;
    if (p.heldBase !== undefined) break; // waits for an earlier edit of its field
    if (p.op.kind === 'text.edit' && pending.slice(0, i).some((q) => q.sent && sameTextField(q.op, p.op))) break;
    // A stale edit keeps the base it was made against; the server
    // transforms it from there if its history reaches that far.
    const baseSeq = p.stale ? p.baseSeq : state.seq;
    pending[i] = { ...p, sent: true, wasSent: true, baseSeq };
    messages.push({ type: 'op', opId: p.opId, baseSeq, op: p.op });
  }
  if (messages.length === 0) return { state, messages };
  return { state: { ...state, pending }, messages };
}

/**
 * Call when the socket closes: whatever was in flight may or may not have
 * reached the server, so every pending op will be sent again, in order and
 * with the same opId, on the next connection. The server acknowledges a
 * duplicate without applying it twice, and an op that did land comes back
 * in the resume's missed ops, which acknowledges it.
 */
export function onDisconnect(state: SyncState): SyncState {
  return { ...state, pending: state.pending.map((p) => ({ ...p, sent: false })) };
}

/**
 * Takes in a snapshot (a resume too far behind for a list of ops, or a
 * rejoin after resyncNeeded). Non-text ops stay pending and are re-applied
 * and re-sent. Text edits cannot be transformed past ops the client never
 * saw, so each field's pending edits are rebased by text instead: composed
 * into one, made against the field's old confirmed text, and transformed
 * past a diff from that text to the snapshot's (the snapshot's text first).
 * That needs to know whether the first of them is on the server already: if
 * it was ever sent, it is re-sent alone, marked stale (out of the view, based
 * on the seq it had been rebased to, for the server to merge), and the typing
 * after it is held until the server answers it (see heldBase).
 */
export function resync(state: SyncState, board: BoardSnapshot, seq: number): SyncState {
  const pending: PendingOp[] = [];
  const byField = new Map<string, number>(); // field -> index in pending of the edit typing composes into
  const textAfter = new Map<string, string>(); // field -> old confirmed text with its pending edits so far
  for (const p of state.pending) {
    if (p.op.kind !== 'text.edit' || p.stale || p.heldBase !== undefined) {
      pending.push({ ...p, sent: false }); // stale and held edits keep their own base
      continue;
    }
    const edit = p.op;
    const key = `${edit.shotId}\u0000${edit.field}`;
    const base = textAfter.get(key) ?? textOf(state.confirmed, edit.shotId, edit.field);
    if (base === undefined) continue; // its shot was gone already: nothing to type into
    textAfter.set(key, apply(base, edit.textOp));
    const j = byField.get(key);
    if (j !== undefined) {
      const into = pending[j]!;
      pending[j] = { ...into, op: { ...(into.op as TextEditOp), textOp: compose((into.op as TextEditOp).textOp, edit.textOp) } };
    } else if (p.wasSent) {
      // Maybe applied already: re-sent alone; the typing after it waits.
      pending.push({ ...p, sent: false, stale: true, baseSeq: state.seq, staleBase: base });
    } else {
      byField.set(key, pending.length);
      pending.push({ opId: p.opId, op: edit, sent: false, baseSeq: seq, heldBase: base });
    }
  }
  // Held edits with nothing stale before them are rebased onto the snapshot at once.
  return releaseHeld({ actor: state.actor, confirmed: board, seq, pending });
}
