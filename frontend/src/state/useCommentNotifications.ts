import { useCallback, useEffect, useRef } from 'react';
import type { LiveBoardState } from './liveBoard';
import { useStore } from './store';

/**
 * Sends a comment's notifications (its @mentions, the reply to a thread)
 * once the server has acknowledged it: the server reads the comment from
 * the board, so it must be there first. Returns the callback to hand to
 * the comments panel for each comment this person writes.
 */
export function useCommentNotifications(boardId: string, live: LiveBoardState): (commentId: string) => void {
  const { api } = useStore();
  const waiting = useRef(new Set<string>());

  useEffect(() => {
    if (live.pending > 0 || !live.board || waiting.current.size === 0) return;
    for (const id of [...waiting.current]) {
      waiting.current.delete(id);
      // Nothing pending and not on the board: it was refused.
      if (!live.board.comments.some((c) => c.id === id)) continue;
      api.comments.notify(boardId, id).catch(() => undefined); // the comment stands without them
    }
  }, [api, boardId, live.pending, live.board]);

  return useCallback((commentId: string) => {
    waiting.current.add(commentId);
  }, []);
}
