import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient, ImportProgress } from '../../api/client';
import { IMPORT_POLL_MS, importBundle } from '../../api/upload';
import { OWNER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import { describeImport } from './ImportBundle';

/** The one XMLHttpRequest a test's import sends, answered by the test. */
class FakeXHR {
  static last: FakeXHR | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXHR.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const report = {
  projectId: 'p9',
  projectName: 'Imported film',
  boards: [{ id: 'b9', title: 'Opening', shots: 3, comments: 1, assets: 2, renders: 1 }],
  files: 3,
  bytes: 3 * 1024 * 1024,
};

function progress(over: Partial<ImportProgress>): ImportProgress {
  return { id: 'x', phase: 'storing', done: 0, total: 0, files: 0, filesTotal: 0, updatedAt: '2026-01-01T00:00:00Z', ...over };
}

beforeEach(() => {
  FakeXHR.last = null;
  vi.stubGlobal('XMLHttpRequest', FakeXHR);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('importBundle', () => {
  function fakeApi(answer: () => Promise<ImportProgress>) {
    const importProgress = vi.fn((_ws: string, _id: string) => answer());
    return { api: { csrfToken: () => 'tok', exports: { importProgress } } as unknown as ApiClient, importProgress };
  }

  it('follows the server under the progress id it sends, until the import answers', async () => {
    vi.useFakeTimers();
    const storing = progress({ phase: 'storing', done: 1024, total: 4096, files: 1, filesTotal: 3 });
    const { api, importProgress } = fakeApi(() => Promise.resolve(storing));
    const heard: ImportProgress[] = [];
    const file = new File(['PK'], 'film.zip', { type: 'application/zip' });
    const done = importBundle(api, 'ws1', file, undefined, undefined, (p) => heard.push(p));

    const xhr = FakeXHR.last!;
    const id = new URL(xhr.url, 'http://x').searchParams.get('progress');
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toMatch(/^\/api\/workspaces\/ws1\/imports\?progress=/);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(xhr.body).toBe(file);

    await vi.advanceTimersByTimeAsync(IMPORT_POLL_MS);
    expect(importProgress).toHaveBeenCalledWith('ws1', id);
    expect(heard).toEqual([storing]);
    await vi.advanceTimersByTimeAsync(IMPORT_POLL_MS);
    expect(heard).toHaveLength(2);

    xhr.answer(201, report);
    await expect(done).resolves.toEqual(report);
    const polls = importProgress.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5 * IMPORT_POLL_MS);
    expect(importProgress.mock.calls.length).toBe(polls);
  });

  it('keeps polling past a 404 (not started yet) and stops on a refusal', async () => {
    vi.useFakeTimers();
    const { api, importProgress } = fakeApi(() => Promise.reject(new Error('404')));
    const heard: ImportProgress[] = [];
    const done = importBundle(api, 'ws1', new File(['x'], 'a.zip'), undefined, undefined, (p) => heard.push(p));
    await vi.advanceTimersByTimeAsync(3 * IMPORT_POLL_MS);
    expect(importProgress).toHaveBeenCalledTimes(3);
    FakeXHR.last!.answer(413, { code: 'ETOOLARGE', message: 'The bundle is larger than 8.0 GiB, the largest this server imports.' });
    await expect(done).rejects.toMatchObject({ code: 'ETOOLARGE', status: 413 });
    await vi.advanceTimersByTimeAsync(5 * IMPORT_POLL_MS);
    expect(importProgress).toHaveBeenCalledTimes(3);
    expect(heard).toEqual([]);
  });
});

describe('describeImport', () => {
  it.each([
    [progress({ phase: 'receiving', done: 1024, total: 2048 }), 'Receiving 1.0 KiB of 2.0 KiB…', 2048],
    [progress({ phase: 'checking' }), 'Checking the bundle…', undefined],
    [progress({ phase: 'storing', done: 1536, total: 3072, files: 2, filesTotal: 5 }), 'Storing files: 2 of 5 (1.5 KiB of 3.0 KiB)…', 3072],
  ])('$0.phase', (p, text, max) => {
    const got = describeImport(p);
    expect(got.text).toBe(text);
    expect(got.max).toBe(max);
  });
});

describe('import dialog', () => {
  const routes = {
    'GET /api/projects/p1': { status: 200, body: { id: 'p1', workspaceId: 'ws1', name: 'Spot', archived: false } },
    'GET /api/projects/p1/boards': { status: 200, body: { boards: [] } },
  };

  it("shows the server's progress once the bundle is sent, then the report", async () => {
    const id = '0b5a8c1e-2f3d-4a5b-8c6d-7e8f9a0b1c2d';
    vi.spyOn(crypto, 'randomUUID').mockReturnValue(id);
    let answer = progress({ phase: 'checking' });
    renderApp('/p/p1', {
      workspaces: [workspace(OWNER_PERMISSIONS)],
      routes: { ...routes, [`GET /api/workspaces/ws1/imports/${id}`]: () => ({ status: 200, body: answer }) },
    });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-import'));
    const dialog = screen.getByTestId('import-dialog');
    const file = new File([new Uint8Array(2048)], 'film.zip', { type: 'application/zip' });
    await u.upload(within(dialog).getByTestId('import-file'), file);
    await u.click(within(dialog).getByTestId('start-import'));

    const xhr = FakeXHR.last!;
    expect(xhr.url).toBe(`/api/workspaces/ws1/imports?progress=${id}`);
    act(() => xhr.upload.onprogress?.({ loaded: 1024 }));
    expect(within(dialog).getByTestId('import-step')).toHaveTextContent('Uploading 1.0 KiB of 2.0 KiB…');

    act(() => xhr.upload.onprogress?.({ loaded: 2048 }));
    expect(await within(dialog).findByText('Checking the bundle…', {}, { timeout: 3 * IMPORT_POLL_MS })).toBeInTheDocument();
    answer = progress({ phase: 'storing', done: 1024, total: 4096, files: 1, filesTotal: 3 });
    expect(
      await within(dialog).findByText('Storing files: 1 of 3 (1.0 KiB of 4.0 KiB)…', {}, { timeout: 3 * IMPORT_POLL_MS }),
    ).toBeInTheDocument();
    expect(within(dialog).getByTestId('import-progress')).toHaveAttribute('value', '1024');

    act(() => xhr.answer(201, report));
    const shown = await within(dialog).findByTestId('import-report');
    expect(shown).toHaveTextContent('Imported Imported film: 3 files, 3.0 MiB.');
    expect(within(shown).getByRole('link', { name: 'Opening' })).toHaveAttribute('href', '/b/b9');
    expect(within(dialog).queryByTestId('import-progress')).toBeNull();
  });

  it('shows a refusal with its message', async () => {
    renderApp('/p/p1', { workspaces: [workspace(OWNER_PERMISSIONS)], routes });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-import'));
    const dialog = screen.getByTestId('import-dialog');
    await u.upload(within(dialog).getByTestId('import-file'), new File(['PK'], 'bad.zip', { type: 'application/zip' }));
    await u.click(within(dialog).getByTestId('start-import'));
    act(() => FakeXHR.last!.answer(422, { code: 'EINVALID', message: 'Invalid bundle: "../x" escapes the bundle.' }));
    expect(await within(dialog).findByTestId('import-error')).toHaveTextContent('"../x" escapes the bundle');
    expect(within(dialog).queryByTestId('import-report')).toBeNull();
  });
});
