import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { InboxEntry } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, Loading } from '../../components/States';
import { formatDate } from '../../components/format';
import { useStore } from '../../state/store';
import { showMentions } from '../board/CommentsPanel';

/** How many inbox entries are unread, refreshed every minute and on focus. */
export function useUnreadCount(): number {
  const { api, state } = useStore();
  const [n, setN] = useState(0);
  useEffect(() => {
    if (state.auth !== 'signedIn') return;
    let alive = true;
    const load = () => api.inbox.get().then((r) => alive && setN(r.unread), () => undefined);
    load();
    const timer = window.setInterval(load, 60_000);
    window.addEventListener('focus', load);
    return () => {
      alive = false;
      window.clearInterval(timer);
      window.removeEventListener('focus', load);
    };
  }, [api, state.auth]);
  return n;
}

/** /inbox — mentions and replies to your threads; each opens its thread. */
export function InboxPage() {
  const { api } = useStore();
  const [entries, setEntries] = useState<InboxEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => api.inbox.get().then((r) => setEntries(r.entries), setError);
  useEffect(() => {
    void load();
  }, [api]);

  async function open(e: InboxEntry) {
    if (!e.read) await api.inbox.read({ ids: [e.id] }).catch(() => undefined);
  }

  if (error) return <ErrorBanner error={error} />;
  if (!entries) return <Loading />;
  return (
    <div className="page inbox-page" data-testid="inbox-page">
      <header className="page-header">
        <h1>Inbox</h1>
        {entries.some((e) => !e.read) && (
          <button type="button" className="btn btn-small" data-testid="inbox-read-all" onClick={() => api.inbox.read({ all: true }).then(load)}>
            Mark all read
          </button>
        )}
      </header>
      {entries.length === 0 ? (
        <EmptyState title="Nothing yet">Mentions of you and replies to your threads show up here.</EmptyState>
      ) : (
        <ul className="inbox-list">
          {entries.map((e) => (
            <li key={e.id} className={e.read ? 'inbox-read' : 'inbox-unread'} data-testid="inbox-entry" data-read={e.read}>
              <Link
                to={`/b/${e.boardId}?shot=${encodeURIComponent(e.shotId)}&thread=${encodeURIComponent(e.threadId)}`}
                onClick={() => void open(e)}
                data-testid="inbox-open"
              >
                <strong>{e.fromName}</strong> {e.kind === 'mention' ? 'mentioned you' : 'replied to your thread'}
                <span className="inbox-excerpt">“{showMentions(e.excerpt)}”</span>
              </Link>
              <span className="muted small">{formatDate(e.at)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
