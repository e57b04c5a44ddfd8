import { useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { formatSeconds } from '../../components/format';
import type { Peer, Shot } from '../../sync/protocol';
import { reviewOf } from '../share/Review';
import { CardBadges, CardPeers, fileDropHandlers, peersByShot, shotDragHandlers, SHOT_DRAG_TYPE } from './ShotCardParts';
import { indexAfterDrop } from './timeline';

/**
 * The board as a storyboard: rows of frames, each with its number, title,
 * duration and review status, in board order. Editors drag a card onto
 * another's left or right half to move it there. Arrow keys move between
 * cards, Enter or Space selects one.
 */
export function ShotGrid({
  shots,
  selectedId,
  playingId,
  peers,
  me,
  openThreads,
  canEdit,
  onSelect,
  onMove,
  frame,
  onDropFiles,
  dimmed,
  addShot,
}: {
  shots: Shot[];
  selectedId: string | null;
  /** The shot the animatic is on, if it is open. */
  playingId?: string | null;
  peers: Peer[];
  me: string;
  openThreads: Map<string, number>;
  canEdit: boolean;
  onSelect: (id: string) => void;
  onMove: (id: string, index: number) => void;
  frame: (shot: Shot, index: number) => ReactNode;
  onDropFiles?: (shotId: string, files: File[]) => void;
  dimmed?: (shot: Shot) => boolean;
  /** The add-shot tile at the end, for editors. */
  addShot?: ReactNode;
}) {
  const watchers = useMemo(() => peersByShot(peers, me), [peers, me]);
  const [dragging, setDragging] = useState<string | null>(null);
  const [dropGap, setDropGap] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);

  function gapOf(e: DragEvent<HTMLElement>, i: number): number {
    const r = e.currentTarget.getBoundingClientRect();
    return e.clientX < r.left + r.width / 2 ? i : i + 1;
  }

  // Arrow keys move focus between cards, a row at a time up and down.
  function onKey(e: KeyboardEvent<HTMLElement>, i: number) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(shots[i]!.id);
      return;
    }
    const cards = Array.from(list.current?.querySelectorAll<HTMLElement>('[data-testid="shot-card"]') ?? []);
    const top = cards[0]?.offsetTop ?? 0;
    const perRow = Math.max(1, cards.filter((c) => c.offsetTop === top).length);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow }[e.key];
    if (step === undefined) return;
    const next = cards[i + step];
    if (!next) return;
    e.preventDefault();
    next.focus();
  }

  return (
    <ol ref={list} className="shot-grid" data-testid="shot-grid" aria-label="Shots">
      {shots.map((shot, i) => {
        const selected = shot.id === selectedId;
        const files = fileDropHandlers(shot.id, onDropFiles);
        const cls = [
          'grid-card',
          selected && 'grid-card-selected',
          shot.id === playingId && 'grid-card-playing',
          dragging === shot.id && 'shot-card-dragging',
          dimmed?.(shot) && 'shot-card-dimmed',
          dropGap === i && 'grid-card-drop-before',
          dropGap === i + 1 && i === shots.length - 1 && 'grid-card-drop-after',
        ]
          .filter(Boolean)
          .join(' ');
        return (
          <li key={shot.id} className="grid-cell">
            <div
              role="button"
              tabIndex={0}
              className={cls}
              data-testid="shot-card"
              data-shot-id={shot.id}
              data-review={reviewOf(shot)}
              aria-pressed={selected}
              aria-label={`Shot ${i + 1}: ${shot.title || 'untitled'}, ${formatSeconds(shot.duration)}`}
              draggable={canEdit}
              style={(watchers.get(shot.id) ?? []).length ? { boxShadow: `0 0 0 2px ${watchers.get(shot.id)![0]!.color}` } : undefined}
              onClick={() => onSelect(shot.id)}
              onKeyDown={(e) => onKey(e, i)}
              {...shotDragHandlers(shot, i, setDragging, setDropGap)}
              onDragOver={(e) => {
                if (canEdit && (dragging || e.dataTransfer.types.includes(SHOT_DRAG_TYPE))) {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = 'move';
                  const g = gapOf(e, i);
                  if (g !== dropGap) setDropGap(g);
                  return;
                }
                files.onDragOver?.(e);
              }}
              onDrop={(e) => {
                const id = e.dataTransfer.getData(SHOT_DRAG_TYPE) || dragging;
                if (canEdit && id) {
                  e.preventDefault();
                  const g = gapOf(e, i);
                  setDragging(null);
                  setDropGap(null);
                  const from = shots.findIndex((s) => s.id === id);
                  if (from >= 0) onMove(id, indexAfterDrop(from, g));
                  return;
                }
                files.onDrop?.(e);
              }}
            >
              {frame(shot, i)}
              <div className="grid-card-body">
                <div className="grid-card-head">
                  <span className="shot-card-index">{i + 1}</span>
                  <span className="grid-card-title" data-testid="shot-card-title">
                    {shot.title || `Shot ${i + 1}`}
                  </span>
                </div>
                <div className="grid-card-meta">
                  <span className="grid-card-duration">{formatSeconds(shot.duration)}</span>
                  <CardBadges shot={shot} threads={openThreads.get(shot.id) ?? 0} />
                  <CardPeers peers={watchers.get(shot.id) ?? []} />
                </div>
              </div>
            </div>
          </li>
        );
      })}
      {addShot && <li className="grid-cell grid-cell-add">{addShot}</li>}
    </ol>
  );
}
