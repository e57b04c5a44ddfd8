import { expect, test } from '@playwright/test';
import { signUp } from './accounts';

// The everyday management screens against the real server: renaming,
// archiving and deleting projects and boards, adding an existing account as
// a member, changing its role and removing it, the last owner being refused
// when leaving, and the profile forms.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

test('projects, boards, members and profile can be managed', async ({ browser }) => {
  const memberEmail = `member-${run}@e2e.shotline.test`;
  const ownerEmail = `admin-${run}@e2e.shotline.test`;

  // The member needs an account first, so adding them makes a membership.
  const memberContext = await browser.newContext();
  await signUp(await memberContext.newPage(), 'Mo Member', memberEmail);
  await memberContext.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, 'Ola Owner', ownerEmail);
  await page.getByLabel('Workspace name').fill(`Ops ${run}`);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);

  await test.step('rename, archive and delete projects', async () => {
    for (const name of ['Alpha', 'Beta']) {
      await page.getByTestId('new-project').click();
      await page.getByLabel('Project name').fill(name);
      await page.getByRole('button', { name: 'Create project' }).click();
      await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
    }
    await page.getByRole('button', { name: 'Rename Alpha' }).click();
    await page.getByLabel('Project name').fill('Alpha prime');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect(page.getByRole('link', { name: 'Alpha prime' })).toBeVisible();

    await page.getByRole('button', { name: 'Archive Beta' }).click();
    await expect(page.getByRole('link', { name: 'Beta', exact: true })).toHaveCount(0);
    await page.getByLabel('Show archived').check();
    await expect(page.getByTestId('project-row').filter({ hasText: 'Beta' })).toContainText('Archived');
    await page.getByRole('button', { name: 'Delete Beta' }).click();
    await page.getByTestId('confirm-button').click();
    await expect(page.getByRole('link', { name: 'Beta', exact: true })).toHaveCount(0);
    await expect(page.getByTestId('project-row')).toHaveCount(1);
  });

  await test.step('create, rename and delete boards; invalid input is explained', async () => {
    await page.getByRole('link', { name: 'Alpha prime' }).click();
    await expect(page.getByTestId('empty-state')).toContainText('No boards yet');
    await page.getByTestId('new-board').click();
    await page.getByTestId('board-title-input').fill('Storyboard one');
    await page.getByRole('button', { name: 'Create board' }).click();
    await expect(page).toHaveURL(/\/b\/[^/]+$/);

    await page.getByTestId('board-duration-input').fill('75');
    await page.getByTestId('save-board').click();
    await expect(page.getByText('Between 0.5 and 60 seconds.')).toBeVisible();
    await page.getByTestId('board-duration-input').fill('6');
    await page.getByTestId('save-board').click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('board-duration-input')).toHaveValue('6');

    await page.getByRole('link', { name: 'Alpha prime' }).click();
    await page.getByRole('button', { name: 'Rename Storyboard one' }).click();
    await page.getByLabel('Board title').fill('Storyboard uno');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect(page.getByTestId('board-card')).toContainText('Storyboard uno');
    await page.getByRole('button', { name: 'Delete Storyboard uno' }).click();
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('board-card')).toHaveCount(0);
  });

  await test.step('add an existing account as a member and remove it', async () => {
    await page.getByTestId('nav-members').click();
    await page.getByLabel('Invite by email').fill(memberEmail);
    await page.getByLabel('Role', { exact: true }).selectOption('commenter');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(page.getByTestId('member-notice')).toContainText('was added as Commenter');
    await expect(page.getByLabel(`Role of ${memberEmail}`)).toHaveValue('commenter');
    await page.getByRole('button', { name: `Remove ${memberEmail}` }).click();
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('member-row')).toHaveCount(1);
  });

  await test.step('the last owner cannot leave, and is told why', async () => {
    await page.getByTestId('leave-workspace').click();
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('confirm-dialog').getByRole('alert')).not.toBeEmpty();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('profile: rename, refuse a wrong current password, sign out', async () => {
    await page.getByTestId('nav-profile').click();
    await page.getByTestId('profile-form').getByLabel('Name').fill('Ola Owner-Smith');
    await page.getByTestId('profile-form').getByRole('button', { name: 'Save' }).click();
    await expect(page.getByTestId('current-user-name')).toHaveText('Ola Owner-Smith');

    const pw = page.getByTestId('password-form');
    await pw.getByLabel('Current password').fill('not my password at all');
    await pw.getByLabel('New password', { exact: true }).fill('another long passphrase');
    await pw.getByLabel('Confirm new password').fill('another long passphrase');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await expect(pw.getByRole('alert')).not.toBeEmpty();
    // A wrong password must not end the session.
    await expect(page.getByTestId('current-user-name')).toHaveText('Ola Owner-Smith');

    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/signin$/);
    await page.goto('/me');
    await expect(page).toHaveURL(/\/signin\?next=%2Fme$/);
  });

  await context.close();
});

test("an owner changes a member's role", async ({ browser }) => {
  const memberEmail = `role-${run}@e2e.shotline.test`;
  const memberContext = await browser.newContext();
  await signUp(await memberContext.newPage(), 'Rae Role', memberEmail);
  await memberContext.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, 'Otto Owner', `role-owner-${run}@e2e.shotline.test`);
  await page.getByLabel('Workspace name').fill(`Roles ${run}`);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByTestId('nav-members').click();
  await page.getByLabel('Invite by email').fill(memberEmail);
  await page.getByLabel('Role', { exact: true }).selectOption('commenter');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();

  const role = page.getByLabel(`Role of ${memberEmail}`);
  await expect(role).toHaveValue('commenter');
  await role.selectOption('editor');
  await expect(page.getByTestId('member-notice')).toContainText('is now Editor');
  await page.reload();
  await expect(page.getByLabel(`Role of ${memberEmail}`)).toHaveValue('editor');

  // Demoting the last owner is refused with the server's explanation.
  await page.getByLabel(/^Role of role-owner-/).selectOption('admin');
  await expect(page.getByRole('alert')).toContainText(/owner/i);
  await expect(page.getByLabel(/^Role of role-owner-/)).toHaveValue('owner');
  await context.close();
});
