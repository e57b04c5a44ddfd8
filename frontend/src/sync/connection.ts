// The board's realtime socket, with no UI framework in it: it joins the
// board, feeds what the server sends through the pure merge in reconcile.ts,
// sends local ops in order, keeps the socket alive with pings, reconnects
// with backoff and jitter, resumes from the last seq it saw and sends again
// whatever is still pending. It reports everything to one listener (the
// app's live board store), which owns nothing of the protocol.
//
// States: connecting (first attempt) → connected ⇄ reconnecting; offline
// when the browser says so or after repeated failures (it keeps retrying,
// and goes at once when the browser is back online). A close code the
// server marks terminal (forbidden, board deleted, session ended, …) stops
// it for good, with a reason to show.

import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  ProtocolError,
  decodeServerMessage,
  encodeClientMessage,
  shouldReconnect,
  type AppliedOp,
  type BoardSnapshot,
  type Caret,
  type ClientMessage,
  type ErrorCode,
  type Op,
  type Peer,
  type RenderJob,
  type ServerMessage,
} from './protocol';
import {
  acknowledge,
  addLocalOp,
  buildView,
  initialState,
  onDisconnect,
  reconcile,
  rejectOp,
  resync,
  takeSendable,
  type PendingOp,
  type SyncState,
} from './reconcile';
import { viewTextDelta, type ViewTextDelta } from './viewDelta';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Why the connection stopped for good. */
export interface TerminalReason {
  /** The close code, or 0 when the server refused the socket before upgrading. */
  code: number;
  kind: 'forbidden' | 'not-found' | 'session-ended' | 'link-ended' | 'reload' | 'protocol' | 'policy' | 'closed';
  message: string;
}

/** An op of ours the server refused; it changed nothing. */
export interface RejectedOp {
  opId: string;
  op: Op | null;
  code: ErrorCode;
  message: string;
}

/** What the connection reports. Every callback is optional. */
export interface ConnectionListener {
  /** The merged state changed (view, pending, seq). */
  state?(state: SyncState): void;
  status?(status: ConnectionStatus): void;
  peers?(peers: Peer[]): void;
  /** Another person's text edit, as it changes the view; called before state(). */
  textDelta?(delta: ViewTextDelta): void;
  rejected?(r: RejectedOp): void;
  /** A server error about no op in particular (e.g. a rate limit). */
  notice?(code: ErrorCode, message: string): void;
  terminal?(reason: TerminalReason): void;
  /** A render job of this board changed. */
  render?(job: RenderJob): void;
  /** The board's named versions changed. */
  versions?(): void;
  /** The board's reference files changed. */
  assets?(): void;
}

/** The part of the browser's WebSocket this class uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Tells whether the browser is online, and when that changes. */
export interface NetworkMonitor {
  online(): boolean;
  subscribe(onChange: (online: boolean) => void): () => void;
}

export interface ConnectionOptions {
  boardId: string;
  /** The signed-in user's id (the server's actor for our ops). */
  actor: string;
  /** The socket URL; see liveUrl. */
  url: string;
  listener?: ConnectionListener;
  createSocket?: (url: string) => SocketLike;
  network?: NetworkMonitor;
  /** Where pending ops survive a reload (sessionStorage); null for nowhere. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  newOpId?: () => string;
  random?: () => number;
  pingIntervalMs?: number;
  /** A socket that answers nothing this long after a ping is dropped. */
  pongTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * Closes in a row without a successful join after which the status says
   * offline (the drop itself counts); default 4, about 3 s of retrying.
   */
  offlineAfterFailures?: number;
  /**
   * Asked after failed attempts that never opened a socket (the server
   * refuses before the upgrade with a status code the browser hides):
   * returns a terminal reason, or null to keep trying.
   */
  diagnose?: () => Promise<TerminalReason | null>;
}

const OPEN = 1;
/** The shortest time between two caret updates sent, in ms. */
const CARET_EVERY = 150;

/** The socket URL of a board, on the page's own origin. */
export function liveUrl(boardId: string, loc: Pick<Location, 'protocol' | 'host'> = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api/boards/${encodeURIComponent(boardId)}/live`;
}

/**
 * The delay before reconnect attempt number attempt (0 for the first):
 * exponential from base up to cap, with "equal jitter" (half fixed, half
 * random) so that a room's clients do not all come back at once.
 */
export function backoffDelay(attempt: number, random: () => number, base = 500, cap = 10_000): number {
  const exp = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return exp / 2 + random() * (exp / 2);
}

/** What a terminal close code means for the person at the screen. */
export function terminalReason(code: number, reason = ''): TerminalReason {
  switch (code) {
    case 4003:
      return { code, kind: 'forbidden', message: 'You no longer have access to this board.' };
    case 4004:
      return { code, kind: 'not-found', message: 'This board was deleted.' };
    case 4401:
      return { code, kind: 'session-ended', message: 'Your session has ended. Sign in again to keep editing.' };
    case 4410:
      return { code, kind: 'link-ended', message: 'This share link was revoked, expired or its password changed.' };
    case 4400:
      return { code, kind: 'reload', message: 'Shotline was updated. Reload the page to keep editing.' };
    case 4002:
      return { code, kind: 'protocol', message: 'The connection broke down (protocol error). Reload the page.' };
    case 4008:
      return { code, kind: 'policy', message: 'Too many refused edits; the server closed the connection. Reload the page.' };
    default: {
      const name = (CLOSE_CODES as Record<number, { name: string } | undefined>)[code]?.name ?? reason;
      return { code, kind: 'closed', message: `The server closed the connection${name ? ` (${name})` : ''}.` };
    }
  }
}

/** The browser's online/offline events. */
export const browserNetwork: NetworkMonitor = {
  online: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  subscribe(onChange) {
    if (typeof window === 'undefined') return () => undefined;
    const on = () => onChange(true);
    const off = () => onChange(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

interface Persisted {
  v: 1;
  actor: string;
  seq: number;
  confirmed: BoardSnapshot;
  pending: PendingOp[];
}

function storageKey(boardId: string): string {
  return `shotline.pending.${boardId}`;
}

/** One board's realtime connection. Call start() once and stop() when done. */
export class BoardConnection {
  private readonly o: Required<
    Omit<ConnectionOptions, 'listener' | 'storage' | 'diagnose'>
  > & Pick<ConnectionOptions, 'storage' | 'diagnose'>;
  private readonly listener: ConnectionListener;
  private socket: SocketLike | null = null;
  private sync: SyncState | null = null;
  private _status: ConnectionStatus = 'connecting';
  private _peers: Peer[] = [];
  private _terminal: TerminalReason | null = null;
  private started = false;
  private stopped = false;
  private everJoined = false;
  private awaitingJoin = false;
  private joined = false;
  private failures = 0;
  // A socket opened during the current run of failures (then the server is
  // reachable and there is nothing for diagnose to find).
  private socketOpenedInRun = false;
  private resyncs = 0; // rejoins for resyncNeeded without progress
  private selection: string | null = null;
  private caret: Caret | null = null;
  private caretTimer: ReturnType<typeof setTimeout> | null = null;
  private caretSentAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribeNetwork: (() => void) | null = null;

  constructor(options: ConnectionOptions) {
    this.listener = options.listener ?? {};
    this.o = {
      boardId: options.boardId,
      actor: options.actor,
      url: options.url,
      createSocket: options.createSocket ?? ((url) => new WebSocket(url) as SocketLike),
      network: options.network ?? browserNetwork,
      storage: options.storage,
      newOpId: options.newOpId ?? (() => crypto.randomUUID()),
      random: options.random ?? Math.random,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffCapMs: options.backoffCapMs ?? 10_000,
      offlineAfterFailures: options.offlineAfterFailures ?? 4,
      diagnose: options.diagnose,
    };
    this.restore();
  }

  get status(): ConnectionStatus {
    return this._status;
  }
  get state(): SyncState | null {
    return this.sync;
  }
  get peers(): Peer[] {
    return this._peers;
  }
  get terminal(): TerminalReason | null {
    return this._terminal;
  }
  get pendingCount(): number {
    return this.sync?.pending.length ?? 0;
  }

  /** Opens the socket (once). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.unsubscribeNetwork = this.o.network.subscribe((online) => this.onNetwork(online));
    if (this.sync) this.listener.state?.(this.sync);
    if (!this.o.network.online()) {
      this.setStatus('offline');
      this.scheduleReconnect();
      return;
    }
    this.open();
  }

  /** Closes for good (the page goes away). Pending ops stay in storage. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.persistNow();
    this.unsubscribeNetwork?.();
    this.clearTimers();
    const s = this.socket;
    this.detach();
    if (s) {
      try {
        s.close(1000, 'bye');
      } catch {
        // already closing
      }
    }
  }

  /**
   * Drops the socket as a network failure would, and reconnects with
   * backoff. For tests and for a "reconnect" button.
   */
  disconnect(): void {
    if (!this.socket) return;
    this.dropSocket();
    this.afterClose(1006);
  }

  /** Reconnects now if waiting between attempts. */
  reconnectNow(): void {
    if (this.stopped || this._terminal || this.socket) return;
    this.clearReconnect();
    this.open();
  }

  /**
   * Makes a local change: applies it to the view at once and sends it when
   * it can. Returns the op's id. Throws before the first snapshot.
   */
  submit(op: Op): string {
    if (!this.sync) throw new Error('The board has not loaded yet.');
    const opId = this.o.newOpId();
    this.sync = addLocalOp(this.sync, opId, op);
    this.emitState();
    this.flush();
    return opId;
  }

  /** Tells the others which shot this person has selected. */
  select(shotId: string | null): void {
    if (this.selection === shotId) return;
    this.selection = shotId;
    if (this.joined) this.sendPresence();
  }

  /**
   * Tells the others where this person is typing (null: nowhere). Sent at
   * most every CARET_EVERY ms, the last position always: a caret moves on
   * every keystroke, and presence counts against the socket's rate limit.
   */
  setCaret(caret: Caret | null): void {
    const same = (a: Caret | null, b: Caret | null) => a === b || (!!a && !!b && a.shotId === b.shotId && a.field === b.field && a.offset === b.offset);
    if (same(this.caret, caret)) return;
    this.caret = caret;
    if (this.caretTimer !== null) return;
    const wait = Math.max(0, this.caretSentAt + CARET_EVERY - Date.now());
    this.caretTimer = setTimeout(() => {
      this.caretTimer = null;
      this.caretSentAt = Date.now();
      if (this.joined) this.sendPresence();
    }, wait);
  }

  private sendPresence(): void {
    this.send({ type: 'presence', selectedShotId: this.selection, ...(this.caret ? { caret: this.caret } : {}) });
  }

  // --- socket ---------------------------------------------------------------

  private open(): void {
    if (this.stopped || this._terminal) return;
    this.clearReconnect();
    if (!this.everJoined && this._status !== 'offline') this.setStatus('connecting');
    else if (this._status !== 'offline') this.setStatus('reconnecting');
    let s: SocketLike;
    try {
      s = this.o.createSocket(this.o.url);
    } catch {
      this.afterClose(1006);
      return;
    }
    this.socket = s;
    this.awaitingJoin = false;
    this.joined = false;
    s.onopen = () => {
      if (this.socket !== s) return;
      this.socketOpenedInRun = true;
      const join: ClientMessage = { type: 'join', protocol: PROTOCOL_VERSION, boardId: this.o.boardId };
      // After two rejoins that did not help, start over from a snapshot.
      if (this.sync && this.resyncs < 2) join.lastSeq = this.sync.seq;
      this.awaitingJoin = true;
      this.send(join);
      this.startHeartbeat();
    };
    s.onmessage = (ev) => {
      if (this.socket !== s) return;
      this.onMessage(ev.data);
    };
    s.onerror = () => {
      // A close event follows; nothing to do here.
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.detach();
      this.afterClose(ev.code, ev.reason);
    };
  }

  private send(m: ClientMessage): void {
    const s = this.socket;
    if (!s || s.readyState !== OPEN) return;
    try {
      s.send(encodeClientMessage(m));
    } catch {
      // The close event will follow.
    }
  }

  private detach(): void {
    const s = this.socket;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
    }
    this.socket = null;
    this.stopHeartbeat();
  }

  /** Forgets the socket at once; a dead TCP connection may never close cleanly. */
  private dropSocket(): void {
    const s = this.socket;
    this.detach();
    if (s) {
      try {
        s.close(4000, 'client reconnecting');
      } catch {
        // ignore
      }
    }
  }

  private afterClose(code: number, reason = ''): void {
    this.joined = false;
    this.awaitingJoin = false;
    if (this.sync) {
      this.sync = onDisconnect(this.sync);
      this.emitState();
    }
    this._peers = [];
    this.listener.peers?.([]);
    if (this.stopped) return;
    if (!shouldReconnect(code)) {
      this.fail(terminalReason(code, reason));
      return;
    }
    this.failures++; // reset by a successful join
    if (!this.o.network.online() || this.failures >= this.o.offlineAfterFailures) this.setStatus('offline');
    else this.setStatus(this.everJoined ? 'reconnecting' : 'connecting');
    if (this.failures >= this.o.offlineAfterFailures && !this.socketOpenedInRun && this.o.diagnose) {
      this.socketOpenedInRun = true; // ask once per run of failures
      void this.o.diagnose().then(
        (r) => {
          if (r && !this.stopped && !this.joined) this.fail(r);
        },
        () => undefined,
      );
    }
    this.scheduleReconnect();
  }

  private fail(reason: TerminalReason): void {
    this._terminal = reason;
    this.clearTimers();
    const s = this.socket;
    this.detach();
    if (s) {
      try {
        s.close(1000, 'done');
      } catch {
        // ignore
      }
    }
    this.setStatus('offline');
    this.listener.terminal?.(reason);
  }

  private scheduleReconnect(delay?: number): void {
    if (this.stopped || this._terminal) return;
    this.clearReconnect();
    // While the browser is offline, try now and then anyway (its idea of
    // being online can be wrong) and go at once on the "online" event.
    const wait =
      delay ??
      (this.o.network.online()
        ? backoffDelay(Math.max(0, this.failures - 1), this.o.random, this.o.backoffBaseMs, this.o.backoffCapMs)
        : this.o.backoffCapMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, wait);
  }

  private onNetwork(online: boolean): void {
    if (this.stopped || this._terminal) return;
    if (!online) {
      // The socket is most likely dead; do not wait for TCP to notice.
      if (this.socket) {
        this.dropSocket();
        this.afterClose(1006);
      }
      this.setStatus('offline');
      return;
    }
    this.failures = 0;
    if (!this.socket) {
      this.clearReconnect();
      this.open();
    }
  }

  // --- heartbeat --------------------------------------------------------------

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      this.send({ type: 'ping' });
      if (!this.pongTimer) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = null;
          // Nothing came back: the socket is dead or stuck.
          if (this.socket) {
            this.dropSocket();
            this.afterClose(1006);
          }
        }, this.o.pongTimeoutMs);
      }
    }, this.o.pingIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = null;
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private clearTimers(): void {
    this.clearReconnect();
    this.stopHeartbeat();
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    if (this.caretTimer) clearTimeout(this.caretTimer);
    this.caretTimer = null;
  }

  // --- messages ---------------------------------------------------------------

  private onMessage(data: unknown): void {
    // Any message shows the socket is alive.
    if (this.pongTimer) {
      clearTimeout(this.pongTimer);
      this.pongTimer = null;
    }
    let m: ServerMessage;
    try {
      m = decodeServerMessage(String(data));
    } catch (e) {
      if (e instanceof ProtocolError) return; // a newer server's message: ignore
      throw e;
    }
    switch (m.type) {
      case 'snapshot':
        this.onSnapshot(m.board, m.seq);
        break;
      case 'ops':
        this.onOps(m.ops);
        break;
      case 'applied': {
        const { type: _, ...op } = m;
        this.onApplied(op);
        break;
      }
      case 'ack':
        if (!this.sync) return;
        this.sync = acknowledge(this.sync, m.opId, m.seq);
        this.afterServerChange();
        break;
      case 'error':
        this.onError(m.opId, m.code, m.message);
        break;
      case 'presence':
        this._peers = m.peers;
        this.listener.peers?.(m.peers);
        break;
      case 'pong':
        break;
      case 'render':
        this.listener.render?.(m.job);
        break;
      case 'versions':
        this.listener.versions?.();
        break;
      case 'assets':
        this.listener.assets?.();
        break;
    }
  }

  private onSnapshot(board: BoardSnapshot, seq: number): void {
    this.sync = this.sync ? resync(this.sync, board, seq) : initialState(this.o.actor, board, seq);
    this.resyncs = 0;
    this.emitState();
    this.onJoinAnswered();
  }

  private onOps(ops: AppliedOp[]): void {
    if (!this.sync) return;
    for (const op of ops) {
      this.takeIn(op);
      if (this.sync.resyncNeeded) break;
    }
    this.emitState();
    if (this.sync.resyncNeeded) {
      this.rejoin();
      return;
    }
    if (ops.length > 0) this.resyncs = 0;
    this.onJoinAnswered();
  }

  private onApplied(op: AppliedOp): void {
    if (!this.sync) return;
    this.takeIn(op);
    this.afterServerChange();
  }

  private takeIn(op: AppliedOp): void {
    const sync = this.sync!;
    const delta = viewTextDelta(sync, op);
    this.sync = reconcile(sync, op);
    if (delta && !this.sync.resyncNeeded) this.listener.textDelta?.(delta);
  }

  private afterServerChange(): void {
    this.emitState();
    if (this.sync?.resyncNeeded) {
      this.rejoin();
      return;
    }
    this.flush();
  }

  private onError(opId: string | undefined, code: ErrorCode, message: string): void {
    if (!opId) {
      this.listener.notice?.(code, message);
      return;
    }
    if (!this.sync) return;
    const p = this.sync.pending.find((x) => x.opId === opId);
    if (!p) return;
    this.sync = rejectOp(this.sync, opId, code);
    this.emitState();
    // A stale edit the server could not merge is rebased and kept (same
    // opId): nothing was lost, so nothing to report.
    if (!this.sync.pending.some((x) => x.opId === opId)) this.listener.rejected?.({ opId, op: p.op, code, message });
    this.flush();
  }

  private onJoinAnswered(): void {
    if (!this.awaitingJoin) return;
    this.awaitingJoin = false;
    this.joined = true;
    this.everJoined = true;
    this.failures = 0;
    this.socketOpenedInRun = false;
    this.setStatus('connected');
    if (this.selection !== null || this.caret !== null) this.sendPresence();
    this.flush();
  }

  /** The server cannot accept a second join on a socket: reconnect now. */
  private rejoin(): void {
    this.resyncs++;
    this.dropSocket();
    this.joined = false;
    this.awaitingJoin = false;
    if (this.sync) this.sync = onDisconnect(this.sync);
    this.open();
  }

  /** Sends what can be sent. */
  private flush(): void {
    if (!this.sync || !this.joined || this.awaitingJoin) return;
    const { state, messages } = takeSendable(this.sync);
    if (messages.length === 0) return;
    this.sync = state;
    for (const m of messages) this.send(m);
    this.schedulePersist();
  }

  private setStatus(s: ConnectionStatus): void {
    if (this._status === s) return;
    this._status = s;
    this.listener.status?.(s);
  }

  private emitState(): void {
    if (!this.sync) return;
    this.listener.state?.(this.sync);
    this.schedulePersist();
  }

  // --- persistence ------------------------------------------------------------

  private restore(): void {
    const st = this.o.storage;
    if (!st) return;
    let p: Persisted | null = null;
    try {
      const raw = st.getItem(storageKey(this.o.boardId));
      p = raw ? (JSON.parse(raw) as Persisted) : null;
    } catch {
      p = null;
    }
    if (!p || p.v !== 1 || p.actor !== this.o.actor || !Array.isArray(p.pending) || !p.confirmed) return;
    const base = initialState(this.o.actor, p.confirmed, p.seq);
    const pending = p.pending.map((x) => ({ ...x, sent: false }));
    this.sync = onDisconnect({ ...base, pending, view: buildView(this.o.actor, p.confirmed, p.seq, pending) });
  }

  private schedulePersist(): void {
    if (!this.o.storage || this.persistTimer || this.stopped) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      this.persistNow();
    }, 250);
  }

  /** Writes pending ops to storage now (also call on pagehide). */
  persistNow(): void {
    const st = this.o.storage;
    if (!st || !this.sync) return;
    const key = storageKey(this.o.boardId);
    try {
      if (this.sync.pending.length === 0) {
        st.removeItem(key);
        return;
      }
      const p: Persisted = {
        v: 1,
        actor: this.o.actor,
        seq: this.sync.seq,
        confirmed: this.sync.confirmed,
        pending: this.sync.pending,
      };
      st.setItem(key, JSON.stringify(p));
    } catch {
      // Storage full or unavailable: pending ops still live in memory.
    }
  }
}
