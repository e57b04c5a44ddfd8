import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage, type ApiClient, type Render } from '../../api/client';
import { formatDate } from '../../components/format';
import type { Shot } from '../../sync/protocol';
import { CreditsView, useCredits } from './Credits';
import type { BoardMedia } from './useBoardMedia';

const ACTIVE = new Set(['queued', 'running']);

/**
 * The board's render queue, live: every render queued or running with its
 * progress (cancelable by editors), the ones that ended since the page
 * opened, and "Render changed shots". Admins also see the workspace's
 * credits, can top up and read the ledger.
 */
export function RenderQueuePanel({
  api,
  boardId,
  workspaceId,
  shots,
  media,
  canRender,
  canReadCredits,
  canTopUp,
  sessionStart,
  beforeRender,
}: {
  api: ApiClient;
  boardId: string;
  workspaceId: string;
  shots: Shot[];
  media: BoardMedia;
  canRender: boolean;
  canReadCredits: boolean;
  canTopUp: boolean;
  /** Renders that ended before this are history, not queue. */
  sessionStart: string;
  /** Waits for this person's edits to be saved (renders read the saved shots). */
  beforeRender: () => Promise<void>;
}) {
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const number = new Map(shots.map((s, i) => [s.id, i + 1]));
  const jobs: Render[] = Object.values(media.renders)
    .flat()
    .filter((r) => ACTIVE.has(r.state) || (r.finishedAt ?? r.createdAt) >= sessionStart)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));

  const credits = useCredits(api, workspaceId, canReadCredits, jobs.map((j) => j.id + j.state).join());

  return (
    <div className="inspector-section render-queue" data-testid="render-queue">
      <h3>Render queue</h3>
      {canRender && (
        <button
          type="button"
          className="btn btn-block"
          data-testid="render-changed"
          disabled={pending}
          onClick={async () => {
            setPending(true);
            setNotice(null);
            try {
              await beforeRender();
              const r = await api.renders.renderChanged(boardId);
              media.reload();
              const parts = [`${r.jobs.length} ${r.jobs.length === 1 ? 'shot' : 'shots'} queued.`];
              for (const x of r.refused) parts.push(`Shot ${number.get(x.shotId) ?? '?'}: ${x.message}`);
              setNotice(parts.join(' '));
            } catch (e) {
              setNotice(errorMessage(e));
            } finally {
              setPending(false);
            }
          }}
        >
          Render changed shots
        </button>
      )}
      {notice && (
        <p className="muted" role="status" data-testid="render-changed-notice">
          {notice}
        </p>
      )}
      {jobs.length === 0 ? (
        <p className="muted" data-testid="queue-empty">
          Nothing rendering.
        </p>
      ) : (
        <ul className="queue-list">
          {jobs.map((j) => (
            <li key={j.id} className="queue-job" data-testid="queue-job" data-state={j.state} data-shot-id={j.shotId}>
              <div className="queue-job-head">
                <span>
                  Shot {number.get(j.shotId) ?? j.shotNumber} · {j.provider}
                </span>
                <span className={`badge render-state render-state-${j.state}`} data-testid="queue-job-state">
                  {j.state}
                </span>
              </div>
              {ACTIVE.has(j.state) && (
                <progress className="bar" data-testid="queue-progress" max={100} value={Math.round(j.progress * 100)} />
              )}
              {j.state === 'queued' && j.notBefore && <div className="muted">Retrying after {formatDate(j.notBefore)}</div>}
              {j.error && <div className="render-error">{j.error}</div>}
              {canRender && ACTIVE.has(j.state) && !j.cancelRequested && (
                <button
                  type="button"
                  className="btn btn-small btn-danger-text"
                  data-testid="cancel-render"
                  onClick={() => api.renders.cancel(boardId, j.id).catch((e) => setNotice(errorMessage(e)))}
                >
                  Cancel
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canReadCredits && credits.data && <CreditsView api={api} workspaceId={workspaceId} credits={credits.data} canTopUp={canTopUp} onChange={credits.set} />}
      {canReadCredits && (
        <Link to={`/w/${workspaceId}/settings`} className="link-button" data-testid="open-workspace-settings">
          Retention and credits settings
        </Link>
      )}
      {credits.error && <p className="render-error">{credits.error}</p>}
    </div>
  );
}
