import type { BoardVersion } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate, formatSeconds } from '../../components/format';
import { Modal } from '../../components/Modal';
import { Loading } from '../../components/States';
import { useStore } from '../../state/store';
import { useResource } from '../../state/useResource';

/**
 * A named version, read-only: the board's settings and its shots as they
 * were when the version was saved, so that people can look before they
 * restore. Restoring from here asks first, like the panel's own button.
 */
export function VersionPreview({
  boardId,
  version,
  author,
  canRestore,
  onRestore,
  onClose,
}: {
  boardId: string;
  version: BoardVersion;
  author: string;
  canRestore: boolean;
  onRestore: (v: BoardVersion) => void;
  onClose: () => void;
}) {
  const { api } = useStore();
  const loaded = useResource(() => api.versions.get(boardId, version.id), [api, boardId, version.id]);
  const board = loaded.data?.board;
  const total = board?.shots.reduce((sum, s) => sum + s.duration, 0) ?? 0;

  return (
    <Modal title={`Version “${version.name}”`} onClose={onClose} testId="version-preview">
      <div className="modal-body version-preview">
        <p className="muted small">
          Saved {formatDate(version.createdAt)} by {author}
        </p>
        {loaded.loading && <Loading label="Loading the version…" />}
        <ErrorBanner error={loaded.error} />
        {board && (
          <>
            <div className="version-board">
              <div className="version-board-title" data-testid="version-board-title">
                {board.title}
              </div>
              {board.description && <p className="version-board-description">{board.description}</p>}
              <p className="muted small">
                {board.aspectRatio} · default shot {formatSeconds(board.defaultShotDuration)} ·{' '}
                <span data-testid="version-shot-count">
                  {board.shots.length} {board.shots.length === 1 ? 'shot' : 'shots'}
                </span>{' '}
                · {formatSeconds(total)} in all
              </p>
            </div>
            {board.shots.length === 0 ? (
              <p className="muted small">No shots in this version.</p>
            ) : (
              <ol className="version-shots">
                {board.shots.map((shot, i) => (
                  <li key={shot.id} className="version-shot" data-testid="version-shot">
                    <div className="version-shot-head">
                      <span className="version-shot-title" data-testid="version-shot-title">
                        {shot.title || `Shot ${i + 1}`}
                      </span>
                      <span className="muted small">
                        {formatSeconds(shot.duration)} · {shot.aspectRatio} · {shot.status}
                      </span>
                    </div>
                    {shot.prompt && (
                      <p className="version-shot-text" data-testid="version-shot-prompt">
                        {shot.prompt}
                      </p>
                    )}
                    {shot.notes && <p className="version-shot-text muted">{shot.notes}</p>}
                  </li>
                ))}
              </ol>
            )}
            <p className="muted small">Restoring brings back these shots and settings; comments stay as they are.</p>
          </>
        )}
      </div>
      <div className="modal-footer">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
        {canRestore && (
          <button
            type="button"
            className="btn btn-primary"
            data-testid="preview-restore-version"
            disabled={!board}
            onClick={() => onRestore(version)}
          >
            Restore this version
          </button>
        )}
      </div>
    </Modal>
  );
}
