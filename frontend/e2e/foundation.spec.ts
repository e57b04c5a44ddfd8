import { expect, test } from '@playwright/test';
import { signUp } from './accounts';

// One run of the foundation flow against a real server: an owner builds a
// workspace → project → board and invites an email that has no account; that
// person signs up in a separate browser context, sees the board read-only,
// and the server refuses the edit they force through the API.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const ownerEmail = `owner-${run}@e2e.shotline.test`;
const viewerEmail = `viewer-${run}@e2e.shotline.test`;
const workspaceName = `Studio ${run}`;
const projectName = `Launch film ${run}`;
const boardTitle = `Opening sequence ${run}`;

test('an invited viewer sees a board read-only and the server refuses their edit', async ({
  browser,
}) => {
  const ownerContext = await browser.newContext();
  const viewerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  const viewer = await viewerContext.newPage();
  let boardId = '';

  await test.step('owner signs up and creates a workspace, project and board', async () => {
    await signUp(owner, 'Ann Owner', ownerEmail);

    await owner.getByLabel('Workspace name').fill(workspaceName);
    await owner.getByRole('button', { name: 'Create workspace' }).click();
    await expect(owner).toHaveURL(/\/w\/[^/]+$/);
    await expect(owner.getByTestId('workspace-switcher')).toContainText(workspaceName);

    await owner.getByTestId('new-project').click();
    await owner.getByLabel('Project name').fill(projectName);
    await owner.getByRole('button', { name: 'Create project' }).click();
    await owner.getByRole('link', { name: projectName }).click();
    await expect(owner).toHaveURL(/\/p\/[^/]+$/);

    await owner.getByTestId('new-board').click();
    const dialog = owner.getByTestId('create-board-dialog');
    await dialog.getByTestId('board-title-input').fill(boardTitle);
    await dialog.getByTestId('board-description-input').fill('Dawn over the harbour.');
    await dialog.getByTestId('board-aspect-input').selectOption('2.39:1');
    await dialog.getByTestId('board-duration-input').fill('2.5');
    await dialog.getByRole('button', { name: 'Create board' }).click();

    await expect(owner).toHaveURL(/\/b\/[^/]+$/);
    boardId = decodeURIComponent(new URL(owner.url()).pathname.split('/').pop() ?? '');
    expect(boardId).not.toBe('');
    await expect(owner.getByTestId('board-title')).toContainText(boardTitle);
    await expect(owner.getByTestId('board-title-input')).toHaveValue(boardTitle);
    await expect(owner.getByTestId('board-aspect-input')).toHaveValue('2.39:1');
    await expect(owner.getByTestId('board-duration-input')).toHaveValue('2.5');
    await expect(owner.getByTestId('shots-empty')).toBeVisible();
  });

  await test.step('owner invites the viewer email, which has no account yet', async () => {
    await owner.getByTestId('nav-members').click();
    await owner.getByLabel('Invite by email').fill(viewerEmail);
    await owner.getByLabel('Role', { exact: true }).selectOption('viewer');
    await owner.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(owner.getByTestId('member-notice')).toContainText('has no account yet');
    await expect(owner.getByTestId('invite-row').filter({ hasText: viewerEmail })).toContainText(
      'Viewer',
    );
  });

  await test.step('viewer signs up in another browser and finds the board', async () => {
    await signUp(viewer, 'Vic Viewer', viewerEmail);
    // The invite became a membership: the only workspace opens.
    await expect(viewer.getByTestId('workspace-switcher')).toContainText(workspaceName);
    await expect(viewer.getByTestId('new-project')).toHaveCount(0);
    await viewer.getByRole('link', { name: projectName }).click();
    await expect(viewer.getByTestId('board-card')).toHaveCount(1);
    await expect(viewer.getByTestId('new-board')).toHaveCount(0);
    await viewer.getByRole('link', { name: boardTitle }).click();
    await expect(viewer).toHaveURL(new RegExp(`/b/${boardId}$`));
  });

  await test.step('viewer sees the board read-only', async () => {
    await expect(viewer.getByTestId('board-title')).toContainText(boardTitle);
    await expect(viewer.getByTestId('read-only-badge')).toBeVisible();
    await expect(viewer.getByTestId('board-description')).toHaveText('Dawn over the harbour.');
    await expect(viewer.getByTestId('board-aspect')).toHaveText('2.39:1');
    await expect(viewer.getByTestId('board-duration')).toHaveText('2.5s');
    await expect(viewer.getByTestId('board-title-input')).toHaveCount(0);
    await expect(viewer.getByTestId('save-board')).toHaveCount(0);
    await expect(viewer.getByTestId('delete-board')).toHaveCount(0);
    await expect(viewer.getByRole('textbox')).toHaveCount(0);
  });

  await test.step('an edit forced through the API is refused with EFORBIDDEN', async () => {
    const result = await viewer.evaluate(async (id) => {
      const cookie = document.cookie.split('; ').find((c) => c.startsWith('shotline_csrf='));
      const token = cookie ? decodeURIComponent(cookie.slice('shotline_csrf='.length)) : '';
      const res = await fetch(`/api/boards/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ title: 'Hijacked by a viewer' }),
      });
      return { hasToken: token !== '', status: res.status, body: await res.json() };
    }, boardId);
    expect(result.hasToken).toBe(true);
    expect(result.status).toBe(403);
    expect(result.body.code).toBe('EFORBIDDEN');
    expect(typeof result.body.message).toBe('string');
  });

  await test.step('the owner still sees the original title after a reload', async () => {
    await owner.goto(`/b/${boardId}`);
    await owner.reload();
    await expect(owner.getByTestId('board-title-input')).toHaveValue(boardTitle);
    await expect(owner.getByTestId('board-title')).toContainText(boardTitle);
    await expect(owner.getByTestId('board-title')).not.toContainText('Hijacked');
  });

  await ownerContext.close();
  await viewerContext.close();
});
