import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { invite, signUp } from './accounts';
import { expectAccessible } from './accessibility';

// Issue 15, end to end: the board reads and plays like a storyboard.
// Frames on cards (a pasted picture becomes one), grid and timeline views,
// the animatic played through with the page's own clock and kept in step
// with a teammate's retime, presence colours, a viewer's read view, keys
// alone, axe-core on the main pages, and long names at desktop and phone
// sizes. Screenshots of each main page at both sizes are kept in
// test-results/ (Playwright's outputDir).

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** A workspace, a project and a board of the given names; leaves the page on the board. */
async function newBoard(page: Page, names: { workspace: string; project: string; board: string }) {
  await page.getByLabel('Workspace name').fill(names.workspace);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await page.getByTestId('new-project').click();
  await page.getByLabel('Project name').fill(names.project);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: names.project }).click();
  await page.getByTestId('new-board').click();
  await page.getByTestId('create-board-dialog').getByTestId('board-title-input').fill(names.board);
  await page.getByRole('button', { name: 'Create board' }).click();
  await expect(page).toHaveURL(/\/b\/[^/]+$/);
  await expect(page.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected');
}

async function addShot(page: Page, title: string, seconds: number) {
  await page.getByTestId('add-shot').click();
  const input = page.getByTestId('shot-title-input');
  await input.fill(title);
  await input.press('Enter');
  const duration = page.getByTestId('shot-duration-input');
  await duration.fill(String(seconds));
  await duration.press('Enter');
  await expect(page.getByTestId('shot-card').last()).toHaveAttribute('aria-label', new RegExp(`, ${seconds}s$`));
}

const card = (page: Page, i: number) => page.getByTestId('shot-card').nth(i);

/** Focuses card i and pastes a 320×180 PNG of one colour (with a yellow square) on it, as the clipboard would. */
async function pastePicture(page: Page, i: number, colour: string, name: string) {
  await card(page, i).focus();
  await page.evaluate(
    async ([colour, name]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 180;
      const g = canvas.getContext('2d')!;
      g.fillStyle = colour;
      g.fillRect(0, 0, 320, 180);
      g.fillStyle = '#f5d76e';
      g.fillRect(120, 40, 80, 80);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
      const data = new DataTransfer();
      data.items.add(new File([blob], name, { type: 'image/png' }));
      document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    [colour, name],
  );
}

/** The object a card's frame picture shows: its URL without the presigned query (which differs per person). */
async function framePicture(page: Page, i: number): Promise<string> {
  const src = await card(page, i).getByTestId('shot-frame').locator('img').getAttribute('src');
  return src ? src.split('?')[0]! : '';
}

async function screenshot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}-${page.viewportSize()?.width}.png`), fullPage: true });
}

/** Nothing wider than the window: not the document, not the scrolling content pane. */
async function expectNoHorizontalOverflow(page: Page, what: string) {
  const widths = await page.evaluate(() => {
    const content = document.querySelector<HTMLElement>('main.content');
    return {
      doc: document.scrollingElement!.scrollWidth,
      inner: window.innerWidth,
      content: content ? content.scrollWidth - content.clientWidth : 0,
    };
  });
  expect(widths.doc, `${what}: document width`).toBeLessThanOrEqual(widths.inner);
  expect(widths.content, `${what}: content pane overflow`).toBeLessThanOrEqual(0);
}

/** The boxes of the elements each selector names (the visible ones) overlap no box of another selector. */
async function expectNoOverlap(page: Page, what: string, selectors: string[]) {
  const overlaps = await page.evaluate((sels) => {
    const boxes = sels.flatMap((sel, group) =>
      Array.from(document.querySelectorAll(sel))
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.width > 0 && r.height > 0)
        .map((r) => ({ sel, group, r })),
    );
    const out: string[] = [];
    for (const a of boxes)
      for (const b of boxes) {
        if (a.group >= b.group) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) out.push(`${a.sel} overlaps ${b.sel}`);
      }
    return out;
  }, selectors);
  expect(overlaps, what).toEqual([]);
}

interface PlayRecord {
  /** Seconds from the start of playback (the page's performance.now()) to its end. */
  end: number;
  /** Each shot the stage showed, when it first showed it, and its frame kind. */
  seen: { i: number; t: number; frame: string }[];
}

/**
 * Starts recording, in the page, what the player shows until it stops: the
 * clock starts at the first press of Space (or at once, with startNow), and
 * every reading comes from the page's performance.now().
 */
async function recordPlayback(page: Page, startWith: 'space' | 'play-button') {
  await page.evaluate((startWith) => {
    const w = window as Window & { __playback?: Promise<unknown> };
    w.__playback = new Promise((resolve) => {
      let t0 = -1;
      let sawPlaying = false;
      let last = -2;
      const seen: { i: number; t: number; frame: string }[] = [];
      const start = () => {
        if (t0 < 0) t0 = performance.now();
      };
      if (startWith === 'space') {
        document.addEventListener('keydown', (e) => e.key === ' ' && start(), { capture: true });
      } else {
        start();
        document.querySelector<HTMLElement>('[data-testid="play-board"]')!.click();
      }
      const tick = () => {
        const now = performance.now();
        const stage = document.querySelector<HTMLElement>('[data-testid="player-stage"]');
        const playing = document.querySelector<HTMLElement>('[data-testid="player-toggle"]')?.dataset.playing;
        if (t0 >= 0 && stage) {
          if (playing === 'true') sawPlaying = true;
          const i = Number(stage.dataset.shotIndex);
          if (sawPlaying && i !== last) {
            seen.push({ i, t: (now - t0) / 1000, frame: stage.dataset.frame ?? '' });
            last = i;
          }
          if (sawPlaying && playing === 'false') return resolve({ end: (now - t0) / 1000, seen });
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  }, startWith);
}

async function playbackResult(page: Page): Promise<PlayRecord> {
  return (await page.evaluate(() => (window as Window & { __playback?: Promise<unknown> }).__playback)) as PlayRecord;
}

async function newPage(browser: Browser, viewport = DESKTOP): Promise<Page> {
  const ctx = await browser.newContext({ viewport });
  return ctx.newPage();
}

test('the board as a storyboard: frames, two views, the animatic in step with live edits, colours, a read view', async ({ browser }, info) => {
  test.setTimeout(300_000); // four people, a minute of playback, on a shared machine
  const emails = {
    owner: `story-owner-${run}@e2e.shotline.test`,
    editor: `story-editor-${run}@e2e.shotline.test`,
    viewer: `story-viewer-${run}@e2e.shotline.test`,
  };
  const owner = await newPage(browser);
  const editor = await newPage(browser);
  const viewer = await newPage(browser);
  let boardPath = '';

  await test.step('an owner makes a board of three two-second shots', async () => {
    const signin = await newPage(browser);
    const complaints: string[] = [];
    signin.on('console', (m) => m.type() === 'error' && complaints.push(m.text()));
    signin.on('response', (r) => r.status() === 401 && complaints.push(`401 from ${r.url()}`));
    await signin.goto('/signin');
    await expect(signin.getByTestId('signin-form')).toBeVisible();
    expect(complaints, 'errors on the sign-in page').toEqual([]);
    await expectAccessible(signin, 'the sign-in page');
    await screenshot(signin, info, 'signin');
    await signin.setViewportSize(PHONE);
    await screenshot(signin, info, 'signin');
    await signin.context().close();

    await signUp(owner, 'Olu Owner', emails.owner);
    await newBoard(owner, { workspace: `Story ${run}`, project: 'Spot', board: 'Harbour at dawn' });
    boardPath = new URL(owner.url()).pathname;
    for (const title of ['Dawn', 'Gulls', 'Harbour wakes']) await addShot(owner, title, 2);
    await expect(owner.getByTestId('shot-count')).toHaveText('3 shots · 6s');
  });

  await test.step('the grid shows each shot as a numbered frame at the board aspect ratio', async () => {
    await expect(owner.getByTestId('shot-grid')).toBeVisible();
    const frames = owner.getByTestId('shot-frame');
    await expect(frames).toHaveCount(3);
    await expect(frames).toHaveText(['1', '2', '3']);
    const box = (await frames.first().boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(16 / 9, 1);
  });

  await test.step('a picture pasted on a card becomes its frame', async () => {
    await pastePicture(owner, 1, '#2d8f6f', 'frame.png');
    const frame = card(owner, 1).getByTestId('shot-frame');
    await expect(frame).toHaveAttribute('data-frame', 'image', { timeout: 30_000 });
    await expect.poll(() => frame.locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 15_000 }).toBe(true);
    await expect(card(owner, 0).getByTestId('shot-frame')).toHaveAttribute('data-frame', 'placeholder');
    await screenshot(owner, info, 'board-grid');
  });

  await test.step('the grid works from the keyboard: arrows move, Enter selects', async () => {
    await card(owner, 0).focus();
    await owner.keyboard.press('ArrowRight');
    await expect(card(owner, 1)).toBeFocused();
    await owner.keyboard.press('Enter');
    await expect(card(owner, 1)).toHaveAttribute('aria-pressed', 'true');
    await expect(owner.getByTestId('shot-title-input')).toHaveValue('Gulls');
  });

  await test.step('the timeline: cards as wide as their shots, frames on them, zoom that says zoom', async () => {
    await owner.getByTestId('view-timeline').click();
    await expect(owner.getByTestId('timeline')).toBeVisible();
    await expect(owner.getByTestId('shot-grid')).toHaveCount(0);
    await expect(card(owner, 1).getByTestId('shot-frame')).toHaveAttribute('data-frame', 'image');
    await expect(owner.getByRole('button', { name: 'Zoom in' })).toBeVisible();
    const before = (await card(owner, 0).boundingBox())!.width;
    await owner.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(async () => (await card(owner, 0).boundingBox())!.width).toBeGreaterThan(before);
    // At the smallest zoom a card is too narrow for its title: pointed at, it widens to show it.
    for (let i = 0; i < 6; i++) {
      const out = owner.getByRole('button', { name: 'Zoom out' });
      if (await out.isDisabled()) break;
      await out.click();
    }
    await card(owner, 2).hover();
    await expect
      .poll(() => card(owner, 2).getByTestId('shot-card-title').evaluate((t) => t.scrollWidth <= t.clientWidth && t.scrollHeight <= t.clientHeight))
      .toBe(true);
    // The timeline works from the keyboard too.
    await card(owner, 0).focus();
    await owner.keyboard.press('Enter');
    await expect(card(owner, 0)).toHaveAttribute('aria-pressed', 'true');
    await screenshot(owner, info, 'board-timeline');
  });

  await test.step('Play runs the board in its total duration, each shot at its time, with a playhead over the timeline', async () => {
    await expect(owner.getByTestId('play-board')).toHaveText('▶ Play from 1');
    await recordPlayback(owner, 'play-button');
    const r = await playbackResult(owner);
    expect(r.seen.map((s) => s.i)).toEqual([0, 1, 2]);
    expect(r.end).toBeGreaterThan(6 - 0.5);
    expect(r.end).toBeLessThan(6 + 0.5);
    expect(Math.abs(r.seen[1]!.t - 2)).toBeLessThan(0.5);
    expect(Math.abs(r.seen[2]!.t - 4)).toBeLessThan(0.5);
    expect(r.seen.map((s) => s.frame)).toEqual(['placeholder', 'image', 'placeholder']);
    await expect(owner.getByTestId('player-overlay')).toContainText('Harbour wakes');
    // The timeline's playhead stopped at the end of the last card (as laid out, whatever the pointer widens).
    const { head, end } = await owner.getByTestId('timeline-track').evaluate((track) => {
      const line = track.querySelector<HTMLElement>('[data-testid="timeline-playhead"]')!;
      const cards = track.querySelectorAll<HTMLElement>('[data-testid="shot-card"]');
      const last = cards[cards.length - 1]!;
      return {
        head: line.getBoundingClientRect().left + line.offsetWidth / 2 - track.getBoundingClientRect().left,
        end: last.offsetLeft + parseFloat(last.style.width),
      };
    });
    expect(Math.abs(head - end)).toBeLessThan(3);
    await expectAccessible(owner, 'the board with the player open');
    await screenshot(owner, info, 'board-player');
  });

  await test.step('the player from the keyboard: Home, arrows, L plays, K pauses, J steps back', async () => {
    await owner.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await owner.keyboard.press('Home');
    await expect(owner.getByTestId('player-stage')).toHaveAttribute('data-shot-index', '0');
    await owner.keyboard.press('ArrowRight');
    await expect(owner.getByTestId('player-stage')).toHaveAttribute('data-shot-index', '1');
    await owner.keyboard.press('l');
    await expect(owner.getByTestId('player-toggle')).toHaveAttribute('data-playing', 'true');
    await owner.keyboard.press('k');
    await expect(owner.getByTestId('player-toggle')).toHaveAttribute('data-playing', 'false');
    const at = Number(await owner.getByTestId('player-playhead').getAttribute('data-time'));
    await owner.keyboard.press('j');
    await expect.poll(async () => Number(await owner.getByTestId('player-playhead').getAttribute('data-time'))).toBeCloseTo(Math.max(0, at - 1), 1);
  });

  await test.step('an editor joins: two people, two colours', async () => {
    await invite(owner, emails.editor, 'editor');
    await invite(owner, emails.viewer, 'viewer');
    await signUp(editor, 'Eda Editor', emails.editor);
    await editor.goto(boardPath);
    await owner.goto(boardPath);
    await expect(owner.getByTestId('peer-avatar')).toHaveCount(2);
    const colours = await owner.getByTestId('peer-avatar').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(new Set(colours).size).toBe(2);
    await expect(owner.getByTestId('peer-avatar').first()).toHaveText(/^[A-Z]{2}$/);
  });

  await test.step("the editor types in a prompt: the owner sees the editor's caret there, in the editor's colour", async () => {
    await card(owner, 0).click();
    await card(editor, 0).click();
    await editor.getByTestId('shot-prompt').click();
    await editor.keyboard.type('Fog over the water');
    const caret = owner.getByTestId('remote-caret');
    await expect(caret).toHaveCount(1);
    await expect(caret).toContainText('Eda Editor');
    const editorAvatar = owner.getByTestId('peer-avatar').filter({ hasText: 'EE' });
    const [caretColour, avatarColour] = await Promise.all([
      caret.evaluate((e) => getComputedStyle(e).backgroundColor),
      editorAvatar.evaluate((e) => getComputedStyle(e).backgroundColor),
    ]);
    expect(caretColour).toBe(avatarColour);
    // It sits at the end of the typed text, inside the field.
    const [c, field] = [(await caret.boundingBox())!, (await owner.getByTestId('shot-prompt').boundingBox())!];
    expect(c.x).toBeGreaterThan(field.x + 20);
    expect(c.x).toBeLessThan(field.x + field.width);
    await editor.getByTestId('shot-title-input').click(); // leaves the prompt: the caret goes
    await expect(caret).toHaveCount(0);
  });

  await test.step('a picture pasted on a card that already has a frame replaces it, for the teammate too', async () => {
    const before = await framePicture(owner, 1);
    expect(before).not.toBe('');
    await expect.poll(() => framePicture(editor, 1)).toBe(before);
    await pastePicture(owner, 1, '#b03a2e', 'new-frame.png');
    await expect.poll(() => framePicture(owner, 1), { timeout: 30_000 }).not.toBe(before);
    const after = await framePicture(owner, 1);
    // The teammate's card follows live (the assets message), to the same picture.
    await expect.poll(() => framePicture(editor, 1), { timeout: 15_000 }).toBe(after);
    await expect.poll(() => card(editor, 1).locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 15_000 }).toBe(true);
    // The inspector says which reference is the frame, and the first picture is still there to go back to.
    await card(owner, 1).click();
    await expect(owner.getByTestId('asset-tile')).toHaveCount(2);
    await expect(owner.getByRole('button', { name: "Use new-frame.png as the shot's frame" })).toHaveAttribute('aria-pressed', 'true');
    await owner.getByRole('button', { name: "Use frame.png as the shot's frame" }).click();
    await expect.poll(() => framePicture(editor, 1), { timeout: 15_000 }).toBe(before);
  });

  await test.step('a shot retimed by someone else while the board plays: the player follows', async () => {
    await card(editor, 2).click();
    const duration = editor.getByTestId('shot-duration-input');
    await duration.fill('4');
    await card(owner, 0).click();
    await owner.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await recordPlayback(owner, 'space');
    await owner.getByTestId('play-board').focus();
    await owner.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await owner.keyboard.press('Space');
    await expect(owner.getByTestId('player-toggle')).toHaveAttribute('data-playing', 'true');
    await duration.press('Enter'); // the retime lands while shot 1 plays
    const r = await playbackResult(owner);
    expect(r.seen.map((s) => s.i)).toEqual([0, 1, 2]);
    expect(r.end).toBeGreaterThan(8 - 0.5);
    expect(r.end).toBeLessThan(8 + 0.5);
    await expect(owner.getByTestId('player-time')).toHaveText('0:08 / 0:08');
  });

  await test.step('a viewer gets a read view: frames, prompt and notes as text, no form controls, no invites', async () => {
    await signUp(viewer, 'Vic Viewer', emails.viewer);
    await viewer.goto(boardPath);
    await expect(viewer.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected');
    await expect(viewer.getByTestId('shot-frame')).toHaveCount(3);
    await card(viewer, 1).click();
    await expect(viewer.getByTestId('shot-read-view')).toBeVisible();
    await expect(viewer.getByTestId('shot-read-title')).toContainText('Gulls');
    expect(await viewer.getByTestId('board-page').locator('input, textarea, select').count()).toBe(0);
    await expect(viewer.getByTestId('add-shot')).toHaveCount(0);
    await expectAccessible(viewer, 'the read view');
    await screenshot(viewer, info, 'board-read');
    await viewer.getByTestId('nav-members').click();
    await expect(viewer.getByTestId('member-row').first()).toBeVisible();
    await expect(viewer.getByText('Pending invites')).toHaveCount(0);
    await expect(viewer.getByTestId('invite-row')).toHaveCount(0);
  });

  await test.step('the project page counts the shots and shows the first frames', async () => {
    await owner.getByRole('link', { name: 'Spot' }).first().click();
    await expect(owner.getByTestId('board-card-shots')).toContainText('3 shots');
    await expect(owner.getByTestId('board-frame')).toHaveCount(3);
    await expect(owner.getByTestId('board-frame').nth(1)).toHaveAttribute('data-frame', 'image', { timeout: 15_000 });
    await expectAccessible(owner, 'the project page');
    await screenshot(owner, info, 'project');
    await owner.getByTestId('nav-projects').click();
    await expectAccessible(owner, 'the workspace page');
    await screenshot(owner, info, 'workspace');
    await owner.getByTestId('nav-members').click();
    await expectAccessible(owner, 'the members page');
    await screenshot(owner, info, 'members');
  });

  await test.step('the main pages at phone size: nothing wider than the phone', async () => {
    await owner.setViewportSize(PHONE);
    await owner.goto(boardPath);
    await expect(owner.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected');
    await owner.getByTestId('view-grid').click();
    await expectNoHorizontalOverflow(owner, 'the grid on a phone');
    await screenshot(owner, info, 'board-grid');
    await owner.getByTestId('view-timeline').click();
    await expectNoHorizontalOverflow(owner, 'the timeline on a phone');
    await screenshot(owner, info, 'board-timeline');
    await owner.getByTestId('play-board').click();
    await screenshot(owner, info, 'board-player');
    await viewer.setViewportSize(PHONE);
    await viewer.goto(boardPath);
    await card(viewer, 1).click();
    await expectNoHorizontalOverflow(viewer, 'the read view on a phone');
    await screenshot(viewer, info, 'board-read');
    for (const [name, nav] of [
      ['members', 'nav-members'],
      ['workspace', 'nav-projects'],
    ] as const) {
      await owner.getByTestId('menu-toggle').click();
      await owner.getByTestId(nav).click();
      await expectNoHorizontalOverflow(owner, `the ${name} page on a phone`);
      await screenshot(owner, info, name);
    }
    await owner.getByRole('link', { name: 'Spot' }).first().click();
    await expect(owner.getByTestId('board-card')).toHaveCount(1);
    await expectNoHorizontalOverflow(owner, 'the project page on a phone');
    await screenshot(owner, info, 'project');
  });
});

test('long names hold at desktop and phone sizes; the phone folds its navigation', async ({ browser }, info) => {
  test.setTimeout(180_000);
  const long = (what: string, n: number) => `${what} ${'Wide establishing shot of the harbour '.repeat(12)}`.slice(0, n).trim();
  const page = await newPage(browser);
  await signUp(page, long('Maximiliana', 100), `story-long-${run}@e2e.shotline.test`);
  await newBoard(page, { workspace: long('Workspace', 200), project: long('Project', 200), board: long('Board', 200) });
  const boardPath = new URL(page.url()).pathname;
  await page.getByTestId('add-shot').click();
  await page.getByTestId('shot-title-input').fill(long('Shot', 200));
  await page.getByTestId('shot-title-input').press('Enter');
  await expect(page.getByTestId('shot-card-title')).toHaveText(long('Shot', 200));
  const projectPath = new URL(await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').nth(1).evaluate((a: HTMLAnchorElement) => a.href)).pathname;
  const workspacePath = new URL(await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').first().evaluate((a: HTMLAnchorElement) => a.href)).pathname;

  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    const where = `${size.width}×${size.height}`;

    await page.goto(boardPath);
    await expect(page.getByTestId('connection-badge')).toHaveAttribute('data-status', 'connected');
    await expectNoHorizontalOverflow(page, `board at ${where}`);
    await expectNoOverlap(page, `board at ${where}`, ['[data-testid="board-title"]', '.page-actions', '.breadcrumbs']);
    await expectNoOverlap(page, `board shots at ${where}`, ['.grid-card-title', '.grid-card-meta', '.shot-frame-box']);
    await screenshot(page, info, 'long-board');

    await page.goto(projectPath);
    await expect(page.getByTestId('board-card')).toHaveCount(1);
    await expectNoHorizontalOverflow(page, `project at ${where}`);
    await expectNoOverlap(page, `project at ${where}`, ['.board-card-title', '.board-card-meta', '.board-card-actions', '.page-actions']);
    await screenshot(page, info, 'long-project');

    await page.goto(workspacePath);
    await expectNoHorizontalOverflow(page, `workspace at ${where}`);
    await screenshot(page, info, 'long-workspace');

    await page.goto(`${workspacePath}/members`);
    await expect(page.getByTestId('member-row')).toHaveCount(1);
    await expectNoHorizontalOverflow(page, `members at ${where}`);
    await expectNoOverlap(page, `members at ${where}`, ['.page-header', '.invite-form', '[data-testid="member-row"]']);
    await screenshot(page, info, 'long-members');
  }

  // On the phone the navigation is a bar with a Menu button, not half the screen.
  const bar = (await page.locator('.sidebar').boundingBox())!;
  expect(bar.height).toBeLessThan(PHONE.height * 0.15);
  await expect(page.getByTestId('nav-projects')).toBeHidden();
  await page.getByTestId('menu-toggle').click();
  await expect(page.getByTestId('menu-toggle')).toHaveAttribute('aria-expanded', 'true');
  await page.getByTestId('nav-projects').click();
  await expect(page.getByTestId('nav-projects')).toBeHidden();
  await expectAccessible(page, 'the workspace page on a phone');

  // The board one-handed: the grid, Play and Add shot within reach, nothing wider than the phone.
  await page.goto(boardPath);
  await expect(page.getByTestId('shot-grid')).toBeVisible();
  await page.getByTestId('add-shot').click();
  await expect(page.getByTestId('shot-card')).toHaveCount(2);
  await page.getByTestId('play-board').click();
  await expect(page.getByTestId('player')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'board with the player on a phone');
  await expectAccessible(page, 'the board on a phone');
  await screenshot(page, info, 'board-player');
});
