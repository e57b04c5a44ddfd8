import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, type Board, type Project, type Shot, type Workspace } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, Loading } from '../../components/States';
import { formatDate, formatSeconds } from '../../components/format';
import { NotFound } from '../../app/NotFound';
import { boardControls } from '../../state/permissions';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useResource } from '../../state/useResource';
import { BoardFields, draftFrom, validateDraft, type BoardDraft } from '../projects/BoardForm';
import { cssAspect } from '../projects/ProjectPage';

/** /b/:boardId — one board: its details, settings and shot list. */
export function BoardPage() {
  const { boardId = '' } = useParams();
  const store = useStore();
  const { api, selectWorkspace } = store;
  const board = useResource(() => api.boards.get(boardId), [api, boardId]);
  const projectId = board.data?.projectId;
  // The project only names the breadcrumb; the board shows without it.
  const project = useResource<Project | null>(
    () => (projectId ? api.projects.get(projectId) : Promise.resolve(null)),
    [api, projectId],
  );
  const workspace = store.workspaceById(board.data?.workspaceId);

  useEffect(() => {
    if (board.data) selectWorkspace(board.data.workspaceId);
  }, [board.data, selectWorkspace]);

  if (board.error) {
    if (board.error instanceof ApiError && board.error.code === 'ENOTFOUND') {
      return <NotFound what="board" />;
    }
    return (
      <div className="page">
        <ErrorBanner error={board.error} />
      </div>
    );
  }
  if (!board.data) return <Loading />;
  return (
    <BoardView
      key={board.data.id}
      board={board.data}
      project={project.data ?? null}
      workspace={workspace}
      onSaved={(b) => board.setData(() => b)}
    />
  );
}

/**
 * The board screen for a loaded board. Editing controls appear only when the
 * workspace grants `board:update` (and deleting only with `board:delete`);
 * everyone else gets the same information read-only.
 */
export function BoardView({
  board,
  project,
  workspace,
  onSaved,
}: {
  board: Board;
  project: Project | null;
  workspace: Workspace | null;
  onSaved: (b: Board) => void;
}) {
  const { api } = useStore();
  const navigate = useNavigate();
  const controls = boardControls(workspace);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useAction(() => api.boards.delete(board.id));
  const archive = useAction(() => api.boards.update(board.id, { archived: !board.archived }));

  const shots = [...(board.shots ?? [])].sort((a, b) =>
    a.position < b.position ? -1 : a.position > b.position ? 1 : 0,
  );
  const total = shots.reduce((s, x) => s + (x.duration || 0), 0);

  return (
    <div className="board-page" data-testid="board-page">
      <div className="board-main">
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          {workspace && <Link to={`/w/${workspace.id}`}>{workspace.name}</Link>}
          <span aria-hidden="true">/</span>
          {project ? <Link to={`/p/${project.id}`}>{project.name}</Link> : <span>Project</span>}
          <span aria-hidden="true">/</span>
          <span aria-current="page">{board.title}</span>
        </nav>
        <header className="page-header">
          <div className="page-heading">
            <h1 data-testid="board-title">
              {board.title}
              {!controls.edit && (
                <span className="badge" data-testid="read-only-badge">
                  View only
                </span>
              )}
              {board.archived && <span className="badge badge-muted">Archived</span>}
            </h1>
            {board.description ? (
              <p className="board-description" data-testid="board-description">
                {board.description}
              </p>
            ) : (
              <p className="board-description muted">No description.</p>
            )}
          </div>
        </header>

        <section className="shot-list" aria-labelledby="shots-heading">
          <div className="section-head">
            <h2 id="shots-heading" className="section-title">
              Shots
            </h2>
            <span className="muted">
              {shots.length} {shots.length === 1 ? 'shot' : 'shots'}
              {shots.length > 0 && ` · ${formatSeconds(total)}`}
            </span>
          </div>
          {shots.length === 0 ? (
            <EmptyState title="No shots yet" testId="shots-empty">
              {controls.edit
                ? 'The shot timeline editor is on its way. New shots will start at ' +
                  `${formatSeconds(board.defaultShotDuration)} in ${board.aspectRatio}.`
                : 'Shots will appear here as your team adds them.'}
            </EmptyState>
          ) : (
            <ol className="shots" data-testid="shots">
              {shots.map((s, i) => (
                <ShotRow key={s.id} shot={s} index={i} />
              ))}
            </ol>
          )}
        </section>
      </div>

      <aside className="inspector" aria-label="Board settings">
        {controls.edit ? (
          <BoardSettingsForm board={board} onSaved={onSaved} />
        ) : (
          <BoardSettingsReadOnly board={board} />
        )}
        {(controls.edit || controls.delete) && (
          <div className="inspector-section">
            <h3>Manage</h3>
            <ErrorBanner error={archive.error} onDismiss={archive.clearError} />
            {controls.edit && (
              <button
                type="button"
                className="btn btn-block"
                disabled={archive.pending}
                onClick={async () => {
                  const r = await archive.run();
                  if (r.ok) onSaved({ ...r.value, shots: r.value.shots ?? board.shots });
                }}
              >
                {board.archived ? 'Unarchive board' : 'Archive board'}
              </button>
            )}
            {controls.delete && (
              <button
                type="button"
                className="btn btn-block btn-danger-text"
                data-testid="delete-board"
                onClick={() => {
                  remove.clearError();
                  setConfirmDelete(true);
                }}
              >
                Delete board
              </button>
            )}
          </div>
        )}
        <div className="inspector-section inspector-meta muted">
          <div>Created {formatDate(board.createdAt)}</div>
          <div>Updated {formatDate(board.updatedAt)}</div>
        </div>
      </aside>

      {confirmDelete && (
        <ConfirmDialog
          title="Delete board"
          confirmLabel="Delete board"
          pending={remove.pending}
          error={remove.error}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={async () => {
            const r = await remove.run();
            if (r.ok) navigate(`/p/${board.projectId}`, { replace: true });
          }}
        >
          Delete <strong>{board.title}</strong> with all of its shots? This cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}

function ShotRow({ shot, index }: { shot: Shot; index: number }) {
  return (
    <li className="shot" data-testid="shot">
      <div className="shot-frame" style={{ aspectRatio: cssAspect(shot.aspectRatio) }}>
        <span>{index + 1}</span>
      </div>
      <div className="shot-body">
        <div className="shot-title">
          {shot.title || `Shot ${index + 1}`}
          <span className={`status status-${shot.status}`}>{shot.status.replace('_', ' ')}</span>
        </div>
        {shot.prompt && <div className="shot-prompt">{shot.prompt}</div>}
        {shot.notes && <div className="shot-notes muted">{shot.notes}</div>}
      </div>
      <div className="shot-meta muted">
        {formatSeconds(shot.duration)} · {shot.aspectRatio}
      </div>
    </li>
  );
}

function BoardSettingsReadOnly({ board }: { board: Board }) {
  return (
    <div className="inspector-section" data-testid="board-settings-readonly">
      <h3>Board settings</h3>
      <dl className="props">
        <dt>Aspect ratio</dt>
        <dd data-testid="board-aspect">{board.aspectRatio}</dd>
        <dt>Default shot duration</dt>
        <dd data-testid="board-duration">{formatSeconds(board.defaultShotDuration)}</dd>
      </dl>
      <p className="muted small">You can view this board. Ask an admin for edit access.</p>
    </div>
  );
}

function sameDraft(a: BoardDraft, b: BoardDraft): boolean {
  return (
    a.title === b.title &&
    a.description === b.description &&
    a.aspectRatio === b.aspectRatio &&
    Number(a.defaultShotDuration) === Number(b.defaultShotDuration)
  );
}

function BoardSettingsForm({ board, onSaved }: { board: Board; onSaved: (b: Board) => void }) {
  const { api } = useStore();
  const saved = draftFrom(board);
  const [draft, setDraft] = useState<BoardDraft>(saved);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [justSaved, setJustSaved] = useState(false);
  const save = useAction((patch: Parameters<typeof api.boards.update>[1]) =>
    api.boards.update(board.id, patch),
  );
  const serverErrors = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const dirty = !sameDraft(draft, saved);

  return (
    <form
      className="inspector-section"
      data-testid="board-settings-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const { input, errors } = validateDraft(draft);
        setClientErrors(errors);
        if (!input) return;
        const r = await save.run(input);
        if (r.ok) {
          // A PATCH answer may leave out shots; keep the ones we show.
          onSaved({ ...r.value, shots: r.value.shots ?? board.shots });
          setDraft(draftFrom(r.value));
          setJustSaved(true);
        }
      }}
    >
      <h3>Board settings</h3>
      <BoardFields
        draft={draft}
        onChange={(d) => {
          setJustSaved(false);
          setDraft(d);
        }}
        errors={{ ...serverErrors, ...clientErrors }}
      />
      <ErrorBanner error={save.error} />
      <div className="form-actions">
        {dirty && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDraft(saved);
              setClientErrors({});
              save.clearError();
            }}
          >
            Discard
          </button>
        )}
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="save-board"
          disabled={!dirty || save.pending}
        >
          {save.pending ? 'Saving…' : 'Save changes'}
        </button>
      </div>
      {justSaved && !dirty && (
        <div className="saved-note" role="status">
          Saved
        </div>
      )}
    </form>
  );
}
