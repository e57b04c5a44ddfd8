// What the grid's and the timeline's shot cards share: who else has each
// shot selected, their avatars on a card, the card's badges, and taking
// files dropped on a card.

import type { DragEvent } from 'react';
import type { Peer, Shot } from '../../sync/protocol';
import { ReviewBadge } from '../share/Review';
import { initials } from './shotFields';

/** The other people (not me) who have each shot selected, once each, by shot id. */
export function peersByShot(peers: readonly Peer[], me: string): Map<string, Peer[]> {
  const m = new Map<string, Peer[]>();
  const seen = new Set<string>();
  for (const p of peers) {
    if (p.userId === me || !p.selectedShotId) continue;
    const key = `${p.userId}\u0000${p.selectedShotId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    m.set(p.selectedShotId, [...(m.get(p.selectedShotId) ?? []), p]);
  }
  return m;
}

/** The avatars of the people who have a shot selected, in their colours. */
export function CardPeers({ peers }: { peers: Peer[] }) {
  if (peers.length === 0) return null;
  return (
    <div className="shot-card-peers">
      {peers.map((p) => (
        <span key={p.userId} className="peer-dot" data-testid="shot-peer" title={`${p.name} is here`} style={{ background: p.color }}>
          {initials(p.name)}
        </span>
      ))}
    </div>
  );
}

/** A card's review badge and its count of open comment threads. */
export function CardBadges({ shot, threads }: { shot: Shot; threads: number }) {
  return (
    <>
      <ReviewBadge shot={shot} />
      {threads > 0 && (
        <span
          className="shot-card-comments"
          data-testid="shot-comment-count"
          title={`${threads} open ${threads === 1 ? 'thread' : 'threads'}`}
          aria-label={`${threads} open comment ${threads === 1 ? 'thread' : 'threads'}`}
        >
          {threads}
        </span>
      )}
    </>
  );
}

/** Handlers that take files dropped on a card (not a card being dragged). */
export function fileDropHandlers(shotId: string, onDropFiles: ((shotId: string, files: File[]) => void) | undefined) {
  if (!onDropFiles) return {};
  return {
    onDragOver: (e: DragEvent) => {
      if (!Array.from(e.dataTransfer.types).includes('Files')) return;
      e.preventDefault();
      e.stopPropagation();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDrop: (e: DragEvent) => {
      if (e.dataTransfer.files.length === 0) return;
      e.preventDefault();
      e.stopPropagation();
      onDropFiles(shotId, Array.from(e.dataTransfer.files));
    },
  };
}

/** The drag type that carries a shot being reordered. */
export const SHOT_DRAG_TYPE = 'application/x-shotline-shot';

/**
 * A card's handlers for dragging its shot (number index + 1) to reorder it:
 * other apps get its title as text; dragging says which shot moves, and
 * ends with nothing dragged and no drop gap.
 */
export function shotDragHandlers(shot: Shot, index: number, setDragging: (id: string | null) => void, setDropGap: (gap: number | null) => void) {
  return {
    onDragStart: (e: DragEvent) => {
      e.dataTransfer.setData(SHOT_DRAG_TYPE, shot.id);
      e.dataTransfer.setData('text/plain', shot.title || `Shot ${index + 1}`);
      e.dataTransfer.effectAllowed = 'move';
      setDragging(shot.id);
    },
    onDragEnd: () => {
      setDragging(null);
      setDropGap(null);
    },
  };
}
