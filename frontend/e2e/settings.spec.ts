import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { signUp } from './accounts';
import { expectAccessible } from './accessibility';

// Issue 13, the admin's side: the workspace settings page. An owner sets how
// long renders and exports are kept and how many run at once (a value out
// of bounds is explained by its field), sees both persist after a reload,
// tops up credits and reads the ledger, on a desktop and on a phone. An
// editor finds neither the page in the navigation nor the page itself.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** A full-page screenshot in the test's output, for review. */
async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}-${page.viewportSize()?.width}.png`), fullPage: true });
}

async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
}

test('an admin sets retention and concurrency and reads the credits; an editor does not see the settings', async ({ browser }, info) => {
  const editorEmail = `editor-${run}@e2e.shotline.test`;
  const editorCtx = await browser.newContext({ viewport: DESKTOP });
  const editor = await editorCtx.newPage();
  await signUp(editor, 'Eda Editor', editorEmail);

  const ownerCtx = await browser.newContext({ viewport: DESKTOP });
  const owner = await ownerCtx.newPage();
  await signUp(owner, 'Ola Owner', `owner-${run}@e2e.shotline.test`);
  await owner.getByLabel('Workspace name').fill(`Settings ${run}`);
  await owner.getByRole('button', { name: 'Create workspace' }).click();
  await expect(owner).toHaveURL(/\/w\/[^/]+$/);
  const workspaceId = new URL(owner.url()).pathname.split('/')[2]!;

  await owner.getByTestId('nav-members').click();
  await owner.getByLabel('Invite by email').fill(editorEmail);
  await owner.getByLabel('Role', { exact: true }).selectOption('editor');
  await owner.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(owner.getByTestId('member-row').filter({ hasText: editorEmail })).toBeVisible();

  const days = owner.getByLabel('Keep renders and exports for (days)');
  const atOnce = owner.getByLabel('Renders running at once');

  await test.step('the owner opens the settings from the navigation', async () => {
    await owner.getByTestId('nav-settings').click();
    await expect(owner).toHaveURL(`/w/${workspaceId}/settings`);
    await expect(owner.getByRole('heading', { name: 'Workspace settings' })).toBeVisible();
    await expect(days).toHaveValue('30');
    await expect(atOnce).toHaveValue('2');
    await expect(owner.getByTestId('credit-balance')).toHaveText('100'); // the welcome credits
    await expect(owner.getByTestId('ledger-entry')).toHaveCount(1);
    await expectAccessible(owner, 'the settings page at 1440×900');
    await shot(owner, info, 'settings');
  });

  await test.step('a value out of bounds is explained by its field and not saved', async () => {
    await days.fill('0');
    await owner.getByRole('button', { name: 'Save' }).click();
    await expect(days).toHaveAttribute('aria-invalid', 'true');
    await expect(owner.getByText('Enter a number from 1 to 3650.')).toBeVisible();
    await shot(owner, info, 'settings-invalid');
    await owner.reload();
    await expect(days).toHaveValue('30');
  });

  await test.step('retention and concurrency persist after a reload', async () => {
    await days.fill('14');
    await atOnce.fill('3');
    await owner.getByRole('button', { name: 'Save' }).click();
    await expect(owner.getByTestId('render-settings-saved')).toHaveText('Saved');
    await owner.reload();
    await expect(days).toHaveValue('14');
    await expect(atOnce).toHaveValue('3');
  });

  await test.step('a top-up shows in the balance and at the top of the ledger', async () => {
    await owner.getByLabel('Add credits').fill('50');
    await owner.getByRole('button', { name: 'Top up' }).click();
    await expect(owner.getByTestId('credit-balance')).toHaveText('150');
    await expect(owner.getByTestId('ledger-entry')).toHaveCount(2);
    await expect(owner.getByTestId('ledger-entry').first()).toContainText('+50');
    await owner.reload();
    await expect(owner.getByTestId('credit-balance')).toHaveText('150');
  });

  await test.step('on a phone the page fits and is reached through the menu', async () => {
    await owner.setViewportSize(PHONE);
    await owner.goto(`/w/${workspaceId}`);
    await owner.getByTestId('menu-toggle').click();
    await owner.getByTestId('nav-settings').click();
    await expect(days).toHaveValue('14');
    await expect(owner.getByTestId('credit-balance')).toBeVisible();
    await expectNoSidewaysScroll(owner);
    await expectAccessible(owner, 'the settings page at 390×844');
    await shot(owner, info, 'settings');
  });

  await test.step('an editor has no settings entry and the page refuses them', async () => {
    await editor.goto(`/w/${workspaceId}`);
    await expect(editor.getByTestId('nav-members')).toBeVisible();
    await expect(editor.getByTestId('nav-settings')).toHaveCount(0);
    await editor.goto(`/w/${workspaceId}/settings`);
    await expect(editor.getByText('Admins only')).toBeVisible();
    await expect(editor.getByLabel('Keep renders and exports for (days)')).toHaveCount(0);
    await expect(editor.getByTestId('credit-balance')).toHaveCount(0);
  });

  await ownerCtx.close();
  await editorCtx.close();
});
