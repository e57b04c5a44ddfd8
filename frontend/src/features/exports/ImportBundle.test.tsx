import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type ImportProgress, type ImportReport } from '../../api/client';
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

/** Waits for the XMLHttpRequest sent to a URL ending with tail. */
async function xhrTo(tail: string): Promise<FakeXHR> {
  await vi.waitFor(() => expect(FakeXHR.last?.url.endsWith(tail)).toBe(true));
  return FakeXHR.last!;
}

describe('importBundle', () => {
  function fakeApi(answer: () => Promise<ImportProgress>, complete: () => Promise<ImportReport> = () => Promise.resolve(report)) {
    const exports = {
      beginImport: vi.fn((_ws: string, size: number) => Promise.resolve({ id: 'imp1', partSize: 4, parts: Math.ceil(size / 4) })),
      completeImport: vi.fn((_ws: string, _id: string) => complete()),
      abortImport: vi.fn((_ws: string, _id: string) => Promise.resolve()),
      importProgress: vi.fn((_ws: string, _id: string) => answer()),
    };
    return { api: { csrfToken: () => 'tok', exports } as unknown as ApiClient, exports };
  }

  it('uploads the bundle in parts, completes it, and follows the server under its id until it answers', async () => {
    vi.useFakeTimers();
    const storing = progress({ phase: 'storing', done: 1024, total: 4096, files: 1, filesTotal: 3 });
    let finish: (r: ImportReport) => void = () => undefined;
    const { api, exports } = fakeApi(
      () => Promise.resolve(storing),
      () => new Promise<ImportReport>((resolve) => (finish = resolve)),
    );
    const heard: ImportProgress[] = [];
    const sent: number[] = [];
    const file = new File(['PK34567890'], 'film.zip', { type: 'application/zip' }); // 10 bytes: parts of 4, 4, 2
    const done = importBundle(api, 'ws1', file, (n) => sent.push(n), undefined, (p) => heard.push(p));

    const bodies: number[] = [];
    for (const n of [1, 2, 3]) {
      const xhr = await xhrTo(`/api/workspaces/ws1/imports/imp1/parts/${n}`);
      expect(xhr.method).toBe('PUT');
      expect(xhr.headers['Content-Type']).toBe('application/octet-stream');
      expect(xhr.headers['X-CSRF-Token']).toBe('tok');
      bodies.push((xhr.body as Blob).size);
      xhr.answer(204, '');
    }
    expect(exports.beginImport).toHaveBeenCalledWith('ws1', 10);
    expect(bodies).toEqual([4, 4, 2]);
    await vi.waitFor(() => expect(exports.completeImport).toHaveBeenCalledWith('ws1', 'imp1'));
    expect(sent.at(-1)).toBe(10);

    await vi.advanceTimersByTimeAsync(IMPORT_POLL_MS);
    expect(exports.importProgress).toHaveBeenCalledWith('ws1', 'imp1');
    expect(heard).toEqual([storing]);
    await vi.advanceTimersByTimeAsync(IMPORT_POLL_MS);
    expect(heard).toHaveLength(2);

    finish(report);
    await expect(done).resolves.toEqual(report);
    const polls = exports.importProgress.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5 * IMPORT_POLL_MS);
    expect(exports.importProgress.mock.calls.length).toBe(polls);
    expect(exports.abortImport).not.toHaveBeenCalled();
  });

  it('keeps polling past a 404 (not started yet) and stops on a refusal', async () => {
    vi.useFakeTimers();
    let refuse: (e: unknown) => void = () => undefined;
    const { api, exports } = fakeApi(
      () => Promise.reject(new Error('404')),
      () => new Promise<ImportReport>((_, reject) => (refuse = reject)),
    );
    const heard: ImportProgress[] = [];
    const done = importBundle(api, 'ws1', new File(['x'], 'a.zip'), undefined, undefined, (p) => heard.push(p));
    (await xhrTo('/parts/1')).answer(204, '');
    await vi.waitFor(() => expect(exports.completeImport).toHaveBeenCalled());
    await vi.advanceTimersByTimeAsync(3 * IMPORT_POLL_MS);
    expect(exports.importProgress).toHaveBeenCalledTimes(3);
    refuse(new ApiError(422, 'EINVALID', 'Invalid bundle: "../x" escapes the bundle.'));
    await expect(done).rejects.toMatchObject({ code: 'EINVALID', status: 422 });
    await vi.advanceTimersByTimeAsync(5 * IMPORT_POLL_MS);
    expect(exports.importProgress).toHaveBeenCalledTimes(3);
    expect(heard).toEqual([]);
  });

  it('drops the upload on the server when a part is refused, and never completes it', async () => {
    const { api, exports } = fakeApi(() => Promise.reject(new Error('404')));
    const done = importBundle(api, 'ws1', new File(['PK34567890'], 'film.zip'), undefined, undefined, () => undefined);
    (await xhrTo('/parts/1')).answer(204, '');
    (await xhrTo('/parts/2')).answer(422, { code: 'EINVALID', message: 'Invalid part: part 2 must be 4 bytes, not 3' });
    await expect(done).rejects.toMatchObject({ code: 'EINVALID', status: 422 });
    expect(exports.abortImport).toHaveBeenCalledWith('ws1', 'imp1');
    expect(exports.completeImport).not.toHaveBeenCalled();
  });

  it('sends nothing when the server refuses to begin (a bundle over its limit)', async () => {
    const { api, exports } = fakeApi(() => Promise.reject(new Error('404')));
    exports.beginImport.mockRejectedValue(new ApiError(413, 'ETOOLARGE', 'The bundle is 9.0 GiB; this server imports bundles of at most 8.0 GiB.'));
    await expect(importBundle(api, 'ws1', new File(['x'], 'a.zip'))).rejects.toMatchObject({ code: 'ETOOLARGE', status: 413 });
    expect(FakeXHR.last).toBeNull();
    expect(exports.completeImport).not.toHaveBeenCalled();
  });
});

describe('describeImport', () => {
  it.each([
    [progress({ phase: 'receiving', done: 1024, total: 2048 }), 'Reading the uploaded bundle: 1.0 KiB of 2.0 KiB…', 2048],
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

  it("shows the upload's progress, then the server's once the bundle is sent, then the report", async () => {
    let answer = progress({ phase: 'checking' });
    let finish: (a: { status: number; body: unknown }) => void = () => undefined;
    const seen = renderApp('/p/p1', {
      workspaces: [workspace(OWNER_PERMISSIONS)],
      routes: {
        ...routes,
        'POST /api/workspaces/ws1/imports': { status: 201, body: { id: 'imp1', partSize: 1024, parts: 2 } },
        'POST /api/workspaces/ws1/imports/imp1/complete': () => new Promise((resolve) => (finish = resolve)),
        'GET /api/workspaces/ws1/imports/imp1': () => ({ status: 200, body: answer }),
      },
    });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-import'));
    const dialog = screen.getByTestId('import-dialog');
    const file = new File([new Uint8Array(2048)], 'film.zip', { type: 'application/zip' });
    await u.upload(within(dialog).getByTestId('import-file'), file);
    await u.click(within(dialog).getByTestId('start-import'));

    const part1 = await xhrTo('/api/workspaces/ws1/imports/imp1/parts/1');
    act(() => part1.upload.onprogress?.({ loaded: 512 }));
    expect(within(dialog).getByTestId('import-step')).toHaveTextContent('Uploading 512 B of 2.0 KiB…');
    act(() => part1.answer(204, ''));
    const part2 = await xhrTo('/api/workspaces/ws1/imports/imp1/parts/2');
    act(() => part2.upload.onprogress?.({ loaded: 512 }));
    expect(within(dialog).getByTestId('import-step')).toHaveTextContent('Uploading 1.5 KiB of 2.0 KiB…');
    act(() => part2.answer(204, ''));
    expect(seen.seen.some((r) => r.method === 'POST' && r.url === '/api/workspaces/ws1/imports' && (r.body as { size: number }).size === 2048)).toBe(
      true,
    );

    expect(await within(dialog).findByText('Checking the bundle…', {}, { timeout: 3 * IMPORT_POLL_MS })).toBeInTheDocument();
    answer = progress({ phase: 'storing', done: 1024, total: 4096, files: 1, filesTotal: 3 });
    expect(
      await within(dialog).findByText('Storing files: 1 of 3 (1.0 KiB of 4.0 KiB)…', {}, { timeout: 3 * IMPORT_POLL_MS }),
    ).toBeInTheDocument();
    expect(within(dialog).getByTestId('import-progress')).toHaveAttribute('value', '1024');

    act(() => finish({ status: 201, body: report }));
    const shown = await within(dialog).findByTestId('import-report');
    expect(shown).toHaveTextContent('Imported Imported film: 3 files, 3.0 MiB.');
    expect(within(shown).getByRole('link', { name: 'Opening' })).toHaveAttribute('href', '/b/b9');
    expect(within(dialog).queryByTestId('import-progress')).toBeNull();
  });

  it('shows a refusal with its message', async () => {
    renderApp('/p/p1', {
      workspaces: [workspace(OWNER_PERMISSIONS)],
      routes: {
        ...routes,
        'POST /api/workspaces/ws1/imports': { status: 201, body: { id: 'imp2', partSize: 1024, parts: 1 } },
        'POST /api/workspaces/ws1/imports/imp2/complete': {
          status: 422,
          body: { code: 'EINVALID', message: 'Invalid bundle: "../x" escapes the bundle.' },
        },
      },
    });
    const u = userEvent.setup();
    await u.click(await screen.findByTestId('open-import'));
    const dialog = screen.getByTestId('import-dialog');
    await u.upload(within(dialog).getByTestId('import-file'), new File(['PK'], 'bad.zip', { type: 'application/zip' }));
    await u.click(within(dialog).getByTestId('start-import'));
    const part = await xhrTo('/api/workspaces/ws1/imports/imp2/parts/1');
    act(() => part.answer(204, ''));
    expect(await within(dialog).findByTestId('import-error')).toHaveTextContent('"../x" escapes the bundle');
    expect(within(dialog).queryByTestId('import-report')).toBeNull();
  });
});
