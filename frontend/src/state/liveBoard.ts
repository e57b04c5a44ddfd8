/**
 * The live board: the part of app state that the realtime connection fills
 * in (the board as this person sees it, who else is here, the connection's
 * health) and the edits the board screen makes. Framework-free: React reads
 * it through useLiveBoard (useSyncExternalStore), so a keystroke re-renders
 * the board screen and not the whole app shell. The app store hands out
 * the socket factory it is built with (see AppStore.realtime).
 */
import {
  BoardConnection,
  liveUrl,
  type ConnectionListener,
  type ConnectionOptions,
  type ConnectionStatus,
  type TerminalReason,
} from '../sync/connection';
import type {
  BoardSnapshot,
  Caret,
  Comment,
  ErrorCode,
  Op,
  Peer,
  RenderJob,
  ReviewStatus,
  ShotFields,
  ShotSetOp,
  TextField,
  TimeRange,
} from '../sync/protocol';
import type { TextOp } from '../sync/text';
import type { ViewTextDelta } from '../sync/viewDelta';

/** A message for the person at the screen: a refused edit, a server notice. */
export interface SyncNotice {
  id: number;
  code: ErrorCode;
  message: string;
}

export interface LiveBoardState {
  status: ConnectionStatus;
  terminal: TerminalReason | null;
  /** The board with this person's pending edits on top; null until the first snapshot. */
  board: BoardSnapshot | null;
  seq: number;
  /** Edits not yet confirmed by the server. */
  pending: number;
  peers: Peer[];
  notices: SyncNotice[];
  /** Render jobs of this board as the server pushed them since the page opened, by id. */
  renders: Record<string, RenderJob>;
  /** Counts the server's "versions changed" messages: the versions list reads itself again on each. */
  versionsChanged: number;
  /** Counts the server's "assets changed" messages: the board's references are read again on each. */
  assetsChanged: number;
}

/** The parts of the connection the store uses (a fake in tests). */
export type ConnectionLike = Pick<
  BoardConnection,
  'start' | 'stop' | 'submit' | 'select' | 'setCaret' | 'disconnect' | 'reconnectNow' | 'persistNow'
>;

export type ConnectionFactory = (options: ConnectionOptions) => ConnectionLike;

/** How the store reaches the server; the app store holds one. */
export interface RealtimeConfig {
  createSocket?: ConnectionOptions['createSocket'];
  network?: ConnectionOptions['network'];
  storage?: ConnectionOptions['storage'];
  /** Overrides the whole connection (tests). */
  connect?: ConnectionFactory;
}

export const initialLiveBoardState: LiveBoardState = {
  status: 'connecting',
  terminal: null,
  board: null,
  seq: 0,
  pending: 0,
  peers: [],
  notices: [],
  renders: {},
  versionsChanged: 0,
  assetsChanged: 0,
};

const MAX_NOTICES = 4;

function newId(): string {
  return crypto.randomUUID();
}

/** Why an op was refused, in words. */
export function refusalMessage(op: Op | null, message: string): string {
  const what =
    op?.kind === 'comment.add' || op?.kind === 'comment.edit'
      ? 'Your comment was not saved'
      : op?.kind?.startsWith('comment.')
        ? 'That comment change was refused'
        : 'Your edit was undone';
  return `${what}: ${message}`;
}

export class LiveBoardStore {
  private state: LiveBoardState = initialLiveBoardState;
  private readonly listeners = new Set<() => void>();
  private readonly deltaListeners = new Set<(d: ViewTextDelta) => void>();
  private readonly conn: ConnectionLike;
  private noticeSeq = 0;

  constructor(
    readonly boardId: string,
    readonly actor: string,
    config: RealtimeConfig = {},
    diagnose?: ConnectionOptions['diagnose'],
  ) {
    const listener: ConnectionListener = {
      state: (s) => this.set({ board: s.view, seq: s.seq, pending: s.pending.length }),
      status: (status) => this.set({ status }),
      peers: (peers) => this.set({ peers }),
      textDelta: (d) => this.deltaListeners.forEach((fn) => fn(d)),
      rejected: (r) => this.notify(r.code, refusalMessage(r.op, r.message)),
      notice: (code, message) => this.notify(code, message),
      terminal: (terminal) => this.set({ terminal }),
      render: (job) => this.set({ renders: { ...this.state.renders, [job.id]: job } }),
      versions: () => this.set({ versionsChanged: this.state.versionsChanged + 1 }),
      assets: () => this.set({ assetsChanged: this.state.assetsChanged + 1 }),
    };
    const options: ConnectionOptions = {
      boardId,
      actor,
      url: typeof location === 'undefined' ? '' : liveUrl(boardId),
      listener,
      createSocket: config.createSocket,
      network: config.network,
      storage: config.storage === undefined ? sessionStorageOrNull() : config.storage,
      diagnose,
    };
    this.conn = config.connect ? config.connect(options) : new BoardConnection(options);
  }

  // --- external store ---------------------------------------------------------

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): LiveBoardState => this.state;

  /** Calls fn with each change another person makes to a text field, before it shows. */
  onTextDelta(fn: (d: ViewTextDelta) => void): () => void {
    this.deltaListeners.add(fn);
    return () => this.deltaListeners.delete(fn);
  }

  private set(patch: Partial<LiveBoardState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((fn) => fn());
  }

  private notify(code: ErrorCode, message: string): void {
    const notices = [...this.state.notices, { id: ++this.noticeSeq, code, message }].slice(-MAX_NOTICES);
    this.set({ notices });
  }

  /**
   * Resolves once every edit made so far is confirmed by the server (a
   * render reads the shot as the server has it), or rejects after
   * timeoutMs.
   */
  whenSaved(timeoutMs = 10_000): Promise<void> {
    if (this.state.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error('Your latest edits are not saved yet; try again once the board says Connected.'));
      }, timeoutMs);
      const unsubscribe = this.subscribe(() => {
        if (this.state.pending === 0) {
          stop();
          resolve();
        }
      });
    });
  }

  dismissNotice(id: number): void {
    this.set({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  start(): void {
    this.conn.start();
  }

  stop(): void {
    this.conn.stop();
  }

  /** Test hook: drop the socket as a network failure would. */
  disconnect(): void {
    this.conn.disconnect();
  }

  reconnectNow(): void {
    this.conn.reconnectNow();
  }

  persistNow(): void {
    this.conn.persistNow();
  }

  // --- edits ------------------------------------------------------------------

  private submit(op: Op): void {
    if (!this.state.board) return;
    if (this.state.terminal) {
      this.notify('EFORBIDDEN', 'This board is no longer connected; your change was not made.');
      return;
    }
    this.conn.submit(op);
  }

  /** Adds a shot at an order key (see features/board/timeline); returns its id. */
  insertShot(position: string, fields: ShotFields = {}): string {
    const shotId = newId();
    this.submit({ kind: 'shot.insert', shotId, position, shot: fields });
    return shotId;
  }

  /** Gives a shot a new order key. */
  moveShot(shotId: string, position: string): void {
    this.submit({ kind: 'shot.move', shotId, position });
  }

  /** Copies a shot (not its comments) to an order key; returns the copy's id. */
  duplicateShot(shotId: string, position: string): string {
    const newShotId = newId();
    this.submit({ kind: 'shot.duplicate', shotId, newShotId, position });
    return newShotId;
  }

  deleteShot(shotId: string): void {
    this.submit({ kind: 'shot.delete', shotId });
  }

  setShot(op: Omit<ShotSetOp, 'kind'>): void {
    this.submit({ kind: 'shot.set', ...op } as ShotSetOp);
  }

  editText(shotId: string, field: TextField, textOp: TextOp): void {
    this.submit({ kind: 'text.edit', shotId, field, textOp });
  }

  addComment(shotId: string, body: string, opts: { parentId?: string; timeRange?: TimeRange } = {}): string {
    const commentId = newId();
    this.submit({ kind: 'comment.add', commentId, shotId, body, ...opts });
    return commentId;
  }

  editComment(commentId: string, body: string): void {
    this.submit({ kind: 'comment.edit', commentId, body });
  }

  deleteComment(commentId: string): void {
    this.submit({ kind: 'comment.delete', commentId });
  }

  setResolved(c: Pick<Comment, 'id'>, resolved: boolean): void {
    this.submit({ kind: resolved ? 'comment.resolve' : 'comment.reopen', commentId: c.id });
  }

  /** Approves a shot, requests changes, or clears the review (commenters and up). */
  setReview(shotId: string, status: ReviewStatus): void {
    this.submit({ kind: 'shot.review', shotId, status });
  }

  /** Tells the others where this person is typing (null: nowhere). */
  setCaret(caret: Caret | null): void {
    this.conn.setCaret(caret);
  }

  select(shotId: string | null): void {
    this.conn.select(shotId);
  }
}

function sessionStorageOrNull(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}
