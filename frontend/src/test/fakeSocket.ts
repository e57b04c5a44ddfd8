import type { NetworkMonitor, SocketLike } from '../sync/connection';
import type { ClientMessage, ServerMessage } from '../sync/protocol';
import type { RealtimeConfig } from '../state/liveBoard';

/** A WebSocket double that a test drives by hand: open it, push server messages, read what was sent. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: ClientMessage[] = [];
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(m: ServerMessage) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(m) }));
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
  /** The op messages sent so far. */
  ops(): Extract<ClientMessage, { type: 'op' }>[] {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: 'op' }> => m.type === 'op');
  }
}

/** A network the test switches on and off. */
export class FakeNetwork implements NetworkMonitor {
  isOnline = true;
  private subs = new Set<(online: boolean) => void>();
  online() {
    return this.isOnline;
  }
  subscribe(fn: (online: boolean) => void) {
    this.subs.add(fn);
    return () => {
      this.subs.delete(fn);
    };
  }
  set(online: boolean) {
    this.isOnline = online;
    for (const fn of this.subs) fn(online);
  }
}

/** Realtime config for tests: sockets are FakeSockets collected in sockets. */
export function fakeRealtime(): RealtimeConfig & { sockets: FakeSocket[]; network: FakeNetwork; last: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  const network = new FakeNetwork();
  return {
    sockets,
    network,
    storage: null,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    last: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket was opened');
      return s;
    },
  };
}
