import { useEffect, useState, useSyncExternalStore } from 'react';
import { ApiError } from '../api/client';
import type { TerminalReason } from '../sync/connection';
import { initialLiveBoardState, LiveBoardStore, type LiveBoardState } from './liveBoard';
import { useStore } from './store';

const noSubscribe = () => () => undefined;
const initial = () => initialLiveBoardState;

/** What a test may do to the live connection (window.__shotlineSync). */
export interface SyncTestHooks {
  /** Drops the socket as a network failure would; it reconnects with backoff. */
  disconnect(): void;
  reconnectNow(): void;
  state(): LiveBoardState;
}

declare global {
  interface Window {
    /** Set to true before the app loads (e.g. Playwright's addInitScript) to get __shotlineSync. */
    __shotlineTestHooks?: boolean;
    __shotlineSync?: SyncTestHooks;
  }
}

function testHooksWanted(): boolean {
  if (typeof window === 'undefined') return false;
  return window.__shotlineTestHooks === true || new URLSearchParams(window.location.search).has('e2e');
}

/**
 * Opens the board's live connection while the calling component is
 * mounted and returns its store and current state. store is null for the
 * first render.
 */
export function useLiveBoard(
  boardId: string,
  /** The actor of a share link's guest (GuestView.actor); members are their user id. */
  actorOverride?: string,
): { store: LiveBoardStore | null; state: LiveBoardState } {
  const { api, realtime, state: app, reportError } = useStore();
  const actor = actorOverride ?? app.user?.id ?? '';
  const [store, setStore] = useState<LiveBoardStore | null>(null);

  useEffect(() => {
    if (!actor) return;
    // The server refuses a socket before the upgrade with a status the
    // browser hides; after repeated failures, ask the REST API why.
    const diagnose = async (): Promise<TerminalReason | null> => {
      try {
        await api.boards.get(boardId);
        return null;
      } catch (err) {
        if (!(err instanceof ApiError)) return null;
        switch (err.code) {
          case 'EUNAUTHORIZED':
            reportError(err);
            return { code: 0, kind: 'session-ended', message: 'Your session has ended. Sign in again to keep editing.' };
          case 'ENOTFOUND':
            return { code: 0, kind: 'not-found', message: 'This board was deleted, or you no longer have access.' };
          case 'EFORBIDDEN':
            return { code: 0, kind: 'forbidden', message: 'You no longer have access to this board.' };
          case 'EGONE':
            return { code: 0, kind: 'link-ended', message: err.message };
          default:
            return null;
        }
      }
    };
    const s = new LiveBoardStore(boardId, actor, realtime, diagnose);
    s.start();
    setStore(s);
    const onHide = () => s.persistNow();
    window.addEventListener('pagehide', onHide);
    if (testHooksWanted()) {
      window.__shotlineSync = {
        disconnect: () => s.disconnect(),
        reconnectNow: () => s.reconnectNow(),
        state: () => s.getSnapshot(),
      };
    }
    return () => {
      window.removeEventListener('pagehide', onHide);
      if (window.__shotlineSync) delete window.__shotlineSync;
      s.stop();
      setStore((cur) => (cur === s ? null : cur));
    };
  }, [api, boardId, actor, realtime, reportError]);

  const state = useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.getSnapshot ?? initial);
  return { store, state };
}
