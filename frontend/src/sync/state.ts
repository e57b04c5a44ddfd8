// Applying ops to a board snapshot, the client-side mirror of
// BoardState.Apply in backend/board/state.go minus authorization,
// validation of values and text transformation (the server does those; the
// ops a client applies are either the server's applied ops or its own
// pending ones). Pure: returns a new snapshot, never changes its input.
//
// Checked against the Go implementation by state.test.ts, which replays
// backend/board/testdata/replay.json.

import type { BoardSnapshot, Comment, ErrorCode, Op, Shot, ShotFields } from './protocol';
import { apply as applyText } from './text';

export class SyncError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Who made an op and at which seq it lands (for comment authorship). */
export interface ApplyContext {
  actor: string;
  seq: number;
}

/** Orders shots by position, then id (the server's order). */
export function compareShots(a: Shot, b: Shot): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function compareComments(a: Comment, b: Comment): number {
  if (a.createdSeq !== b.createdSeq) return a.createdSeq - b.createdSeq;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function findShot(board: BoardSnapshot, id: string): Shot {
  const shot = board.shots.find((s) => s.id === id);
  if (!shot) throw new SyncError('ENOTFOUND', `Shot ${id} not found; it may have been deleted.`);
  return shot;
}

function findComment(board: BoardSnapshot, id: string): Comment {
  const c = board.comments.find((x) => x.id === id);
  if (!c) throw new SyncError('ENOTFOUND', `Comment ${id} not found; it may have been deleted.`);
  return c;
}

function replaceShot(board: BoardSnapshot, shot: Shot, resort = false): BoardSnapshot {
  const shots = board.shots.map((s) => (s.id === shot.id ? shot : s));
  if (resort) shots.sort(compareShots);
  return { ...board, shots };
}

function replaceComment(board: BoardSnapshot, c: Comment): BoardSnapshot {
  return { ...board, comments: board.comments.map((x) => (x.id === c.id ? c : x)) };
}

/** Deep equality of JSON values (key order ignored). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function newShot(board: BoardSnapshot, id: string, position: string, f: ShotFields): Shot {
  return {
    id,
    position,
    title: f.title ?? '',
    prompt: f.prompt ?? '',
    notes: f.notes ?? '',
    duration: f.duration || board.defaultShotDuration,
    aspectRatio: f.aspectRatio || board.aspectRatio,
    status: f.status || 'draft',
    provider: f.provider ?? '',
    model: f.model ?? '',
    settings: f.settings ?? {},
  };
}

function addShot(board: BoardSnapshot, shot: Shot): BoardSnapshot {
  const existing = board.shots.find((s) => s.id === shot.id);
  if (existing) {
    if (jsonEqual(existing, shot)) return board; // a retry: no-op
    throw new SyncError('ECONFLICT', `A different shot already has the id ${shot.id}.`);
  }
  return { ...board, shots: [...board.shots, shot].sort(compareShots) };
}

/**
 * Returns board with op applied. Throws SyncError with ENOTFOUND when the op
 * targets a shot or comment that is gone, ECONFLICT for an id in use by
 * something else, EINVALID for a text op that does not fit or a restore
 * without content (clients cannot apply those optimistically).
 */
export function applyOp(board: BoardSnapshot, op: Op, ctx: ApplyContext): BoardSnapshot {
  switch (op.kind) {
    case 'shot.insert':
      return addShot(board, newShot(board, op.shotId, op.position, op.shot));
    case 'shot.move':
      return replaceShot(board, { ...findShot(board, op.shotId), position: op.position }, true);
    case 'shot.duplicate': {
      const src = findShot(board, op.shotId);
      return addShot(board, { ...src, id: op.newShotId, position: op.position });
    }
    case 'shot.delete':
      findShot(board, op.shotId);
      return { ...board, shots: board.shots.filter((s) => s.id !== op.shotId) };
    case 'shot.set': {
      const shot = findShot(board, op.shotId);
      return replaceShot(board, { ...shot, [op.field]: op.value });
    }
    case 'text.edit': {
      const shot = findShot(board, op.shotId);
      let text: string;
      try {
        text = applyText(shot[op.field], op.textOp);
      } catch (e) {
        throw new SyncError('EINVALID', (e as Error).message);
      }
      return replaceShot(board, { ...shot, [op.field]: text });
    }
    case 'board.set':
      return { ...board, [op.field]: op.value };
    case 'comment.add': {
      findShot(board, op.shotId);
      if (op.parentId !== undefined) findComment(board, op.parentId);
      const c: Comment = {
        id: op.commentId,
        shotId: op.shotId,
        authorId: ctx.actor,
        body: op.body,
        resolved: false,
        createdSeq: ctx.seq,
      };
      if (op.parentId !== undefined) c.parentId = op.parentId;
      if (op.timeRange !== undefined) c.timeRange = { ...op.timeRange };
      if (op.at !== undefined) c.createdAt = op.at;
      const existing = board.comments.find((x) => x.id === c.id);
      if (existing) {
        const same =
          existing.shotId === c.shotId &&
          existing.parentId === c.parentId &&
          existing.authorId === c.authorId &&
          existing.body === c.body &&
          jsonEqual(existing.timeRange ?? null, c.timeRange ?? null);
        if (same) return board;
        throw new SyncError('ECONFLICT', `A different comment already has the id ${c.id}.`);
      }
      return { ...board, comments: [...board.comments, c].sort(compareComments) };
    }
    case 'comment.edit':
      return replaceComment(board, { ...findComment(board, op.commentId), body: op.body, editedSeq: ctx.seq });
    case 'comment.delete': {
      const c = findComment(board, op.commentId);
      return {
        ...board,
        comments: board.comments.filter((x) => x.id !== c.id && (c.parentId !== undefined || x.parentId !== c.id)),
      };
    }
    case 'comment.resolve':
      return replaceComment(board, { ...findComment(board, op.commentId), resolved: true, resolvedBy: ctx.actor });
    case 'comment.reopen': {
      const { resolvedBy: _, ...c } = findComment(board, op.commentId);
      return replaceComment(board, { ...c, resolved: false });
    }
    case 'shot.review': {
      const shot = findShot(board, op.shotId);
      const review = { status: op.status, by: ctx.actor, seq: ctx.seq, ...(op.at ? { at: op.at } : {}) };
      return replaceShot(board, { ...shot, review });
    }
    case 'version.restore': {
      if (!op.content) throw new SyncError('EINVALID', 'A restore applies once the server has filled in the version.');
      const { shots, ...settings } = op.content;
      return { ...board, ...settings, shots: shots.map((s) => ({ ...s })).sort(compareShots) };
    }
  }
}
