import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { invite, password, signUp } from './accounts';
import { expectAccessible } from './accessibility';

// The review loop, end to end (issue 12's user story): a producer shares a
// board with a client who has no account; the client reviews it on a
// phone; the team sees it live; an editor mentions a teammate, who finds
// it in their inbox; the producer lowers, then revokes the link; an admin
// finds every step in the audit log.

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const linkPassword = 'open sesame';
const emails = {
  producer: `share-producer-${run}@e2e.shotline.test`,
  editor: `share-editor-${run}@e2e.shotline.test`,
  mate: `share-mate-${run}@e2e.shotline.test`,
};

/** The card of shot n (1-based) on a board page, the team's or a guest's. */
const card = (page: Page, n: number) => page.getByTestId('shot-card').nth(n - 1);

async function newContext(browser: Browser, opts: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext(opts);
}

test('a client reviews a shared board on a phone while the team watches', async ({ browser }, testInfo) => {
  test.setTimeout(180_000); // the whole story, four browsers, on a shared machine
  const producerCtx = await newContext(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
  const guestCtx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const editorCtx = await newContext(browser);
  const mateCtx = await newContext(browser);
  const producer = await producerCtx.newPage();
  const guest = await guestCtx.newPage();
  const editor = await editorCtx.newPage();
  const mate = await mateCtx.newPage();
  let boardPath = '';
  let shareUrl = '';

  await test.step('the producer makes a board of five shots and a team', async () => {
    await signUp(producer, 'Pia Producer', emails.producer);
    await producer.getByLabel('Workspace name').fill(`Review ${run}`);
    await producer.getByRole('button', { name: 'Create workspace' }).click();
    await expect(producer).toHaveURL(/\/w\/[^/]+$/);
    await invite(producer, emails.editor, 'editor');
    await invite(producer, emails.mate, 'commenter');
    await producer.getByTestId('nav-projects').click();
    await producer.getByTestId('new-project').click();
    await producer.getByLabel('Project name').fill('Spot');
    await producer.getByRole('button', { name: 'Create project' }).click();
    await producer.getByRole('link', { name: 'Spot' }).click();
    await producer.getByTestId('new-board').click();
    const dialog = producer.getByTestId('create-board-dialog');
    await dialog.getByTestId('board-title-input').fill('Harbour at dawn');
    await dialog.getByTestId('board-duration-input').fill('4');
    await producer.getByRole('button', { name: 'Create board' }).click();
    await expect(producer).toHaveURL(/\/b\/[^/]+$/);
    boardPath = new URL(producer.url()).pathname;
    await expect(producer.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected');
    for (const title of ['Gulls', 'Masts', 'Fog', 'Ferry', 'Sunrise']) {
      await producer.getByTestId('add-shot').click();
      const input = producer.getByTestId('shot-title-input');
      await input.fill(title);
      await input.press('Enter');
    }
    await expect(producer.getByTestId('shot-card-title')).toHaveText(['Gulls', 'Masts', 'Fog', 'Ferry', 'Sunrise']);

    await signUp(editor, 'Eda Editor', emails.editor);
    await signUp(mate, 'Tess Mate', emails.mate);
    await editor.goto(boardPath);
    await expect(editor.getByTestId('shot-card')).toHaveCount(5);
  });

  await test.step('the producer makes a commenter link with an expiry and a password, and copies it', async () => {
    await producer.getByTestId('open-share').click();
    const share = producer.getByTestId('share-dialog');
    await share.getByTestId('share-role').selectOption('commenter');
    await share.getByTestId('share-label').fill('Client');
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await share.getByTestId('share-expires').fill(local);
    await share.getByTestId('share-password').fill(linkPassword);
    await share.getByTestId('create-link').click();
    shareUrl = await share.getByTestId('share-url').inputValue();
    expect(shareUrl).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);
    await share.getByTestId('copy-link').click();
    await expect(share.getByTestId('copy-link')).toHaveText('Copied');
    expect(await producer.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
    await expect(share.getByTestId('share-link')).toHaveCount(1);
    await expect(share.getByTestId('share-link-opened')).toHaveText('Not opened yet');
    await producer.keyboard.press('Escape');
  });

  await test.step('the client opens it on a phone: wrong password first, then name and password', async () => {
    await guest.goto(shareUrl);
    await guest.getByTestId('guest-name').fill('Dana');
    await guest.getByTestId('link-password').fill('open says me');
    await guest.getByTestId('open-link').click();
    await expect(guest.getByTestId('share-open-error')).toHaveText('Wrong password. Try again.');
    await guest.getByTestId('link-password').fill(linkPassword);
    await guest.getByTestId('open-link').click();
    await expect(guest).toHaveURL(/\/review\/[^/]+$/);
    expect(guest.url()).not.toContain('/s/'); // the token left the address bar
    await expect(guest.getByTestId('guest-name-shown')).toHaveText('Dana (guest)');
    // The read view members get: the shots as numbered frames, no editor.
    await expect(card(guest, 1)).toBeVisible();
    await expect(guest.getByTestId('shot-card')).toHaveCount(5);
    await expect(guest.getByTestId('shot-frame')).toHaveText(['1', '2', '3', '4', '5']);
    await expect(guest.getByTestId('shot-card-title')).toHaveText(['Gulls', 'Masts', 'Fog', 'Ferry', 'Sunrise']);
    await expect(guest.getByTestId('shot-title-input')).toHaveCount(0);
    await expect(guest.getByTestId('add-shot')).toHaveCount(0);
    expect(await guest.getByTestId('review-page').locator('button:disabled').count(), 'disabled controls').toBe(0);
    await expectAccessible(guest, "a commenter guest's board on a phone");
    // Nothing overflows the phone's width.
    const overflow = await guest.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await card(guest, 5).scrollIntoViewIfNeeded();
    await guest.screenshot({ path: testInfo.outputPath('guest-phone.png'), fullPage: true });
    await testInfo.attach('guest-phone', { path: testInfo.outputPath('guest-phone.png'), contentType: 'image/png' });
  });

  const openShot = async (n: number) => {
    await card(guest, n).click();
    await expect(card(guest, n)).toHaveAttribute('aria-pressed', 'true');
    await expect(guest.getByTestId('shot-read-view')).toHaveAttribute('aria-label', `Shot ${n}`);
  };

  await test.step('the client comments on shot 3, and on 2.0–3.5 s of shot 4; the team sees both live, marked guest', async () => {
    await openShot(3);
    await guest.getByTestId('new-comment-input').fill('The fog is too thick here');
    await guest.getByTestId('add-comment').click();
    await expect(card(producer, 3).getByTestId('shot-comment-count')).toHaveText('1', { timeout: 2000 });

    await openShot(4);
    await guest.getByTestId('new-comment-input').fill('Hold the ferry a beat longer');
    await guest.getByTestId('comment-range-toggle').check();
    await guest.getByTestId('comment-range-start').fill('2');
    await guest.getByTestId('comment-range-end').fill('3.5');
    await guest.getByTestId('add-comment').click();
    await expect(card(producer, 4).getByTestId('shot-comment-count')).toHaveText('1', { timeout: 2000 });

    await card(producer, 4).click();
    const thread = producer.getByTestId('comment-thread');
    await expect(thread.getByTestId('comment-author')).toHaveText('Dana (guest)');
    await expect(thread.getByTestId('comment-time-range')).toHaveText(/0:02(\.0+)?–0:03\.5/);
  });

  await test.step('the client approves shots 1 and 2 and requests changes on shot 5; the team sees it live', async () => {
    for (const n of [1, 2]) {
      await openShot(n);
      await guest.getByTestId('approve-shot').click();
      await expect(card(producer, n)).toHaveAttribute('data-review', 'approved', { timeout: 2000 });
    }
    await openShot(5);
    await guest.getByTestId('request-changes').click();
    await expect(card(producer, 5)).toHaveAttribute('data-review', 'changes_requested', { timeout: 2000 });
    await expect(producer.getByTestId('summary-approved')).toHaveText('2 approved');
    await expect(producer.getByTestId('summary-changes')).toHaveText('1 changes requested');
    await expect(editor.getByTestId('summary-threads')).toHaveText('2 open threads');
  });

  await test.step('an editor @mentions a teammate in a reply; the teammate finds it in the inbox and jumps to the thread', async () => {
    await card(editor, 3).click();
    await editor.getByTestId('reply-comment').click();
    await editor.getByTestId('reply-input').fill('Agreed, lighter fog. ');
    await editor.getByTestId('comment-thread').getByTestId('mention-picker').selectOption({ label: 'Tess Mate' });
    await editor.getByTestId('send-reply').click();
    await expect(editor.getByTestId('comment-body').nth(1)).toHaveText('Agreed, lighter fog. @Tess Mate');

    await expect
      .poll(async () => {
        await mate.goto('/inbox');
        return mate.getByTestId('inbox-entry').count();
      })
      .toBe(1);
    await expect(mate.getByTestId('nav-inbox').getByTestId('inbox-unread')).toHaveText('1');
    await expect(mate.getByTestId('inbox-entry')).toContainText('Eda Editor mentioned you');
    await mate.getByTestId('inbox-open').click();
    await expect(mate).toHaveURL(new RegExp(`${boardPath}\\?shot=`));
    await expect(mate.getByTestId('comments-panel')).toContainText('The fog is too thick here');
    await expect(mate.getByTestId('comments-panel')).toContainText('@Tess Mate');
  });

  await test.step('the producer lowers the link to viewer: the client’s comment box goes within a second', async () => {
    await expect(guest.getByTestId('new-comment-form')).toBeVisible();
    await producer.getByTestId('open-share').click();
    await producer.getByTestId('share-link-role').selectOption('viewer');
    await expect(guest.getByTestId('new-comment-form')).toHaveCount(0, { timeout: 1000 });
    await expect(guest.getByTestId('link-role')).toHaveText('View only');
    // A viewer guest reads: the shot and its comments as text, no form controls, no review buttons.
    await openShot(3);
    await expect(guest.getByTestId('shot-read-title')).toContainText('Fog');
    await expect(guest.getByTestId('comment-body').first()).toHaveText('The fog is too thick here');
    await expect(guest.getByTestId('approve-shot')).toHaveCount(0);
    expect(await guest.getByTestId('review-page').locator('input, textarea, select').count(), 'form controls for a viewer').toBe(0);
    await expectAccessible(guest, "a viewer guest's read view");
    await expect(producer.getByTestId('share-link-opened')).toContainText('Opened 1×');
  });

  await test.step('a viewer link’s comment, forced through the socket, is refused', async () => {
    const boardId = boardPath.split('/').pop()!;
    const answer = await guest.evaluate(
      async ({ boardId }) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/api/boards/${boardId}/live`);
          const opId = crypto.randomUUID();
          ws.onopen = () => ws.send(JSON.stringify({ type: 'join', protocol: 1, boardId }));
          ws.onmessage = (e) => {
            const m = JSON.parse(e.data as string);
            if (m.type === 'snapshot') {
              const shotId = m.board.shots[0].id;
              ws.send(JSON.stringify({ type: 'op', opId, baseSeq: m.seq, op: { kind: 'comment.add', commentId: crypto.randomUUID(), shotId, body: 'forced' } }));
            } else if (m.opId === opId) {
              resolve(`${m.type}:${m.code ?? ''}`);
              ws.close();
            }
          };
          ws.onclose = (e) => resolve(`closed:${e.code}`);
        }),
      { boardId },
    );
    expect(answer).toBe('error:EFORBIDDEN');
  });

  await test.step('the producer revokes the link: the client’s page says so', async () => {
    await producer.getByTestId('revoke-link').click();
    await expect(producer.getByTestId('share-link')).toHaveCount(0);
    await expect(guest.getByTestId('link-problem')).toHaveAttribute('data-problem', 'revoked', { timeout: 2000 });
    await expect(guest.getByTestId('link-problem')).toContainText('This link was revoked');
    await producer.keyboard.press('Escape');
  });

  await test.step('an admin finds every step in the audit log', async () => {
    await producer.getByTestId('nav-audit').click();
    const rows = producer.getByTestId('audit-row');
    for (const action of ['member-invited', 'link-created', 'link-refused', 'link-opened', 'link-edited', 'link-revoked']) {
      await expect(producer.locator(`[data-testid="audit-row"][data-action="${action}"]`).first()).toBeVisible();
    }
    await producer.getByTestId('audit-action').selectOption('link-refused');
    await producer.getByTestId('audit-apply').click();
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('wrong password');
  });

  await Promise.all([producerCtx.close(), guestCtx.close(), editorCtx.close(), mateCtx.close()]);
});

test('a link to a 200-shot board opens into a usable reviewer view', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const producerCtx = await newContext(browser);
  const producer = await producerCtx.newPage();
  await producer.goto('/');
  const api = producer.request;
  const signup = await api.post('/api/auth/signup', {
    data: { email: `share-200-${run}@e2e.shotline.test`, password, name: 'Pia Producer' },
  });
  expect(signup.status()).toBe(201);
  const headers = { 'X-CSRF-Token': (await signup.json()).csrfToken as string };
  const ws = await (await api.post('/api/workspaces', { data: { name: `Big ${run}` }, headers })).json();
  const project = await (await api.post(`/api/workspaces/${ws.id}/projects`, { data: { name: 'Feature' }, headers })).json();
  const board = await (await api.post(`/api/projects/${project.id}/boards`, { data: { title: 'Two hundred' }, headers })).json();

  // 200 shots through the socket, as the editor would add them.
  const added = await producer.evaluate(
    async ({ boardId }) =>
      new Promise<number>((resolve, reject) => {
        const sock = new WebSocket(`${location.origin.replace('http', 'ws')}/api/boards/${boardId}/live`);
        let acks = 0;
        sock.onopen = () => {
          sock.send(JSON.stringify({ type: 'join', protocol: 1, boardId }));
          const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
          for (let i = 0; i < 200; i++) {
            // "b" and two base-62 digits: fractional keys in order.
            const pos = `b${digits[Math.floor(i / 62)]}${digits[i % 62]}`;
            sock.send(
              JSON.stringify({
                type: 'op',
                opId: crypto.randomUUID(),
                baseSeq: 0,
                op: { kind: 'shot.insert', shotId: `shot-${i}`, position: pos, shot: { title: `Shot ${i + 1}`, prompt: 'Harbour at dawn, gulls, light fog' } },
              }),
            );
          }
        };
        sock.onmessage = (e) => {
          const m = JSON.parse(e.data as string);
          if (m.type === 'ack' && ++acks === 200) {
            sock.close();
            resolve(acks);
          }
          if (m.type === 'error') reject(new Error(m.message));
        };
      }),
    { boardId: board.id },
  );
  expect(added).toBe(200);
  const link = await (await api.post(`/api/boards/${board.id}/links`, { data: { role: 'commenter' }, headers })).json();

  const guestCtx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const guest = await guestCtx.newPage();
  await guest.goto(link.path);
  await guest.getByTestId('guest-name').fill('Dana');
  // Timed in the page, from the click to the first frame that holds the
  // 200 cards: the test's own polling (a selector engine run over 200
  // cards at each try) would otherwise be counted, on the same thread.
  await guest.evaluate(() => {
    const w = window as unknown as { openTiming: { click?: number; cards?: number } };
    w.openTiming = {};
    document.addEventListener('click', () => (w.openTiming.click ??= performance.now()), { capture: true });
    const tick = () => {
      if (document.querySelectorAll('[data-testid="shot-card"]').length === 200) w.openTiming.cards = performance.now();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const start = Date.now();
  await guest.getByTestId('open-link').click();
  await expect(guest).toHaveURL(/\/review\//);
  const tUrl = Date.now() - start;
  await expect(guest.getByTestId('review-page')).toBeVisible();
  const tPage = Date.now() - start;
  await expect(guest.getByTestId('shot-card')).toHaveCount(200);
  const timing = await guest.evaluate(() => (window as unknown as { openTiming: { click: number; cards: number } }).openTiming);
  const rendered = Math.round(timing.cards - timing.click);
  expect(rendered).toBeGreaterThan(0);
  testInfo.annotations.push({ type: 'open-200-shot-board-rendered-ms', description: String(rendered) });
  console.log(`url ${tUrl} ms, page ${tPage} ms, 200 shots ${Date.now() - start} ms; in the page: 200 shots rendered ${rendered} ms after the click`);
  await guest.getByTestId('shot-card').nth(199).click();
  await expect(guest.getByTestId('new-comment-input')).toBeVisible();
  const ms = Date.now() - start;
  // Reported, not asserted: a bound on a shared 2-core machine would flake
  // (docs/benchmarks.md has the numbers).
  testInfo.annotations.push({ type: 'open-200-shot-board-ms', description: String(ms) });
  console.log(`reviewer view of a 200-shot board usable after ${ms} ms`);
  await Promise.all([producerCtx.close(), guestCtx.close()]);
});

test('a project link, made from the project page, opens every board of the project', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const producerCtx = await newContext(browser);
  const guestCtx = await newContext(browser);
  const producer = await producerCtx.newPage();
  const guest = await guestCtx.newPage();
  await producer.goto('/');
  const api = producer.request;
  const signup = await api.post('/api/auth/signup', {
    data: { email: `share-project-${run}@e2e.shotline.test`, password, name: 'Pia Producer' },
  });
  expect(signup.status()).toBe(201);
  const headers = { 'X-CSRF-Token': (await signup.json()).csrfToken as string };
  const ws = await (await api.post('/api/workspaces', { data: { name: `Series ${run}` }, headers })).json();
  const project = await (await api.post(`/api/workspaces/${ws.id}/projects`, { data: { name: 'Series' }, headers })).json();
  for (const title of ['Episode one', 'Episode two']) {
    expect((await api.post(`/api/projects/${project.id}/boards`, { data: { title }, headers })).status()).toBe(201);
  }

  await producer.goto(`/p/${project.id}`);
  await producer.getByTestId('open-project-share').click();
  const share = producer.getByTestId('share-dialog');
  await expect(share).toContainText('Share every board of this project');
  await share.getByTestId('share-role').selectOption('viewer');
  await share.getByTestId('share-label').fill('Network');
  await share.getByTestId('create-link').click();
  const url = await share.getByTestId('share-url').inputValue();
  expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);
  await expect(share.getByTestId('share-link')).toHaveCount(1);
  // The project's list holds it; a board's does not.
  const listed = await (await api.get(`/api/projects/${project.id}/links`)).json();
  expect(listed.links.map((l: { label: string }) => l.label)).toEqual(['Network']);

  await guest.goto(url);
  await guest.getByTestId('guest-name').fill('Nell');
  await guest.getByTestId('open-link').click();
  await expect(guest.getByTestId('project-review')).toBeVisible();
  await expect(guest.getByTestId('project-review').getByRole('link')).toHaveText(['Episode one', 'Episode two']);
  await guest.getByRole('link', { name: 'Episode two' }).click();
  await expect(guest).toHaveURL(/\/review\/[^/]+$/);
  // A viewer guest at desktop size: the board's read view, nothing to fill in, nothing wider than the window.
  await guest.setViewportSize({ width: 1440, height: 900 });
  await expect(guest.getByTestId('board-title')).toContainText('Episode two');
  await expect(guest.getByTestId('link-role')).toHaveText('View only');
  await expect(guest.getByTestId('shots-empty')).toBeVisible();
  expect(await guest.getByTestId('review-page').locator('button:disabled').count(), 'disabled controls').toBe(0);
  expect(await guest.getByTestId('review-page').locator('input, textarea, select').count(), 'form controls for a viewer').toBe(0);
  expect(await guest.evaluate(() => document.scrollingElement!.scrollWidth <= innerWidth), 'no horizontal overflow').toBe(true);
  await guest.screenshot({ path: testInfo.outputPath('guest-1440.png'), fullPage: true });
  await testInfo.attach('guest-1440', { path: testInfo.outputPath('guest-1440.png'), contentType: 'image/png' });
  await Promise.all([producerCtx.close(), guestCtx.close()]);
});
