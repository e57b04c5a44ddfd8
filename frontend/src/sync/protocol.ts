// The realtime protocol, version 1: the TypeScript mirror of
// backend/realtime/protocol.go and op.go. docs/protocol.md is the contract.
// These types are checked against the shared fixtures in
// backend/realtime/testdata/protocol through fixtures.gen.ts (run
// `npm run typecheck`) and by protocol.test.ts.

import type { TextOp } from './text';

export type { TextOp } from './text';

export const PROTOCOL_VERSION = 1;

export type AspectRatio = '16:9' | '9:16' | '1:1' | '4:3' | '2.39:1';
export type ShotStatus = 'draft' | 'approved' | 'changes_requested';
export type ErrorCode =
  | 'EINVALID'
  | 'EFORBIDDEN'
  | 'ENOTFOUND'
  | 'ECONFLICT'
  | 'ERATELIMIT'
  | 'ETOOLARGE'
  | 'EUNAUTHORIZED'
  | 'EINTERNAL';

/** A shot's free-form render settings: a JSON object. */
export type ShotSettings = Record<string, unknown>;

// --- Board state -----------------------------------------------------------

export interface BoardSettings {
  title: string;
  description: string;
  aspectRatio: AspectRatio;
  defaultShotDuration: number;
  /** Renders the shots that name no provider; absent or empty: the server's default. */
  defaultProvider?: string;
}

/** Shots are ordered by position (a fractional key), then by id. */
export interface Shot {
  id: string;
  position: string;
  title: string;
  prompt: string;
  notes: string;
  duration: number;
  aspectRatio: AspectRatio;
  status: ShotStatus;
  provider: string;
  model: string;
  settings: ShotSettings;
  /** Absent until someone reviews the shot (shot.review). */
  review?: ShotReview;
}

export type ReviewStatus = 'none' | 'approved' | 'changes_requested';

/** A shot's review status, who set it (an actor id), at which seq and when (the server's clock; absent on older reviews). */
export interface ShotReview {
  status: ReviewStatus;
  by: string;
  seq: number;
  at?: string;
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * A thread has no parentId; replies point at their thread. createdSeq and
 * editedSeq are the seqs of the ops that made and last edited the comment.
 */
export interface Comment {
  id: string;
  shotId: string;
  parentId?: string;
  authorId: string;
  body: string;
  timeRange?: TimeRange;
  resolved: boolean;
  resolvedBy?: string;
  createdSeq: number;
  editedSeq?: number;
  /** When the server took it (RFC 3339); missing while it is pending, and on old comments. */
  createdAt?: string;
}

/** The whole board: shots in order, comments in creation order. */
export interface BoardSnapshot extends BoardSettings {
  id: string;
  shots: Shot[];
  comments: Comment[];
}

/** What a version restore puts back. */
export interface RestoreContent extends BoardSettings {
  shots: Shot[];
}

// --- Ops -------------------------------------------------------------------

/** Fields of a new shot; missing ones take the board's defaults. */
export interface ShotFields {
  title?: string;
  prompt?: string;
  notes?: string;
  duration?: number;
  aspectRatio?: AspectRatio;
  status?: ShotStatus;
  provider?: string;
  model?: string;
  settings?: ShotSettings;
}

export interface ShotInsertOp {
  kind: 'shot.insert';
  shotId: string;
  position: string;
  shot: ShotFields;
}

export interface ShotMoveOp {
  kind: 'shot.move';
  shotId: string;
  position: string;
}

export interface ShotDuplicateOp {
  kind: 'shot.duplicate';
  shotId: string;
  newShotId: string;
  position: string;
}

export interface ShotDeleteOp {
  kind: 'shot.delete';
  shotId: string;
}

export type ShotSetOp =
  | { kind: 'shot.set'; shotId: string; field: 'title' | 'provider' | 'model'; value: string }
  | { kind: 'shot.set'; shotId: string; field: 'duration'; value: number }
  | { kind: 'shot.set'; shotId: string; field: 'aspectRatio'; value: AspectRatio }
  | { kind: 'shot.set'; shotId: string; field: 'status'; value: ShotStatus }
  | { kind: 'shot.set'; shotId: string; field: 'settings'; value: ShotSettings };

export type ShotSetField = ShotSetOp['field'];

export type TextField = 'prompt' | 'notes';

/** A text op on a shot's prompt or notes; lengths in code points. */
export interface TextEditOp {
  kind: 'text.edit';
  shotId: string;
  field: TextField;
  /** The seq the text op was made against; defaults to the message's baseSeq. */
  baseVersion?: number;
  textOp: TextOp;
}

export type BoardSetOp =
  | { kind: 'board.set'; field: 'title' | 'description'; value: string }
  | { kind: 'board.set'; field: 'aspectRatio'; value: AspectRatio }
  | { kind: 'board.set'; field: 'defaultShotDuration'; value: number }
  | { kind: 'board.set'; field: 'defaultProvider'; value: string };

export interface CommentAddOp {
  kind: 'comment.add';
  commentId: string;
  shotId: string;
  parentId?: string;
  body: string;
  timeRange?: TimeRange;
  /** When the server took it (RFC 3339): set by the server, never by a client. */
  at?: string;
}

export interface CommentEditOp {
  kind: 'comment.edit';
  commentId: string;
  body: string;
}

export interface CommentDeleteOp {
  kind: 'comment.delete';
  commentId: string;
}

export interface CommentResolveOp {
  kind: 'comment.resolve';
  commentId: string;
}

export interface CommentReopenOp {
  kind: 'comment.reopen';
  commentId: string;
}

/** Commenters and up; the applied op carries by, the actor. */
export interface ShotReviewOp {
  kind: 'shot.review';
  shotId: string;
  status: ReviewStatus;
  by?: string;
  /** Set by the server (RFC 3339). */
  at?: string;
}

/** Clients send only versionId; the server fills content in the applied op. */
export interface VersionRestoreOp {
  kind: 'version.restore';
  versionId: string;
  content?: RestoreContent;
}

export type Op =
  | ShotInsertOp
  | ShotMoveOp
  | ShotDuplicateOp
  | ShotDeleteOp
  | ShotSetOp
  | TextEditOp
  | BoardSetOp
  | CommentAddOp
  | CommentEditOp
  | CommentDeleteOp
  | CommentResolveOp
  | CommentReopenOp
  | VersionRestoreOp
  | ShotReviewOp;

export type OpKind = Op['kind'];

export const OP_KINDS: readonly OpKind[] = [
  'shot.insert',
  'shot.move',
  'shot.duplicate',
  'shot.delete',
  'shot.set',
  'text.edit',
  'board.set',
  'comment.add',
  'comment.edit',
  'comment.delete',
  'comment.resolve',
  'comment.reopen',
  'version.restore',
  'shot.review',
];

/** An op as the server applied it (transformed, defaults filled in). */
export interface AppliedOp {
  seq: number;
  opId: string;
  actor: string;
  op: Op;
}

// --- Messages ----------------------------------------------------------------

/** The first message on a socket; no lastSeq asks for a snapshot. */
export interface JoinMessage {
  type: 'join';
  protocol: typeof PROTOCOL_VERSION;
  boardId: string;
  lastSeq?: number;
}

/** opId: a lower-case UUID (crypto.randomUUID()). */
export interface OpMessage {
  type: 'op';
  opId: string;
  baseSeq: number;
  op: Op;
}

/** A text caret in a shot's prompt or notes, in UTF-16 units from the field's start. */
export interface Caret {
  shotId: string;
  field: TextField;
  offset: number;
}

export interface PresenceMessage {
  type: 'presence';
  selectedShotId: string | null;
  /** Where this person is typing; absent or null: in no prompt or notes. */
  caret?: Caret | null;
}

export interface PingMessage {
  type: 'ping';
}

export interface SnapshotMessage {
  type: 'snapshot';
  board: BoardSnapshot;
  seq: number;
}

/** The ops a resuming client missed, in order. */
export interface OpsMessage {
  type: 'ops';
  ops: AppliedOp[];
}

export interface AckMessage {
  type: 'ack';
  opId: string;
  seq: number;
}

export interface AppliedMessage extends AppliedOp {
  type: 'applied';
}

export interface Peer {
  userId: string;
  name: string;
  selectedShotId: string | null;
  color: string;
  /** Where they are typing, if they are. */
  caret?: Caret;
}

/** "presence" from the server: everyone on the board. */
export interface PeersMessage {
  type: 'presence';
  peers: Peer[];
}

/** With opId: that op failed and changed nothing. */
export interface ErrorMessage {
  type: 'error';
  opId?: string;
  code: ErrorCode;
  message: string;
}

export interface PongMessage {
  type: 'pong';
}

/** A render job's state, as the server stores it (backend/shotline/render.go). */
export interface RenderJob {
  id: string;
  workspaceId: string;
  boardId: string;
  shotId: string;
  shotNumber: number;
  title: string;
  prompt: string;
  notes: string;
  duration: number;
  aspectRatio: string;
  resolution: string;
  provider: string;
  model: string;
  /** The shot's settings when queued, a JSON object as text. */
  settings: string;
  /** Asset ids of the reference files, first first. */
  references: string[] | null;
  cost: number;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  /** 0..1 */
  progress: number;
  attempt: number;
  notBefore?: string;
  cancelRequested?: boolean;
  error?: string;
  errorKind?: 'transient' | 'permanent' | 'refused' | 'canceled';
  resultSize?: number;
  createdBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** When the render and its video are deleted. */
  expiresAt?: string;
}

/** A render job changed: queued, progressed, finished (protocol 1, additive). */
export interface RenderMessage {
  type: 'render';
  job: RenderJob;
}

/** The board's named versions changed: read the list again (protocol 1, additive). */
export interface VersionsMessage {
  type: 'versions';
}

/** The board's reference files changed (attached or detached): read them again (protocol 1, additive). */
export interface AssetsMessage {
  type: 'assets';
}

export type ClientMessage = JoinMessage | OpMessage | PresenceMessage | PingMessage;
export type ServerMessage =
  | SnapshotMessage
  | OpsMessage
  | AckMessage
  | AppliedMessage
  | PeersMessage
  | ErrorMessage
  | PongMessage
  | RenderMessage
  | VersionsMessage
  | AssetsMessage;

const SERVER_TYPES: ReadonlySet<string> = new Set(['snapshot', 'ops', 'ack', 'applied', 'presence', 'error', 'pong', 'render', 'versions', 'assets']);

export class ProtocolError extends Error {}

/** Parses a server message; throws ProtocolError if it is not one. */
export function decodeServerMessage(text: string): ServerMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ProtocolError('server message is not JSON');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw new ProtocolError('server message is not an object');
  }
  const type = (m as { type?: unknown }).type;
  if (typeof type !== 'string' || !SERVER_TYPES.has(type)) {
    throw new ProtocolError(`unknown server message type ${JSON.stringify(type)}`);
  }
  return m as ServerMessage;
}

/** Serializes a client message. */
export function encodeClientMessage(m: ClientMessage): string {
  return JSON.stringify(m);
}

// --- Close codes -------------------------------------------------------------

/**
 * WebSocket close codes the server uses. reconnect: reconnect with backoff
 * and resume; otherwise stop and show the reason.
 */
export const CLOSE_CODES = {
  4000: { name: 'internal error', reconnect: true },
  4001: { name: 'slow consumer', reconnect: true },
  4002: { name: 'protocol error', reconnect: false },
  4003: { name: 'forbidden', reconnect: false },
  4004: { name: 'board not found', reconnect: false },
  4008: { name: 'policy violation', reconnect: false },
  4009: { name: 'server shutting down', reconnect: true },
  4011: { name: 'access changed', reconnect: true },
  4400: { name: 'unsupported protocol version', reconnect: false },
  4401: { name: 'session ended', reconnect: false },
  4410: { name: 'link ended', reconnect: false },
} as const satisfies Record<number, { name: string; reconnect: boolean }>;

export type CloseCode = keyof typeof CLOSE_CODES;

/**
 * Whether to reconnect after a close. Codes outside 4000-4999 (network
 * drops, 1001 going away, 1006 abnormal closure) are transport problems:
 * reconnect. Unknown application codes are terminal.
 */
export function shouldReconnect(code: number): boolean {
  if (code < 4000 || code > 4999) return true;
  return (CLOSE_CODES as Record<number, { reconnect: boolean } | undefined>)[code]?.reconnect ?? false;
}
