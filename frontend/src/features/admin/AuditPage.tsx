import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry, AuditFilter, Workspace } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, Loading } from '../../components/States';
import { formatDate } from '../../components/format';
import { can } from '../../state/permissions';
import { useStore } from '../../state/store';
import { WorkspaceRoute } from '../workspaces/WorkspaceRoute';

/** The audited actions, as the server names them. */
const ACTIONS = [
  'sign-in',
  'sign-in-failed',
  'sign-out-everywhere',
  'member-invited',
  'member-role-changed',
  'member-removed',
  'link-created',
  'link-edited',
  'link-revoked',
  'link-opened',
  'link-refused',
  'board-deleted',
  'project-deleted',
  'version-restored',
];

/** /w/:workspaceId/audit — the audit log, for admins and owners. */
export function AuditPage() {
  return <WorkspaceRoute render={(w) => <AuditLog workspace={w} />} />;
}

function AuditLog({ workspace }: { workspace: Workspace }) {
  const { api } = useStore();
  const [filter, setFilter] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    (f: AuditFilter, append: boolean) =>
      api.audit.list(workspace.id, { ...f, limit: 50 }).then(
        (r) => {
          setEntries((cur) => (append && cur ? [...cur, ...r.entries] : r.entries));
          setNext(r.nextCursor);
          setError(null);
        },
        setError,
      ),
    [api, workspace.id],
  );
  useEffect(() => {
    void load(filter, false);
  }, [load, filter]);

  if (!can(workspace, 'audit:read')) {
    return <EmptyState title="Admins only">Only the workspace's admins and owners see its audit log.</EmptyState>;
  }
  return (
    <div className="page audit-page" data-testid="audit-page">
      <header className="page-header">
        <h1>Audit log</h1>
        <a className="btn btn-small" href={api.audit.csvUrl(workspace.id, filter)} data-testid="audit-csv" download>
          Download CSV
        </a>
      </header>
      <form
        className="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          const d = new FormData(e.currentTarget);
          const v = (k: string) => String(d.get(k) ?? '').trim() || undefined;
          const iso = (k: string) => (v(k) ? new Date(v(k)!).toISOString() : undefined);
          setFilter({ action: v('action'), actor: v('actor'), target: v('target'), since: iso('since'), until: iso('until') });
        }}
      >
        <label className="small">
          Action{' '}
          <select name="action" data-testid="audit-action" defaultValue="">
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="small">
          Actor <input name="actor" data-testid="audit-actor" placeholder="user id or guest" />
        </label>
        <label className="small">
          Target <input name="target" data-testid="audit-target" placeholder="link:… board:…" />
        </label>
        <label className="small">
          From <input name="since" type="datetime-local" />
        </label>
        <label className="small">
          To <input name="until" type="datetime-local" />
        </label>
        <button type="submit" className="btn btn-small" data-testid="audit-apply">
          Filter
        </button>
      </form>
      <ErrorBanner error={error} />
      {!entries ? (
        <Loading />
      ) : entries.length === 0 ? (
        <EmptyState title="No entries">Nothing matches.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Detail</th>
                <th>Address</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} data-testid="audit-row" data-action={e.action}>
                  <td>{formatDate(e.time)}</td>
                  <td title={e.userAgent}>
                    {e.actorName || e.actorId}
                    {e.linkId && <span className="badge badge-muted">guest</span>}
                  </td>
                  <td>{e.action}</td>
                  <td className="mono small">{e.target}</td>
                  <td>{e.detail}</td>
                  <td className="mono small">{e.ip}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== undefined && (
        <button type="button" className="btn btn-small" data-testid="audit-more" onClick={() => void load({ ...filter, cursor: next }, true)}>
          Older entries
        </button>
      )}
    </div>
  );
}
