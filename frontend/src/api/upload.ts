/**
 * Uploads a file the way the server takes it: begin (name and size, checked
 * against limits and quota), then every part as a raw PUT of at most
 * partSize bytes, then complete. Parts go through XMLHttpRequest, the only
 * browser API that reports upload progress. A failure or abort drops the
 * upload on the server, so nothing half-stored is left.
 */
import { ApiError, CSRF_COOKIE, CSRF_HEADER, parseError, readCookie, type ApiClient, type Asset, type ImportProgress, type ImportReport, type UploadStart } from './client';

export interface UploadOptions {
  boardId: string;
  shotId?: string;
  file: File;
  /** Bytes sent so far, out of the file's size. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Sends body with XMLHttpRequest (the one browser API that reports upload
 * progress) and resolves with the response's text; an error answer rejects
 * with its ApiError.
 */
export function sendWithProgress(
  method: 'PUT' | 'POST',
  url: string,
  body: Blob,
  contentType: string,
  csrf: string | null,
  onProgress: (sent: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader(CSRF_HEADER, csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.responseText);
      let data: unknown;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = undefined;
      }
      reject(parseError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, 'ENETWORK', 'The upload was interrupted. Check your connection and try again.'));
    xhr.onabort = () => reject(new DOMException('Upload canceled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

function putPart(url: string, body: Blob, csrf: string | null, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<void> {
  return sendWithProgress('PUT', url, body, 'application/octet-stream', csrf, onProgress, signal).then(() => undefined);
}

function csrfOf(api: ApiClient): string | null {
  return typeof document === 'undefined' ? api.csrfToken() : readCookie(document.cookie, CSRF_COOKIE) ?? api.csrfToken();
}

/** How often the import dialog reads a running import's progress. */
export const IMPORT_POLL_MS = 1000;

/**
 * Sends file as the parts an upload was begun with (partSize bytes each,
 * the last shorter) to partURL(n), reporting the bytes sent of the file's
 * size.
 */
async function sendParts(
  api: ApiClient,
  file: File,
  start: UploadStart,
  partURL: (n: number) => string,
  onProgress?: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const csrf = csrfOf(api);
  let done = 0;
  for (let n = 1; n <= start.parts; n++) {
    if (signal?.aborted) throw new DOMException('Upload canceled', 'AbortError');
    const from = (n - 1) * start.partSize;
    const part = file.slice(from, Math.min(from + start.partSize, file.size));
    await putPart(partURL(n), part, csrf, (sent) => onProgress?.(done + sent, file.size), signal);
    done += part.size;
    onProgress?.(done, file.size);
  }
}

/**
 * Imports a project bundle (ZIP) into a workspace as a new project: the
 * bundle is uploaded in parts as any file is (onProgress hears the bytes
 * sent), then the import is completed; the server checks all of it and
 * stores nothing unless all of it is right. While it does, onServer hears
 * its progress (receiving, checking, storing), read every IMPORT_POLL_MS
 * under the import's id, until the import answers. A failed or canceled
 * upload is dropped on the server.
 */
export async function importBundle(
  api: ApiClient,
  workspaceId: string,
  file: File,
  onProgress?: (sent: number, total: number) => void,
  signal?: AbortSignal,
  onServer?: (p: ImportProgress) => void,
): Promise<ImportReport> {
  const start = await api.exports.beginImport(workspaceId, file.size);
  const enc = encodeURIComponent;
  try {
    await sendParts(api, file, start, (n) => `/api/workspaces/${enc(workspaceId)}/imports/${enc(start.id)}/parts/${n}`, onProgress, signal);
  } catch (e) {
    api.exports.abortImport(workspaceId, start.id).catch(() => undefined);
    throw e;
  }
  let answered = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    try {
      const p = await api.exports.importProgress(workspaceId, start.id);
      if (!answered) onServer?.(p);
    } catch {
      // 404 before the server has started it, or once it has answered.
    }
    if (!answered) timer = setTimeout(() => void poll(), IMPORT_POLL_MS);
  };
  if (onServer) timer = setTimeout(() => void poll(), IMPORT_POLL_MS);
  try {
    // The server drops the upload once it has copied it out, whether the
    // import then succeeds or not.
    return await api.exports.completeImport(workspaceId, start.id);
  } finally {
    answered = true;
    clearTimeout(timer);
  }
}

/** Uploads file to the board (and shot) and returns the asset. */
export async function uploadFile(api: ApiClient, o: UploadOptions): Promise<Asset> {
  const { boardId, file } = o;
  const start = await api.assets.begin(boardId, { name: file.name, size: file.size, shotId: o.shotId });
  const enc = encodeURIComponent;
  try {
    await sendParts(api, file, start, (n) => `/api/boards/${enc(boardId)}/uploads/${enc(start.id)}/parts/${n}`, o.onProgress, o.signal);
    return await api.assets.complete(boardId, start.id);
  } catch (e) {
    // A part the server refused already dropped the upload; this is for the rest.
    api.assets.abort(boardId, start.id).catch(() => undefined);
    throw e;
  }
}
