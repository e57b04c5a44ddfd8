import { useEffect, useRef, useState } from 'react';
import type { BoardVersion } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { FieldCount, nearlyFull } from '../../components/Field';
import { RelativeTime } from '../../components/RelativeTime';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useResource } from '../../state/useResource';
import { VersionPreview } from './VersionPreview';

/** The server's limit on a version's name. */
const VERSION_NAME_MAX = 200;

/**
 * Named versions of the board (REST: /api/boards/{id}/versions). Saving
 * names the board's current state; viewing shows one as it was, read-only;
 * restoring puts a version back for everyone, as an op on the board, so it
 * arrives over the live connection like any other edit. The server saves
 * the board as a version just before a restore, so a restore can be undone.
 * The list follows the server's "versions changed" messages: no refreshing.
 */
export function VersionsPanel({
  boardId,
  canEdit,
  names,
  changed,
}: {
  boardId: string;
  canEdit: boolean;
  names: Map<string, string>;
  /** Grows each time the server says the versions changed. */
  changed: number;
}) {
  const { api } = useStore();
  const versions = useResource(() => api.versions.list(boardId), [api, boardId]);
  const reload = useRef(versions.reload);
  reload.current = versions.reload;
  useEffect(() => {
    if (changed > 0) reload.current();
  }, [changed]);
  const [name, setName] = useState('');
  const [restoring, setRestoring] = useState<BoardVersion | null>(null);
  const [viewing, setViewing] = useState<BoardVersion | null>(null);
  const [restored, setRestored] = useState<string | null>(null);
  const create = useAction((n: string) => api.versions.create(boardId, n));
  const restore = useAction((id: string) => api.versions.restore(boardId, id));

  return (
    <section className="inspector-section versions-panel" data-testid="versions-panel">
      <div className="section-head">
        <h3>Versions</h3>
      </div>
      {canEdit && (
        <form
          className="version-form"
          onSubmit={async (e) => {
            e.preventDefault();
            const n = name.trim();
            if (!n) return;
            const r = await create.run(n);
            if (r.ok) {
              setName('');
              versions.setData((prev) => [r.value, ...(prev ?? []).filter((x) => x.id !== r.value.id)]);
            }
          }}
        >
          <input
            aria-label="Version name"
            data-testid="version-name-input"
            placeholder="Name this version"
            maxLength={VERSION_NAME_MAX}
            aria-describedby={nearlyFull(name, VERSION_NAME_MAX) ? 'version-name-count' : undefined}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          {nearlyFull(name, VERSION_NAME_MAX) && <FieldCount id="version-name-count" used={name.length} max={VERSION_NAME_MAX} />}
          <button type="submit" className="btn btn-small" data-testid="save-version" disabled={!name.trim() || create.pending}>
            Save
          </button>
        </form>
      )}
      <ErrorBanner error={create.error ?? versions.error} onDismiss={create.error ? create.clearError : undefined} />
      {restored && (
        <div className="saved-note" role="status">
          Restored “{restored}” for everyone.
        </div>
      )}
      {versions.data && versions.data.length === 0 && <p className="muted small">No named versions yet.</p>}
      {versions.data && versions.data.length > 0 && (
        <ol className="versions">
          {versions.data.map((v) => (
            <li key={v.id} className="version" data-testid="version">
              <div className="version-main">
                <div className="version-name" data-testid="version-name">
                  {v.name}
                </div>
                <div className="muted small">
                  <RelativeTime iso={v.createdAt} /> · {names.get(v.createdBy) ?? 'Someone'}
                </div>
              </div>
              <div className="version-actions">
                <button type="button" className="btn btn-small" data-testid="view-version" onClick={() => setViewing(v)}>
                  View
                </button>
                {canEdit && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="restore-version"
                    onClick={() => {
                      restore.clearError();
                      setRestoring(v);
                    }}
                  >
                    Restore
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      {viewing && (
        <VersionPreview
          boardId={boardId}
          version={viewing}
          author={names.get(viewing.createdBy) ?? 'someone'}
          canRestore={canEdit}
          onRestore={(v) => {
            setViewing(null);
            restore.clearError();
            setRestoring(v);
          }}
          onClose={() => setViewing(null)}
        />
      )}
      {restoring && (
        <ConfirmDialog
          title="Restore version"
          confirmLabel="Restore"
          danger={false}
          pending={restore.pending}
          error={restore.error}
          onCancel={() => setRestoring(null)}
          onConfirm={async () => {
            const r = await restore.run(restoring.id);
            if (r.ok) {
              setRestored(restoring.name);
              setRestoring(null);
            }
          }}
        >
          Put the board back as it was in <strong>{restoring.name}</strong>? Everyone on the board sees the change;
          comments stay. The board as it is now is saved as a version first, so you can come back to it.
        </ConfirmDialog>
      )}
    </section>
  );
}
