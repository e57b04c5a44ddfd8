import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { signUp } from './accounts';

// Two people on one board, each in their own browser context, against the
// real server: shots added and reordered in one show up in the other, both
// typing into one prompt at once lose no keystroke, comments arrive live,
// and edits made offline reach the other person once back online.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const ownerEmail = `collab-owner-${run}@e2e.shotline.test`;
const editorEmail = `collab-editor-${run}@e2e.shotline.test`;

/** A context whose pages expose window.__shotlineSync (see state/useLiveBoard.ts). */
async function contextWithHooks(browser: import('@playwright/test').Browser): Promise<BrowserContext> {
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => {
    (window as Window & { __shotlineTestHooks?: boolean }).__shotlineTestHooks = true;
  });
  return ctx;
}

/** Whether needle's characters all appear in hay, in order. */
function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (const ch of hay) if (i < needle.length && ch === needle[i]) i++;
  return i === needle.length;
}

const titles = (page: Page) => page.getByTestId('shot-card-title');
const badge = (page: Page) => page.getByTestId('connection-badge');

async function selectShot(page: Page, title: string) {
  await page.getByTestId('shot-card').filter({ has: page.getByTestId('shot-card-title').getByText(title, { exact: true }) }).click();
  await expect(page.getByTestId('shot-title-input')).toHaveValue(title);
}

test('two people edit one board live', async ({ browser }) => {
  const ownerCtx = await contextWithHooks(browser);
  const editorCtx = await contextWithHooks(browser);
  const owner = await ownerCtx.newPage();
  const editor = await editorCtx.newPage();
  let boardUrl = '';

  await test.step('owner creates a board and invites an editor, who opens it', async () => {
    await signUp(owner, 'Olu Owner', ownerEmail);
    await owner.getByLabel('Workspace name').fill(`Collab ${run}`);
    await owner.getByRole('button', { name: 'Create workspace' }).click();
    await expect(owner).toHaveURL(/\/w\/[^/]+$/);
    await owner.getByTestId('new-project').click();
    await owner.getByLabel('Project name').fill('Spot');
    await owner.getByRole('button', { name: 'Create project' }).click();
    await owner.getByRole('link', { name: 'Spot' }).click();
    await owner.getByTestId('new-board').click();
    await owner.getByTestId('create-board-dialog').getByTestId('board-title-input').fill('Harbour at dawn');
    await owner.getByRole('button', { name: 'Create board' }).click();
    await expect(owner).toHaveURL(/\/b\/[^/]+$/);
    boardUrl = new URL(owner.url()).pathname;

    await owner.getByTestId('nav-members').click();
    await owner.getByLabel('Invite by email').fill(editorEmail);
    await owner.getByLabel('Role', { exact: true }).selectOption('editor');
    await owner.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(owner.getByTestId('member-notice')).toContainText('has no account yet');

    await signUp(editor, 'Eda Editor', editorEmail);
    await editor.goto(boardUrl);
    await owner.goto(boardUrl);
    await expect(badge(owner)).toHaveAttribute('data-status', 'connected');
    await expect(badge(editor)).toHaveAttribute('data-status', 'connected');
    // Both see both.
    await expect(owner.getByTestId('peer-avatar')).toHaveCount(2);
    await expect(editor.getByTestId('peer-avatar')).toHaveCount(2);
  });

  await test.step('(a) shots added and reordered by the owner appear, in order, for the editor', async () => {
    for (const title of ['Alpha', 'Bravo', 'Charlie']) {
      await owner.getByTestId('add-shot').click();
      const input = owner.getByTestId('shot-title-input');
      await input.fill(title);
      await input.press('Enter');
    }
    await expect(titles(owner)).toHaveText(['Alpha', 'Bravo', 'Charlie']);
    await expect(titles(editor)).toHaveText(['Alpha', 'Bravo', 'Charlie'], { timeout: 1000 });

    // Drag Charlie onto the left half of Alpha: it becomes the first shot.
    const cards = owner.getByTestId('shot-card');
    await cards.nth(2).dragTo(cards.nth(0), { targetPosition: { x: 4, y: 40 } });
    await expect(titles(owner)).toHaveText(['Charlie', 'Alpha', 'Bravo']);
    await expect(titles(editor)).toHaveText(['Charlie', 'Alpha', 'Bravo'], { timeout: 1000 });
  });

  await test.step('presence: the editor sees which shot the owner has selected', async () => {
    await selectShot(owner, 'Alpha');
    const alphaForEditor = editor.getByTestId('shot-card').nth(1);
    await expect(alphaForEditor.getByTestId('shot-peer')).toHaveAttribute('title', 'Olu Owner is here');
  });

  await test.step('(b) both type into the same prompt at once and no keystroke is lost', async () => {
    await selectShot(editor, 'Alpha');
    const ownerPrompt = owner.getByTestId('shot-prompt');
    const editorPrompt = editor.getByTestId('shot-prompt');
    await ownerPrompt.click();
    await editorPrompt.click();
    const ownerText = 'wide shot of the harbour, fog lifting';
    const editorText = 'GULLS CIRCLE THE MASTS';
    await Promise.all([owner.keyboard.type(ownerText, { delay: 15 }), editor.keyboard.type(editorText, { delay: 15 })]);

    await expect
      .poll(
        async () => {
          const [a, b] = await Promise.all([ownerPrompt.inputValue(), editorPrompt.inputValue()]);
          return a === b && isSubsequence(ownerText, a) && isSubsequence(editorText, a) && a.length === ownerText.length + editorText.length;
        },
        { timeout: 5000 },
      )
      .toBe(true);
    await expect(badge(owner)).toHaveText('Connected');
    await expect(badge(editor)).toHaveText('Connected');
  });

  await test.step('(c) a comment added by one appears live for the other', async () => {
    await owner.getByTestId('new-comment-input').fill('Fog is too thick before 0:02');
    await owner.getByTestId('add-comment').click();
    const thread = editor.getByTestId('comment-thread');
    await expect(thread.getByTestId('comment-body')).toHaveText('Fog is too thick before 0:02', { timeout: 1000 });
    await expect(thread.getByTestId('comment-author')).toHaveText('Olu Owner');

    // The editor replies and resolves; the owner sees both.
    await thread.getByTestId('reply-comment').click();
    await editor.getByTestId('reply-input').fill('Thinned it out');
    await editor.getByTestId('send-reply').click();
    await thread.getByTestId('resolve-comment').click();
    const ownerThread = owner.getByTestId('comment-thread');
    await expect(ownerThread.getByTestId('comment-body')).toHaveText(['Fog is too thick before 0:02', 'Thinned it out'], {
      timeout: 1000,
    });
    await expect(ownerThread.getByTestId('reopen-comment')).toBeVisible({ timeout: 1000 });
  });

  await test.step('(d) edits made offline reach the other person once back online', async () => {
    await editorCtx.setOffline(true);
    // Chromium fires "offline", which drops the socket; should a socket
    // survive, cut it through the test hook.
    await editor.evaluate(() => {
      if (navigator.onLine) window.__shotlineSync?.disconnect();
    });
    await expect(badge(editor)).toHaveAttribute('data-status', /offline|reconnecting/);

    await selectShot(editor, 'Bravo');
    const title = editor.getByTestId('shot-title-input');
    await title.fill('Bravo, rewritten offline');
    await title.press('Enter');
    await editor.getByTestId('shot-notes').click();
    await editor.keyboard.type('handheld, 24mm');
    await editor.getByTestId('add-shot').click();
    await expect(titles(editor)).toHaveCount(4);
    await expect(badge(editor)).toHaveAttribute('data-pending', /^[1-9]/);
    await expect(badge(editor)).toContainText('pending edit');
    // Nothing has reached the owner.
    await expect(titles(owner)).toHaveText(['Charlie', 'Alpha', 'Bravo']);

    await editorCtx.setOffline(false);
    await expect(badge(editor)).toHaveText('Connected', { timeout: 15_000 });
    await expect(titles(owner)).toHaveText(['Charlie', 'Alpha', 'Bravo, rewritten offline', 'Shot 4']);
    await selectShot(owner, 'Bravo, rewritten offline');
    await expect(owner.getByTestId('shot-notes')).toHaveValue('handheld, 24mm');
  });

  await test.step('a named version, viewed and then restored by the owner, comes back for both', async () => {
    const allShots = ['Charlie', 'Alpha', 'Bravo, rewritten offline', 'Shot 4'];
    await owner.getByTestId('version-name-input').fill('Before the cut');
    await owner.getByTestId('save-version').click();
    await expect(owner.getByTestId('version-name')).toHaveText(['Before the cut']);

    await selectShot(editor, 'Charlie');
    await editor.getByTestId('delete-shot').click();
    await editor.getByTestId('confirm-button').click();
    // The untitled shot is named by its place.
    await expect(titles(owner)).toHaveText(['Alpha', 'Bravo, rewritten offline', 'Shot 3'], { timeout: 1000 });

    // The owner looks at the version first: it still has Charlie, the live
    // board does not; then restores it from there.
    await owner.getByTestId('view-version').click();
    const preview = owner.getByTestId('version-preview');
    await expect(preview.getByTestId('version-shot-title')).toHaveText(allShots);
    await expect(titles(owner)).toHaveText(['Alpha', 'Bravo, rewritten offline', 'Shot 3']);
    await preview.getByTestId('preview-restore-version').click();
    await owner.getByTestId('confirm-button').click();
    await expect(titles(owner)).toHaveText(allShots);
    await expect(titles(editor)).toHaveText(allShots, { timeout: 1000 });
  });

  await ownerCtx.close();
  await editorCtx.close();
});
