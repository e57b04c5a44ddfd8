import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage, type ApiClient, type Asset, type Render } from '../../api/client';
import { uploadFile } from '../../api/upload';
import type { RenderJob } from '../../sync/protocol';

/** An upload in this tab: how far it is, or why it failed. */
export interface UploadState {
  key: number;
  shotId: string;
  name: string;
  sent: number;
  total: number;
  error: string | null;
}

export interface BoardMedia {
  /** Reference files by shot id, first attached first. */
  assets: Record<string, Asset[]>;
  /** The frame chosen for a shot (an asset id among its assets), by shot id. */
  frames: Record<string, string>;
  /** Renders by shot id, newest first: the stored history with live states on top. */
  renders: Record<string, Render[]>;
  uploads: UploadState[];
  /** Uploads files to a shot; with asFrame, the first picture becomes its frame once stored. */
  upload: (shotId: string, files: File[], asFrame?: boolean) => void;
  /** Makes one of the shot's assets its frame, or (null) lets it be automatic again. */
  chooseFrame: (shotId: string, assetId: string | null) => Promise<void>;
  dismissUpload: (key: number) => void;
  detach: (shotId: string, assetId: string) => Promise<void>;
  /** Reads assets and renders again (after a render finished: its URL). */
  reload: () => void;
  error: string | null;
}

const ACTIVE = new Set(['queued', 'running']);

/**
 * A board's reference files and renders for the board screen. Live render
 * states come from the room (pushed jobs); finished renders are read again
 * from the API, which presigns their videos for this person, and so are
 * the references whenever the room says they changed (assetsChanged).
 */
export function useBoardMedia(api: ApiClient, boardId: string, pushed: Record<string, RenderJob>, assetsChanged = 0): BoardMedia {
  const [assets, setAssets] = useState<Record<string, Asset[]>>({});
  const [frames, setFrames] = useState<Record<string, string>>({});
  const [history, setHistory] = useState<Record<string, Render[]>>({});
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    Promise.all([api.assets.list(boardId), api.renders.list(boardId)]).then(
      ([a, r]) => {
        if (!live) return;
        const clean = <T,>(m: Record<string, T[] | null>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? []]));
        setAssets(a.shots);
        setFrames(a.frames);
        setHistory(clean(r));
        setError(null);
      },
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, boardId, nonce, assetsChanged]);

  // A pushed job that finished: read the history again for its video's URL.
  const finished = Object.values(pushed)
    .filter((j) => !ACTIVE.has(j.state))
    .map((j) => j.id + j.state)
    .sort()
    .join();
  useEffect(() => {
    if (finished) reload();
  }, [finished, reload]);

  const renders = useMemo(() => {
    const out: Record<string, Render[]> = {};
    for (const [shot, list] of Object.entries(history)) out[shot] = [...list];
    for (const job of Object.values(pushed)) {
      const list = (out[job.shotId] ??= []);
      const i = list.findIndex((r) => r.id === job.id);
      if (i < 0) list.unshift(job);
      // The stored copy wins once finished (it has the URL); else the live state.
      else if (ACTIVE.has(job.state) || !list[i]!.url) list[i] = { ...list[i]!, ...job };
    }
    for (const list of Object.values(out)) list.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return out;
  }, [history, pushed]);

  const chooseFrame = useCallback(
    async (shotId: string, assetId: string | null) => {
      if (assetId) await api.assets.setFrame(boardId, shotId, assetId);
      else await api.assets.clearFrame(boardId, shotId);
      setFrames(({ [shotId]: _, ...rest }) => (assetId ? { ...rest, [shotId]: assetId } : rest));
    },
    [api, boardId],
  );

  const upload = useCallback(
    (shotId: string, files: File[], asFrame = false) => {
      const frameFile = asFrame ? files.find((f) => f.type.startsWith('image/')) : undefined;
      for (const file of files) {
        const key = ++seq.current;
        setUploads((u) => [...u, { key, shotId, name: file.name, sent: 0, total: file.size, error: null }]);
        const update = (patch: Partial<UploadState>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
        uploadFile(api, { boardId, shotId, file, onProgress: (sent, total) => update({ sent, total }) }).then(
          async (asset) => {
            setAssets((a) => ({ ...a, [shotId]: [...(a[shotId] ?? []), asset] }));
            // The bar stays until the picture is the frame, so the card never flashes the old one as done.
            if (file === frameFile) await chooseFrame(shotId, asset.id);
            setUploads((u) => u.filter((x) => x.key !== key));
          },
          (e) => update({ error: errorMessage(e) }),
        ).catch((e) => update({ error: errorMessage(e) }));
      }
    },
    [api, boardId, chooseFrame],
  );

  const dismissUpload = useCallback((key: number) => setUploads((u) => u.filter((x) => x.key !== key)), []);

  const detach = useCallback(
    async (shotId: string, assetId: string) => {
      await api.assets.detach(boardId, shotId, assetId);
      setAssets((a) => ({ ...a, [shotId]: (a[shotId] ?? []).filter((x) => x.id !== assetId) }));
      setFrames(({ [shotId]: chosen, ...rest }) => (chosen && chosen !== assetId ? { ...rest, [shotId]: chosen } : rest));
    },
    [api, boardId],
  );

  return { assets, frames, renders, uploads, upload, chooseFrame, dismissUpload, detach, reload, error };
}

/** The newest render of a shot that has a video, if any. */
export function latestVideo(renders: Render[] | undefined): Render | undefined {
  return renders?.find((r) => r.state === 'succeeded' && r.url);
}

/** The render of a shot that is queued or running, if any. */
export function activeRender(renders: Render[] | undefined): Render | undefined {
  return renders?.find((r) => ACTIVE.has(r.state));
}
