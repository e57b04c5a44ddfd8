import { BoardFrames } from './BoardFrames';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, type Board, type Project, type Workspace } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Modal } from '../../components/Modal';
import { NameDialog } from '../../components/NameDialog';
import { EmptyState, Loading, PageHeader } from '../../components/States';
import { formatDate, formatSeconds } from '../../components/format';
import { LoadFailure } from '../../app/NotFound';
import { boardControls, can } from '../../state/permissions';
import { ExportMenu } from '../exports/ExportMenu';
import { ImportBundle } from '../exports/ImportBundle';
import { ShareDialog } from '../share/ShareDialog';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useResource } from '../../state/useResource';
import { BoardFields, draftFrom, validateDraft } from './BoardForm';

/** /p/:projectId — the boards of a project. */
export function ProjectPage() {
  const { projectId = '' } = useParams();
  const store = useStore();
  const { api, selectWorkspace } = store;
  const project = useResource(() => api.projects.get(projectId), [api, projectId]);
  const workspace = store.workspaceById(project.data?.workspaceId);

  useEffect(() => {
    if (project.data) selectWorkspace(project.data.workspaceId);
  }, [project.data, selectWorkspace]);

  if (project.error) return <LoadFailure error={project.error} what="project" />;
  if (!project.data) return <Loading />;
  return (
    <BoardsOfProject
      key={project.data.id}
      project={project.data}
      workspace={workspace}
      onProjectChange={(p) => project.setData(() => p)}
    />
  );
}

type Dialog = { kind: 'create' } | { kind: 'rename'; board: Board } | { kind: 'delete'; board: Board };

function BoardsOfProject({
  project,
  workspace,
  onProjectChange,
}: {
  project: Project;
  workspace: Workspace | null;
  onProjectChange: (p: Project) => void;
}) {
  const { api } = useStore();
  const navigate = useNavigate();
  const boards = useResource(() => api.boards.list(project.id), [api, project.id]);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [sharing, setSharing] = useState(false);
  const controls = boardControls(workspace);
  const rename = useAction((b: Board, title: string) => api.boards.update(b.id, { title }));
  const remove = useAction((b: Board) => api.boards.delete(b.id));
  const unarchive = useAction(() => api.projects.update(project.id, { archived: false }));

  function open(d: Dialog) {
    rename.clearError();
    remove.clearError();
    setDialog(d);
  }

  const list = boards.data?.filter((b) => !b.archived);
  const archived = boards.data?.filter((b) => b.archived) ?? [];
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        {workspace && <Link to={`/w/${workspace.id}`}>{workspace.name}</Link>}
        <span aria-hidden="true">/</span>
        <span aria-current="page">{project.name}</span>
      </nav>
      <PageHeader
        title={project.name}
        badge={project.archived && <span className="badge badge-muted">Archived</span>}
        subtitle="Boards"
        actions={
          <>
            {can(workspace, 'export:download') && <ExportMenu scope={{ kind: 'project', id: project.id }} />}
            {can(workspace, 'project:create') && <ImportBundle workspaceId={project.workspaceId} />}
            {can(workspace, 'link:manage') && (
              <button type="button" className="btn" data-testid="open-project-share" onClick={() => setSharing(true)}>
                Share
              </button>
            )}
            {controls.create && (
              <button
                type="button"
                className="btn btn-primary"
                data-testid="new-board"
                onClick={() => open({ kind: 'create' })}
              >
                New board
              </button>
            )}
          </>
        }
      />
      {project.archived && (
        <div className="notice">
          This project is archived.
          {workspace?.permissions.includes('project:update') && (
            <button
              type="button"
              className="btn btn-small"
              disabled={unarchive.pending}
              onClick={async () => {
                const r = await unarchive.run();
                if (r.ok) onProjectChange(r.value);
              }}
            >
              Unarchive
            </button>
          )}
          <ErrorBanner error={unarchive.error} />
        </div>
      )}

      {boards.error && !list ? (
        <ErrorBanner error={boards.error} />
      ) : !list ? (
        <Loading />
      ) : list.length === 0 && archived.length === 0 ? (
        <EmptyState
          title="No boards yet"
          action={
            controls.create && (
              <button type="button" className="btn btn-primary" onClick={() => open({ kind: 'create' })}>
                Create a board
              </button>
            )
          }
        >
          {controls.create
            ? 'A board is one storyboard: a timeline of shots with prompts, notes and renders.'
            : 'Nobody has created a board in this project yet.'}
        </EmptyState>
      ) : (
        <>
          <div className="board-grid" data-testid="board-list">
            {list.map((b) => (
              <BoardCard
                key={b.id}
                board={b}
                canRename={controls.edit}
                canDelete={controls.delete}
                onRename={() => open({ kind: 'rename', board: b })}
                onDelete={() => open({ kind: 'delete', board: b })}
              />
            ))}
          </div>
          {archived.length > 0 && (
            <>
              <h2 className="section-title">Archived boards</h2>
              <div className="board-grid">
                {archived.map((b) => (
                  <BoardCard
                    key={b.id}
                    board={b}
                    canRename={controls.edit}
                    canDelete={controls.delete}
                    onRename={() => open({ kind: 'rename', board: b })}
                    onDelete={() => open({ kind: 'delete', board: b })}
                  />
                ))}
              </div>
            </>
          )}
        </>
      )}

      {sharing && <ShareDialog scope={{ kind: 'project', id: project.id }} onClose={() => setSharing(false)} />}
      {dialog?.kind === 'create' && (
        <CreateBoardDialog
          projectId={project.id}
          onClose={() => setDialog(null)}
          onCreated={(b) => {
            setDialog(null);
            navigate(`/b/${b.id}`);
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <NameDialog
          title="Rename board"
          label="Board title"
          initial={dialog.board.title}
          submitLabel="Rename"
          pending={rename.pending}
          error={rename.error}
          onClose={() => setDialog(null)}
          onSubmit={async (title) => {
            const r = await rename.run(dialog.board, title);
            if (r.ok) {
              boards.setData((l) => l?.map((x) => (x.id === r.value.id ? r.value : x)));
              setDialog(null);
            }
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete board"
          confirmLabel="Delete board"
          pending={remove.pending}
          error={remove.error}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const r = await remove.run(dialog.board);
            if (r.ok) {
              boards.setData((l) => l?.filter((x) => x.id !== dialog.board.id));
              setDialog(null);
            }
          }}
        >
          Delete <strong>{dialog.board.title}</strong> with all of its shots? This cannot be
          undone.
        </ConfirmDialog>
      )}
    </div>
  );
}

/** CSS aspect-ratio value for a board's frame, e.g. "2.39:1" → "2.39 / 1". */
function BoardCard({
  board,
  canRename,
  canDelete,
  onRename,
  onDelete,
}: {
  board: Board;
  canRename: boolean;
  canDelete: boolean;
  onRename: () => void;
  onDelete: () => void;
}) {
  const shots = board.shotCount ?? board.shots?.length ?? 0;
  return (
    <div className="board-card" data-testid="board-card">
      <Link to={`/b/${board.id}`} className="board-card-link">
        <BoardFrames board={board} />
        <div className="board-card-title" title={board.title}>
          {board.title}
        </div>
      </Link>
      <div className="board-card-meta">
        <span data-testid="board-card-shots">
          {shots} {shots === 1 ? 'shot' : 'shots'} · {formatSeconds(board.defaultShotDuration)} default
        </span>
        <span>{formatDate(board.updatedAt)}</span>
      </div>
      {(canRename || canDelete) && (
        <div className="board-card-actions">
          {canRename && (
            <button
              type="button"
              className="btn btn-small btn-ghost"
              aria-label={`Rename ${board.title}`}
              onClick={onRename}
            >
              Rename
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              className="btn btn-small btn-ghost btn-danger-text"
              aria-label={`Delete ${board.title}`}
              onClick={onDelete}
            >
              Delete
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function CreateBoardDialog({
  projectId,
  onClose,
  onCreated,
}: {
  projectId: string;
  onClose: () => void;
  onCreated: (b: Board) => void;
}) {
  const { api } = useStore();
  const [draft, setDraft] = useState(draftFrom());
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const create = useAction((input: Parameters<typeof api.boards.create>[1]) =>
    api.boards.create(projectId, input),
  );
  const serverErrors = create.error instanceof ApiError ? create.error.fieldErrors() : {};

  return (
    <Modal title="New board" onClose={onClose} testId="create-board-dialog">
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const { input, errors } = validateDraft(draft);
          setClientErrors(errors);
          if (!input) return;
          const r = await create.run(input);
          if (r.ok) onCreated(r.value);
        }}
      >
        <div className="modal-body">
          <BoardFields draft={draft} onChange={setDraft} errors={{ ...serverErrors, ...clientErrors }} />
          <ErrorBanner error={create.error} />
        </div>
        <div className="modal-footer">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={create.pending}>
            {create.pending ? 'Creating…' : 'Create board'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
