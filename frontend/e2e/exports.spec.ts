import { readFileSync, statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

// Issue 14 in the browser, on the real server (FerretDB, MinIO, ffmpeg and
// the render workers): an editor exports a board's PDF storyboard and MP4
// animatic from the export menu, watches them being made, downloads both
// and gets a PDF and an MP4 of the listed sizes.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const password = 'correct horse battery staple';

async function signUp(page: Page, name: string, email: string) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('current-user-name')).toHaveText(name);
}

const row = (page: Page, format: string) => page.getByTestId('export-row').and(page.locator(`[data-format="${format}"]`));

/** Downloads the row's file and returns its path and size. */
async function download(page: Page, format: string) {
  const [dl] = await Promise.all([page.waitForEvent('download'), row(page, format).getByTestId('export-download').click()]);
  const path = await dl.path();
  expect(path).toBeTruthy();
  return { path: path!, size: statSync(path!).size, name: dl.suggestedFilename() };
}

test('export a PDF storyboard and an MP4 animatic from the menu and download both', async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, 'Ezra Export', `export-${run}@e2e.shotline.test`);
  await page.getByLabel('Workspace name').fill(`Exports ${run}`);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByTestId('new-project').click();
  await page.getByLabel('Project name').fill('Delivery');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Delivery' }).click();
  await page.getByTestId('new-board').click();
  await page.getByTestId('create-board-dialog').getByTestId('board-title-input').fill('Final cut');
  await page.getByRole('button', { name: 'Create board' }).click();
  await expect(page).toHaveURL(/\/b\/[^/]+$/);
  for (const [title, prompt] of [
    ['Opening', 'Wide shot of the harbour at dawn'],
    ['Crème brûlée', 'Close-up of a spoon cracking the sugar'],
  ]) {
    await page.getByTestId('add-shot').click();
    await page.getByTestId('shot-title-input').fill(title!);
    await page.getByTestId('shot-title-input').press('Enter');
    await page.getByTestId('shot-prompt').fill(prompt!);
  }
  await expect(page.getByTestId('shot-card-title')).toHaveText(['Opening', 'Crème brûlée']);

  await page.getByTestId('open-exports').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('no-exports')).toBeVisible();

  // The PDF storyboard.
  await dialog.getByLabel(/Storyboard \(PDF\)/).check();
  await dialog.getByTestId('start-export').click();
  await expect(row(page, 'pdf')).toBeVisible();
  await expect(row(page, 'pdf')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });

  // The MP4 animatic, small: its progress shows while it is made.
  await dialog.getByLabel(/Animatic \(MP4\)/).check();
  await dialog.getByTestId('export-resolution').selectOption('360p');
  await dialog.getByTestId('start-export').click();
  await expect(row(page, 'mp4').getByTestId('export-progress')).toBeVisible();
  await expect(row(page, 'mp4')).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 });
  await expect(row(page, 'mp4')).toContainText('kept until');

  const pdf = await download(page, 'pdf');
  expect(pdf.name).toBe('Final cut.pdf');
  expect(pdf.size).toBeGreaterThan(1000);
  expect(readFileSync(pdf.path).subarray(0, 5).toString()).toBe('%PDF-');

  const mp4 = await download(page, 'mp4');
  expect(mp4.name).toBe('Final cut.mp4');
  expect(mp4.size).toBeGreaterThan(1000);
  expect(readFileSync(mp4.path).subarray(4, 8).toString()).toBe('ftyp');

  // The listed sizes are the downloaded files'.
  const listed = await page.request.get(`/api/boards/${new URL(page.url()).pathname.split('/').pop()}/exports`);
  const body = (await listed.json()) as { exports: { format: string; size: number }[] };
  expect(body.exports.find((e) => e.format === 'pdf')?.size).toBe(pdf.size);
  expect(body.exports.find((e) => e.format === 'mp4')?.size).toBe(mp4.size);
});

test('export a board as a bundle and import it back as a new project, with the report', async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, 'Ines Import', `import-${run}@e2e.shotline.test`);
  await page.getByLabel('Workspace name').fill(`Imports ${run}`);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByTestId('new-project').click();
  await page.getByLabel('Project name').fill('Source');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Source' }).click();
  const projectUrl = page.url();
  await page.getByTestId('new-board').click();
  await page.getByTestId('create-board-dialog').getByTestId('board-title-input').fill('夜の街 Harbour');
  await page.getByRole('button', { name: 'Create board' }).click();
  await expect(page).toHaveURL(/\/b\/[^/]+$/);
  for (const title of ['Opening', 'Closing']) {
    await page.getByTestId('add-shot').click();
    await page.getByTestId('shot-title-input').fill(title);
    await page.getByTestId('shot-title-input').press('Enter');
  }
  await expect(page.getByTestId('shot-card-title')).toHaveText(['Opening', 'Closing']);

  await page.getByTestId('open-exports').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.getByLabel(/Bundle \(ZIP\)/).check();
  await dialog.getByTestId('start-export').click();
  await expect(row(page, 'bundle')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  const bundle = await download(page, 'bundle');
  expect(readFileSync(bundle.path).subarray(0, 2).toString()).toBe('PK');

  // Import on the project page: progress, then the report of what came in.
  await page.goto(projectUrl);
  await page.getByTestId('open-import').click();
  const importDialog = page.getByTestId('import-dialog');
  await importDialog.getByTestId('import-file').setInputFiles(bundle.path);
  // The bundle goes up in parts, then the import is completed.
  const seenPart = page.waitForResponse((r) => /\/imports\/[0-9a-f-]{36}\/parts\/1$/.test(r.url()) && r.request().method() === 'PUT');
  const seenComplete = page.waitForResponse((r) => /\/imports\/[0-9a-f-]{36}\/complete$/.test(r.url()) && r.request().method() === 'POST');
  await importDialog.getByTestId('start-import').click();
  expect((await seenPart).status()).toBe(204);
  expect((await seenComplete).status()).toBe(201);
  const report = importDialog.getByTestId('import-report');
  await expect(report).toContainText('夜の街 Harbour: 2 shots, 0 comments');
  await report.getByRole('link', { name: '夜の街 Harbour' }).click();
  await expect(page).toHaveURL(/\/b\/[^/]+$/);
  await expect(page.getByTestId('shot-card-title')).toHaveText(['Opening', 'Closing']);
});
