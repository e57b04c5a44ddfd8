import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { NameDialog } from '../../components/NameDialog';
import { formatRole } from '../../components/format';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';

/** The sidebar's workspace picker, with "Create workspace" at the bottom. */
export function WorkspaceSwitcher() {
  const { state, currentWorkspace, createWorkspace } = useStore();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const create = useAction(createWorkspace);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="ws-switcher" ref={root}>
      <button
        type="button"
        className="ws-current"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="workspace-switcher"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="ws-avatar" aria-hidden="true">
          {(currentWorkspace?.name ?? '?').charAt(0).toUpperCase()}
        </span>
        <span className="ws-name">{currentWorkspace?.name ?? 'Choose a workspace'}</span>
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div className="menu ws-menu" role="menu">
          {state.workspaces.length === 0 && <div className="menu-note">No workspaces yet</div>}
          {state.workspaces.map((w) => (
            <button
              key={w.id}
              type="button"
              role="menuitemradio"
              aria-checked={w.id === currentWorkspace?.id}
              className="menu-item"
              onClick={() => {
                setOpen(false);
                navigate(`/w/${w.id}`);
              }}
            >
              <span className="ws-avatar ws-avatar-small" aria-hidden="true">
                {w.name.charAt(0).toUpperCase()}
              </span>
              <span className="menu-label">{w.name}</span>
              <span className="menu-meta">{formatRole(w.role)}</span>
            </button>
          ))}
          <div className="menu-sep" />
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            data-testid="create-workspace"
            onClick={() => {
              setOpen(false);
              create.clearError();
              setCreating(true);
            }}
          >
            + Create workspace
          </button>
        </div>
      )}
      {creating && (
        <CreateWorkspaceDialog
          pending={create.pending}
          error={create.error}
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const r = await create.run(name);
            if (r.ok) {
              setCreating(false);
              navigate(`/w/${r.value.id}`);
            }
          }}
        />
      )}
    </div>
  );
}

export function CreateWorkspaceDialog(props: {
  pending: boolean;
  error: unknown;
  onClose: () => void;
  onSubmit: (name: string) => void;
}) {
  return (
    <NameDialog
      title="Create workspace"
      label="Workspace name"
      maxLength={100}
      submitLabel="Create workspace"
      testId="create-workspace-dialog"
      {...props}
    />
  );
}
