import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Project, Workspace } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { NameDialog } from '../../components/NameDialog';
import { EmptyState, Loading, PageHeader } from '../../components/States';
import { formatDate, formatRole } from '../../components/format';
import { projectControls, workspaceControls } from '../../state/permissions';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useResource } from '../../state/useResource';
import { WorkspaceRoute } from './WorkspaceRoute';

/** /w/:workspaceId — the projects of a workspace. */
export function ProjectsPage() {
  return <WorkspaceRoute render={(workspace) => <ProjectsOfWorkspace key={workspace.id} workspace={workspace} />} />;
}

type Dialog =
  | { kind: 'create' }
  | { kind: 'rename'; project: Project }
  | { kind: 'delete'; project: Project }
  | { kind: 'renameWorkspace' }
  | { kind: 'deleteWorkspace' };

function ProjectsOfWorkspace({ workspace }: { workspace: Workspace }) {
  const store = useStore();
  const { api } = store;
  const navigate = useNavigate();
  const [showArchived, setShowArchived] = useState(false);
  const projects = useResource(
    () => api.projects.list(workspace.id, { archived: showArchived }),
    [api, workspace.id, showArchived],
  );
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const controls = projectControls(workspace);
  const wsControls = workspaceControls(workspace);

  const create = useAction((name: string) => api.projects.create(workspace.id, name));
  const rename = useAction((p: Project, name: string) => api.projects.update(p.id, { name }));
  const archive = useAction((p: Project) => api.projects.update(p.id, { archived: !p.archived }));
  const remove = useAction((p: Project) => api.projects.delete(p.id));
  const renameWs = useAction((name: string) => store.renameWorkspace(workspace.id, name));
  const deleteWs = useAction(() => store.deleteWorkspace(workspace.id));

  function replace(p: Project) {
    projects.setData((list) => {
      if (!list) return list;
      if (p.archived && !showArchived) return list.filter((x) => x.id !== p.id);
      return list.map((x) => (x.id === p.id ? p : x));
    });
  }

  function open(d: Dialog) {
    for (const a of [create, rename, remove, renameWs, deleteWs]) a.clearError();
    setDialog(d);
  }

  const list = projects.data;
  return (
    <div className="page">
      <PageHeader
        title={workspace.name}
        badge={<span className="badge">{formatRole(workspace.role)}</span>}
        subtitle="Projects"
        actions={
          <>
            {wsControls.rename && (
              <button type="button" className="btn btn-ghost" onClick={() => open({ kind: 'renameWorkspace' })}>
                Rename workspace
              </button>
            )}
            {wsControls.delete && (
              <button
                type="button"
                className="btn btn-ghost btn-danger-text"
                onClick={() => open({ kind: 'deleteWorkspace' })}
              >
                Delete workspace
              </button>
            )}
            {controls.create && (
              <button
                type="button"
                className="btn btn-primary"
                data-testid="new-project"
                onClick={() => open({ kind: 'create' })}
              >
                New project
              </button>
            )}
          </>
        }
      />

      <div className="toolbar">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showArchived}
            onChange={(e) => setShowArchived(e.target.checked)}
          />
          Show archived
        </label>
      </div>

      <ErrorBanner error={archive.error} onDismiss={archive.clearError} />
      {projects.error && !list ? (
        <ErrorBanner error={projects.error} />
      ) : !list ? (
        <Loading />
      ) : list.length === 0 ? (
        <EmptyState
          title={showArchived ? 'No projects' : 'No projects yet'}
          action={
            controls.create && (
              <button type="button" className="btn btn-primary" onClick={() => open({ kind: 'create' })}>
                Create a project
              </button>
            )
          }
        >
          {controls.create
            ? 'Projects group the boards of one film, campaign or client.'
            : 'Nobody has created a project in this workspace yet.'}
        </EmptyState>
      ) : (
        <table className="table" data-testid="project-list">
          <thead>
            <tr>
              <th>Name</th>
              <th className="col-date">Updated</th>
              <th className="col-actions">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id} data-testid="project-row">
                <td>
                  <Link to={`/p/${p.id}`} className="row-link">
                    {p.name}
                  </Link>
                  {p.archived && <span className="badge badge-muted">Archived</span>}
                </td>
                <td className="col-date muted">{formatDate(p.updatedAt)}</td>
                <td className="col-actions">
                  {controls.rename && (
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      aria-label={`Rename ${p.name}`}
                      onClick={() => open({ kind: 'rename', project: p })}
                    >
                      Rename
                    </button>
                  )}
                  {controls.archive && (
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      aria-label={`${p.archived ? 'Unarchive' : 'Archive'} ${p.name}`}
                      disabled={archive.pending}
                      onClick={async () => {
                        const r = await archive.run(p);
                        if (r.ok) replace(r.value);
                      }}
                    >
                      {p.archived ? 'Unarchive' : 'Archive'}
                    </button>
                  )}
                  {controls.delete && (
                    <button
                      type="button"
                      className="btn btn-small btn-ghost btn-danger-text"
                      aria-label={`Delete ${p.name}`}
                      onClick={() => open({ kind: 'delete', project: p })}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {dialog?.kind === 'create' && (
        <NameDialog
          title="New project"
          label="Project name"
          submitLabel="Create project"
          testId="create-project-dialog"
          pending={create.pending}
          error={create.error}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const r = await create.run(name);
            if (r.ok) {
              projects.setData((l) => [r.value, ...(l ?? [])]);
              setDialog(null);
            }
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <NameDialog
          title="Rename project"
          label="Project name"
          initial={dialog.project.name}
          submitLabel="Rename"
          pending={rename.pending}
          error={rename.error}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const r = await rename.run(dialog.project, name);
            if (r.ok) {
              replace(r.value);
              setDialog(null);
            }
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete project"
          confirmLabel="Delete project"
          pending={remove.pending}
          error={remove.error}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const r = await remove.run(dialog.project);
            if (r.ok) {
              projects.setData((l) => l?.filter((x) => x.id !== dialog.project.id));
              setDialog(null);
            }
          }}
        >
          Delete <strong>{dialog.project.name}</strong> and all of its boards? This cannot be
          undone. Archive it instead to hide it and keep its work.
        </ConfirmDialog>
      )}
      {dialog?.kind === 'renameWorkspace' && (
        <NameDialog
          title="Rename workspace"
          label="Workspace name"
          maxLength={100}
          initial={workspace.name}
          submitLabel="Rename"
          pending={renameWs.pending}
          error={renameWs.error}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const r = await renameWs.run(name);
            if (r.ok) setDialog(null);
          }}
        />
      )}
      {dialog?.kind === 'deleteWorkspace' && (
        <ConfirmDialog
          title="Delete workspace"
          confirmLabel="Delete workspace"
          pending={deleteWs.pending}
          error={deleteWs.error}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const r = await deleteWs.run();
            if (r.ok) {
              setDialog(null);
              navigate('/', { replace: true });
            }
          }}
        >
          Delete <strong>{workspace.name}</strong> with all its projects, boards and members?
          This cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}
