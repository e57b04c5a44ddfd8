import { useEffect, type ReactNode } from 'react';
import { useParams } from 'react-router';
import type { Workspace } from '../../api/client';
import { NotFound } from '../../app/NotFound';
import { Loading } from '../../components/States';
import { useStore } from '../../state/store';

/**
 * A page under /w/:workspaceId: finds the workspace, makes it the current
 * one, and renders the page for it (or loading / not found).
 */
export function WorkspaceRoute({ render }: { render: (workspace: Workspace) => ReactNode }) {
  const { workspaceId = '' } = useParams();
  const store = useStore();
  const workspace = store.workspaceById(workspaceId);
  const { selectWorkspace } = store;

  useEffect(() => {
    if (workspace) selectWorkspace(workspace.id);
  }, [workspace, selectWorkspace]);

  if (!workspace) {
    if (store.state.workspacesStatus !== 'ready') return <Loading />;
    return <NotFound what="workspace" />;
  }
  return <>{render(workspace)}</>;
}
