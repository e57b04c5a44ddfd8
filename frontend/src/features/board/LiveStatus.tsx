import { Link } from 'react-router';
import type { LiveBoardState, LiveBoardStore } from '../../state/liveBoard';
import type { ConnectionStatus } from '../../sync/connection';
import type { Peer } from '../../sync/protocol';
import { initials } from './shotFields';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The badge's words for a connection state. */
export function connectionLabel(status: ConnectionStatus, pending: number, terminal: boolean): string {
  if (terminal) return pending > 0 ? `Disconnected · ${plural(pending, 'edit', 'edits')} not saved` : 'Disconnected';
  switch (status) {
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return pending > 0 ? 'Saving…' : 'Connected';
    case 'reconnecting':
      return pending > 0 ? `Reconnecting… · ${plural(pending, 'pending edit', 'pending edits')}` : 'Reconnecting…';
    case 'offline':
      return pending > 0 ? `Offline · ${plural(pending, 'pending edit', 'pending edits')}` : 'Offline';
  }
}

/** Connected / reconnecting / offline, with the count of edits not yet saved. */
export function ConnectionBadge({ state, store }: { state: LiveBoardState; store: LiveBoardStore | null }) {
  const { status, pending, terminal } = state;
  const label = connectionLabel(status, pending, terminal !== null);
  const kind = terminal ? 'closed' : status;
  return (
    <>
      <span
        className={`conn-badge conn-${kind}`}
        data-testid="connection-badge"
        data-status={kind}
        data-pending={pending}
        role="status"
        aria-live="polite"
      >
        <span className="conn-dot" aria-hidden="true" />
        {label}
      </span>
      {!terminal && (status === 'offline' || status === 'reconnecting') && store && (
        <button type="button" className="btn-link small" data-testid="reconnect-now" onClick={() => store.reconnectNow()}>
          Retry now
        </button>
      )}
    </>
  );
}

/** Who is on the board: one avatar per person, in their presence colour. */
export function PresenceBar({ peers, me }: { peers: Peer[]; me: string }) {
  const people: Peer[] = [];
  const seen = new Set<string>();
  for (const p of peers) {
    if (seen.has(p.userId)) continue;
    seen.add(p.userId);
    people.push(p);
  }
  if (people.length === 0) return null;
  return (
    <div className="presence" data-testid="presence" aria-label="People on this board">
      {people.map((p) => (
        <span
          key={p.userId}
          className={`avatar${p.userId === me ? ' avatar-me' : ''}`}
          data-testid="peer-avatar"
          data-user-id={p.userId}
          title={p.userId === me ? `${p.name} (you)` : p.name}
          style={{ background: p.color }}
        >
          {initials(p.name)}
        </span>
      ))}
    </div>
  );
}

/** Why the board stopped syncing, and what to do about it. */
export function TerminalBanner({ state }: { state: LiveBoardState }) {
  const t = state.terminal;
  if (!t) return null;
  return (
    <div className="error-banner sync-terminal" role="alert" data-testid="sync-terminal">
      <span>{t.message}</span>
      {t.kind === 'session-ended' ? (
        <Link to={`/signin?next=${encodeURIComponent(location.pathname)}`}>Sign in</Link>
      ) : t.kind === 'not-found' ? (
        <Link to="/">Back to your workspaces</Link>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => location.reload()}>
          Reload
        </button>
      )}
    </div>
  );
}

/** Refused edits and server notices, each dismissable. */
export function SyncNotices({ state, store }: { state: LiveBoardState; store: LiveBoardStore | null }) {
  if (state.notices.length === 0) return null;
  return (
    <div className="sync-notices">
      {state.notices.map((n) => (
        <div key={n.id} className="error-banner" role="alert" data-testid="sync-notice">
          <span>{n.message}</span>
          <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => store?.dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
