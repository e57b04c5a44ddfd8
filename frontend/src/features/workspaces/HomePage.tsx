import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { Loading } from '../../components/States';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';

/**
 * "/": opens the last workspace used, or the first; with none, asks for a
 * first workspace.
 */
export function HomePage() {
  const store = useStore();
  const { workspacesStatus, workspacesError } = store.state;
  if (workspacesStatus === 'idle' || workspacesStatus === 'loading') return <Loading />;
  if (workspacesStatus === 'error') {
    return (
      <div className="page">
        <ErrorBanner error={workspacesError} />
        <button type="button" className="btn" onClick={() => void store.reloadWorkspaces()}>
          Try again
        </button>
      </div>
    );
  }
  const id = store.preferredWorkspaceId();
  if (id) return <Navigate to={`/w/${id}`} replace />;
  return <FirstWorkspace />;
}

function FirstWorkspace() {
  const { createWorkspace, state } = useStore();
  const navigate = useNavigate();
  const [name, setName] = useState(state.user ? `${state.user.name}'s workspace` : '');
  const create = useAction(createWorkspace);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create.run(name.trim());
    if (r.ok) navigate(`/w/${r.value.id}`, { replace: true });
  }

  return (
    <div className="page page-narrow">
      <div className="welcome">
        <h1>Create your first workspace</h1>
        <p className="muted">
          A workspace holds your team's projects and boards. You can invite people once it
          exists. If someone invited you, ask them to use the email you signed up with.
        </p>
        <form onSubmit={submit} className="form" data-testid="first-workspace-form">
          <Field label="Workspace name">
            <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <ErrorBanner error={create.error} />
          <button type="submit" className="btn btn-primary" disabled={create.pending || !name.trim()}>
            {create.pending ? 'Creating…' : 'Create workspace'}
          </button>
        </form>
      </div>
    </div>
  );
}
