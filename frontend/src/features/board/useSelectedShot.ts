import { useEffect } from 'react';
import type { LiveBoardStore } from '../../state/liveBoard';
import type { Shot } from '../../sync/protocol';

/**
 * The shot selected among shots (null, index -1, when selectedId names none
 * of them), which the board's live store tells teammates (presence).
 */
export function useSelectedShot(store: LiveBoardStore | null, shots: readonly Shot[], selectedId: string | null) {
  const index = shots.findIndex((s) => s.id === selectedId);
  const selected = index >= 0 ? shots[index]! : null;
  const selectedLiveId = selected?.id ?? null;
  useEffect(() => {
    store?.select(selectedLiveId);
  }, [store, selectedLiveId]);
  return { selected, index };
}
