import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Project } from '../../api/client';
import { OWNER_PERMISSIONS, VIEWER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

const project: Project = {
  id: 'p1',
  workspaceId: 'ws1',
  name: 'Launch film',
  archived: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const routes = { 'GET /api/workspaces/ws1/projects': { status: 200, body: { projects: [project] } } };

describe('projects page', () => {
  it('hides create, rename, archive and delete from a viewer', async () => {
    renderApp('/w/ws1', { workspaces: [workspace(VIEWER_PERMISSIONS)], routes });
    expect(await screen.findByRole('link', { name: 'Launch film' })).toHaveAttribute('href', '/p/p1');
    expect(screen.queryByTestId('new-project')).toBeNull();
    expect(screen.queryByRole('button', { name: /Rename|Archive|Delete/ })).toBeNull();
  });

  it('shows an empty state that does not invite a viewer to create', async () => {
    renderApp('/w/ws1', {
      workspaces: [workspace(VIEWER_PERMISSIONS)],
      routes: { 'GET /api/workspaces/ws1/projects': { status: 200, body: { projects: [] } } },
    });
    expect(await screen.findByTestId('empty-state')).toHaveTextContent('Nobody has created a project');
    expect(screen.queryByRole('button', { name: 'Create a project' })).toBeNull();
  });

  it('lets an owner create a project and archive one', async () => {
    const { seen } = renderApp('/w/ws1', {
      workspaces: [workspace(OWNER_PERMISSIONS, { role: 'owner' })],
      routes: {
        ...routes,
        'POST /api/workspaces/ws1/projects': {
          status: 201,
          body: { ...project, id: 'p2', name: 'Teaser' },
        },
        'PATCH /api/projects/p1': { status: 200, body: { ...project, archived: true } },
      },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('new-project'));
    await user.type(screen.getByLabelText('Project name'), 'Teaser');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(await screen.findByRole('link', { name: 'Teaser' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Archive Launch film' }));
    // Archived projects leave the default list.
    await screen.findByTestId('project-list');
    expect(screen.queryByRole('link', { name: 'Launch film' })).toBeNull();
    expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ archived: true });
  });

  it('reports a workspace the user does not belong to as not found', async () => {
    renderApp('/w/other', { workspaces: [workspace(OWNER_PERMISSIONS)], routes });
    expect(await screen.findByTestId('not-found')).toHaveTextContent('This workspace was not found');
  });
});
