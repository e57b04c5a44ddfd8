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
import { compose, transform } from './text';

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
    if (p.stale) return;
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
    // were made without it: rebase them past it like a remote op.
    return withView({ ...state, confirmed, seq: incoming.seq, pending: rebase(rest, incoming.op, state.seq) });
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
  if (seq <= state.seq) return withView({ ...state, pending: state.pending.filter((_, j) => j !== i) });
  const p = state.pending[i]!;
  if (seq !== state.seq + 1 || p.stale) return { ...state, resyncNeeded: true };
  return reconcile(state, { seq, opId, actor: state.actor, op: asApplied(p.op) });
}

/**
 * Takes in an "error" for one of our ops: the op changed nothing on the
 * server, so it leaves pending. Later text edits of the same field were
 * made on top of it and go too (unless it was stale, hence not in the view).
 */
export function rejectOp(state: SyncState, opId: string): SyncState {
  const i = state.pending.findIndex((p) => p.opId === opId);
  if (i < 0) return state;
  const { op: rejected, stale } = state.pending[i]!;
  // A stale edit was not in the view, so nothing was built on it.
  const pending = state.pending.filter((p, j) => j !== i && (stale || !(j > i && sameTextField(rejected, p.op))));
  return withView({ ...state, pending });
}

/**
 * Records a local op. A text edit right after an unsent edit of the same
 * field is composed into it (one edit per round trip, whatever the typing
 * speed); opId is then unused.
 */
export function addLocalOp(state: SyncState, opId: string, op: Op): SyncState {
  const last = state.pending[state.pending.length - 1];
  if (op.kind === 'text.edit' && last && !last.sent && !last.wasSent && !last.stale && sameTextField(last.op, op)) {
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
 * and re-sent. Text edits cannot be rebased onto a snapshot locally: each
 * field's pending edits are composed into one, kept under the first one's
 * opId, based on the seq they had been rebased to, marked stale (out of the
 * view) and re-sent for the server to merge. docs/protocol.md lists what
 * this cannot save.
 */
export function resync(state: SyncState, board: BoardSnapshot, seq: number): SyncState {
  const pending: PendingOp[] = [];
  const byField = new Map<string, number>(); // field -> index in pending
  for (const p of state.pending) {
    if (p.op.kind !== 'text.edit' || p.stale) {
      pending.push({ ...p, sent: false }); // a stale edit keeps its own base
      continue;
    }
    const key = `${p.op.shotId}\u0000${p.op.field}`;
    const j = byField.get(key);
    if (j === undefined) {
      byField.set(key, pending.length);
      pending.push({ ...p, sent: false, stale: true, baseSeq: state.seq });
      continue;
    }
    const first = pending[j]!;
    const merged = compose((first.op as TextEditOp).textOp, p.op.textOp);
    pending[j] = { ...first, op: { ...(first.op as TextEditOp), textOp: merged } };
  }
  return withView({ actor: state.actor, confirmed: board, seq, pending });
}
