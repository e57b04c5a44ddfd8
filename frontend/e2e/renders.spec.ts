import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { signUp } from './accounts';

// The story of issue 13, end to end on the real server (FerretDB, MinIO,
// ffmpeg): an editor drops two reference images on shot 1 and a clip on
// shot 2, renders shot 1 with the animatic and then the changed shots; the
// queue shows each job live, the result plays in the card and the
// inspector; a new prompt and a second render show both prompts with the
// difference marked; a teammate sees the queue and results live; credits
// drop by each job's cost; a prompt the content policy blocks is refused,
// naming its rule.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const ownerEmail = `render-owner-${run}@e2e.shotline.test`;
const mateEmail = `render-mate-${run}@e2e.shotline.test`;

/** Reference files made with ffmpeg, as a person would have them on disk. */
function fixtures() {
  const dir = mkdtempSync(join(tmpdir(), 'shotline-e2e-media-'));
  const make = (name: string, args: string[]) => {
    execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args, join(dir, name)]);
    return { name, buffer: readFileSync(join(dir, name)) };
  };
  return {
    sunrise: { ...make('sunrise.png', ['-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1']), mimeType: 'image/png' },
    harbour: { ...make('harbour.jpg', ['-f', 'lavfi', '-i', 'mandelbrot=size=640x360', '-frames:v', '1']), mimeType: 'image/jpeg' },
    waves: {
      ...make('waves.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10:duration=1', '-pix_fmt', 'yuv420p']),
      mimeType: 'video/mp4',
    },
  };
}

type FileSpec = { name: string; mimeType: string; buffer: Buffer };

/** Drops files on target the way a browser does: dragenter, dragover, drop with a DataTransfer. */
async function dropFiles(target: Locator, files: FileSpec[]) {
  const data = await target.page().evaluateHandle(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.mimeType }));
      }
      return dt;
    },
    files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString('base64') })),
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer: data });
}

const card = (page: Page, n: number) => page.getByTestId('shot-card').nth(n);
const job = (page: Page, state: string) => page.getByTestId('queue-job').and(page.locator(`[data-state="${state}"]`));

/** Waits until the video plays: it has data, its time moves on and its size is the shot's. */
async function expectPlays(video: Locator, width: number, height: number) {
  await expect
    .poll(
      () =>
        video.evaluate(async (v: HTMLVideoElement) => {
          v.muted = true;
          await v.play().catch(() => undefined);
          return v.readyState >= 2 && v.currentTime > 0 ? `${v.videoWidth}x${v.videoHeight}` : 'not playing';
        }),
      { timeout: 15_000 },
    )
    .toBe(`${width}x${height}`);
}

/** Waits until the image has loaded (the page may fetch it from the object store). */
async function expectLoaded(img: Locator) {
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 10_000 }).toBe(true);
}

test('upload references, render shots, compare renders, live for a teammate', async ({ browser }) => {
  test.setTimeout(180_000);
  const files = fixtures();
  const owner = await (await browser.newContext()).newPage();
  const mate = await (await browser.newContext()).newPage();
  let boardUrl = '';

  await test.step('an owner makes a board with two shots; a teammate opens it', async () => {
    await signUp(owner, 'Rae Render', ownerEmail);
    await owner.getByLabel('Workspace name').fill(`Renders ${run}`);
    await owner.getByRole('button', { name: 'Create workspace' }).click();
    await expect(owner).toHaveURL(/\/w\/[^/]+$/);
    await owner.getByTestId('new-project').click();
    await owner.getByLabel('Project name').fill('Coast');
    await owner.getByRole('button', { name: 'Create project' }).click();
    await owner.getByRole('link', { name: 'Coast' }).click();
    await owner.getByTestId('new-board').click();
    await owner.getByTestId('create-board-dialog').getByTestId('board-title-input').fill('Morning tide');
    await owner.getByRole('button', { name: 'Create board' }).click();
    await expect(owner).toHaveURL(/\/b\/[^/]+$/);
    boardUrl = new URL(owner.url()).pathname;

    await owner.getByTestId('nav-members').click();
    await owner.getByLabel('Invite by email').fill(mateEmail);
    await owner.getByLabel('Role', { exact: true }).selectOption('viewer');
    await owner.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(owner.getByTestId('member-notice')).toContainText('has no account yet');
    await owner.goto(boardUrl);

    for (const [title, prompt] of [
      ['Sunrise', 'A lake at dawn, mist rising'],
      ['Harbour', 'Boats rocking in the harbour'],
    ]) {
      await owner.getByTestId('add-shot').click();
      await owner.getByTestId('shot-title-input').fill(title!);
      await owner.getByTestId('shot-title-input').press('Enter');
      await owner.getByTestId('shot-prompt').fill(prompt!);
    }
    await expect(owner.getByTestId('shot-card-title')).toHaveText(['Sunrise', 'Harbour']);

    await signUp(mate, 'Tam Mate', mateEmail);
    await mate.goto(boardUrl);
    await expect(mate.getByTestId('shot-card-title')).toHaveText(['Sunrise', 'Harbour']);
  });

  const balance = owner.getByTestId('credit-balance');
  let start = 0;

  await test.step('two images dropped on shot 1 and a clip on shot 2 upload with progress; thumbnails appear', async () => {
    await expect(balance).toHaveText('100');
    start = Number(await balance.textContent());
    await card(owner, 0).click();
    await dropFiles(owner.getByTestId('upload-target'), [files.sunrise, files.harbour]);
    await expect(owner.getByTestId('asset-thumb')).toHaveCount(2, { timeout: 20_000 });
    await expectLoaded(owner.getByTestId('asset-thumb').first());
    await expectLoaded(owner.getByTestId('asset-thumb').last());
    await expectLoaded(card(owner, 0).getByTestId('card-thumb'));
    await dropFiles(card(owner, 1), [files.waves]);
    await expect(card(owner, 1).getByTestId('card-thumb')).toBeVisible({ timeout: 20_000 });
    await expectLoaded(card(owner, 1).getByTestId('card-thumb')); // the clip's poster frame
    // The teammate, who has not reloaded, sees both frames arrive.
    await expect(card(mate, 0).getByTestId('card-thumb')).toBeVisible({ timeout: 20_000 });
    await expect(card(mate, 1).getByTestId('card-thumb')).toBeVisible({ timeout: 20_000 });
  });

  await test.step('a file that is not an image is refused with a clear message and nothing is kept', async () => {
    await card(owner, 0).click();
    await dropFiles(owner.getByTestId('upload-target'), [{ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('#!/bin/sh\necho not a picture\n') }]);
    await expect(owner.getByTestId('upload-error')).toContainText('does not accept');
    await expect(owner.getByTestId('asset-thumb')).toHaveCount(2);
  });

  await test.step('Render on shot 1: queued → running → done, live for the teammate; it plays in the card and the inspector', async () => {
    await owner.getByTestId('render-shot').click();
    await expect(owner.getByTestId('queue-job')).toHaveCount(1);
    await expect(mate.getByTestId('queue-job')).toHaveCount(1);
    await expect(job(owner, 'succeeded')).toHaveCount(1, { timeout: 60_000 });
    await expect(job(mate, 'succeeded')).toHaveCount(1, { timeout: 10_000 });
    await expectPlays(owner.getByTestId('inspector-player'), 1280, 720);
    await expectPlays(card(owner, 0).getByTestId('card-player'), 1280, 720);
    await expectPlays(card(mate, 0).getByTestId('card-player'), 1280, 720);
    await expect(owner.getByTestId('render-expires')).toContainText('Expires');
    await expect(balance).toHaveText(String(start - 3)); // the animatic: 1 credit a second, shots are 3 s
  });

  await test.step('Render changed shots renders shot 2 only, and the teammate sees its progress', async () => {
    await owner.getByTestId('render-changed').click();
    await expect(owner.getByTestId('render-changed-notice')).toContainText('1 shot queued');
    await expect(mate.locator('[data-testid="queue-job"][data-shot-id]')).toHaveCount(2);
    await expect(job(owner, 'succeeded')).toHaveCount(2, { timeout: 60_000 });
    await expect(job(mate, 'succeeded')).toHaveCount(2, { timeout: 10_000 });
    await expectPlays(card(mate, 1).getByTestId('card-player'), 1280, 720);
    await expect(balance).toHaveText(String(start - 6));
  });

  await test.step('a new prompt and a second render: both renders listed, their prompts side by side with the change marked', async () => {
    await card(owner, 0).click();
    await owner.getByTestId('shot-prompt').fill('A lake at dusk, mist rising');
    await owner.getByTestId('render-shot').click();
    await expect(job(owner, 'succeeded')).toHaveCount(3, { timeout: 60_000 });
    await expect(owner.getByTestId('render-history-item')).toHaveCount(2);
    await expect(owner.getByTestId('render-prompt')).toHaveText(['A lake at dusk, mist rising', 'A lake at dawn, mist rising']);
    await expect(owner.getByTestId('prompt-diff-old').locator('del')).toHaveText('dawn');
    await expect(owner.getByTestId('prompt-diff-new').locator('ins')).toHaveText('dusk');
    await expect(balance).toHaveText(String(start - 9));
  });

  await test.step('a prompt the content policy blocks is refused before it is queued, naming the rule, at no cost', async () => {
    await owner.getByTestId('shot-prompt').fill('Close-up of the gore on the dock');
    await owner.getByTestId('render-shot').click();
    await expect(owner.getByTestId('render-error')).toContainText('graphic-gore');
    await expect(owner.getByTestId('queue-job')).toHaveCount(3);
    await expect(balance).toHaveText(String(start - 9));
  });

  await test.step('the ledger shows the welcome credits and one charge per render', async () => {
    await owner.getByTestId('toggle-ledger').click();
    const amounts = owner.getByTestId('ledger-entry').locator('td:last-child');
    await expect(amounts).toHaveText(['-3', '-3', '-3', '+100']);
  });
});
