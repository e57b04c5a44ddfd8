import { reviewOf } from '../share/Review';
import { useEffect, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { formatSeconds } from '../../components/format';
import type { Peer, Shot } from '../../sync/protocol';
import { followClock, type PlayheadClock } from './player';
import { CardBadges, CardPeers, fileDropHandlers, peersByShot, shotDragHandlers, SHOT_DRAG_TYPE as DRAG_TYPE } from './ShotCardParts';
import { formatTimecode } from './shotFields';
import { gapAt, indexAfterDrop, timelineLayout, type TimelineLayout } from './timeline';

const GAP = 12;

/**
 * The horizontal timeline: one card per shot, as wide as its duration,
 * in board order. Editors drag cards to reorder and use the "+" in a gap to
 * add a shot there. Cards carry the colours of the other people who have
 * them selected.
 */
export function Timeline({
  shots,
  pxPerSecond,
  selectedId,
  peers,
  me,
  openThreads,
  canEdit,
  onSelect,
  onInsert,
  onMove,
  frame,
  onDropFiles,
  dimmed,
  clock,
}: {
  shots: Shot[];
  pxPerSecond: number;
  selectedId: string | null;
  peers: Peer[];
  me: string;
  /** Open comment threads per shot id. */
  openThreads: Map<string, number>;
  canEdit: boolean;
  onSelect: (id: string) => void;
  onInsert: (index: number) => void;
  onMove: (id: string, index: number) => void;
  /** A card's frame (render poster, reference picture or placeholder). */
  frame?: (shot: Shot, index: number) => ReactNode;
  /** Files dropped on a card; without it cards take no files. */
  onDropFiles?: (shotId: string, files: File[]) => void;
  /** Shots the review filter leaves out: shown faded, in place. */
  dimmed?: (shot: Shot) => boolean;
  /** The animatic's clock while the player is open: a playhead runs over the cards. */
  clock?: PlayheadClock | null;
}) {
  const layout = useMemo(() => timelineLayout(shots, pxPerSecond, GAP), [shots, pxPerSecond]);
  const track = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [dropGap, setDropGap] = useState<number | null>(null);

  // Who else has each shot selected.
  const watchers = useMemo(() => peersByShot(peers, me), [peers, me]);

  function gapFromEvent(e: DragEvent): number {
    const el = track.current;
    if (!el) return 0;
    const x = e.clientX - el.getBoundingClientRect().left;
    return gapAt(layout, x);
  }

  function onDragOver(e: DragEvent) {
    if (!dragging && !e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const g = gapFromEvent(e);
    if (g !== dropGap) setDropGap(g);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    const id = e.dataTransfer.getData(DRAG_TYPE) || dragging;
    const g = gapFromEvent(e);
    setDragging(null);
    setDropGap(null);
    if (!id) return;
    const from = shots.findIndex((s) => s.id === id);
    if (from < 0) return;
    onMove(id, indexAfterDrop(from, g));
  }

  const dropX =
    dropGap === null
      ? null
      : dropGap < layout.items.length
        ? layout.items[dropGap]!.left - GAP / 2
        : layout.width + GAP / 2;

  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-scroll">
        <div
          ref={track}
          className="timeline-track"
          data-testid="timeline-track"
          style={{ width: layout.width + (canEdit ? 120 : 0) }}
          onDragOver={canEdit ? onDragOver : undefined}
          onDrop={canEdit ? onDrop : undefined}
          onDragLeave={(e) => {
            if (e.currentTarget === e.target) setDropGap(null);
          }}
        >
          {layout.items.map((item, i) => {
            const shot = shots[i]!;
            const others = watchers.get(shot.id) ?? [];
            const threads = openThreads.get(shot.id) ?? 0;
            const selected = shot.id === selectedId;
            return (
              <div
                key={shot.id}
                role="button"
                tabIndex={0}
                className={`shot-card${selected ? ' shot-card-selected' : ''}${dragging === shot.id ? ' shot-card-dragging' : ''}${dimmed?.(shot) ? ' shot-card-dimmed' : ''}`}
                data-testid="shot-card"
                data-shot-id={shot.id}
                data-review={reviewOf(shot)}
                aria-pressed={selected}
                aria-label={`Shot ${i + 1}: ${shot.title || 'untitled'}, ${formatSeconds(shot.duration)}`}
                draggable={canEdit}
                style={{
                  left: item.left,
                  width: item.width,
                  boxShadow: others.length ? `0 0 0 2px ${others[0]!.color}` : undefined,
                }}
                onClick={() => onSelect(shot.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(shot.id);
                  }
                }}
                {...shotDragHandlers(shot, i, setDragging, setDropGap)}
                {...fileDropHandlers(shot.id, onDropFiles)}
              >
                {frame?.(shot, i)}
                <div className="shot-card-head">
                  <span className="shot-card-index">{i + 1}</span>
                  <span className={`status-dot status-dot-${shot.status}`} title={shot.status.replace('_', ' ')} />
                  <CardBadges shot={shot} threads={threads} />
                </div>
                {/* The title wraps; where the card is too narrow for it, the card widens on hover and focus. */}
                <div className="shot-card-title" data-testid="shot-card-title" title={shot.title || undefined}>
                  {shot.title || `Shot ${i + 1}`}
                </div>
                <div className="shot-card-meta">
                  {formatSeconds(shot.duration)} · {formatTimecode(item.start)}
                </div>
                <CardPeers peers={others} />
              </div>
            );
          })}
          {canEdit &&
            layout.items.map((item, i) =>
              i === 0 ? null : (
                <button
                  key={`gap-${item.id}`}
                  type="button"
                  className="timeline-insert"
                  data-testid="insert-shot"
                  aria-label={`Add a shot before shot ${i + 1}`}
                  title="Add a shot here"
                  style={{ left: item.left - GAP / 2 }}
                  onClick={() => onInsert(i)}
                >
                  +
                </button>
              ),
            )}
          {canEdit && (
            <button
              type="button"
              className="timeline-add"
              data-testid="add-shot-end"
              style={{ left: layout.width + (layout.items.length ? GAP : 0) }}
              onClick={() => onInsert(shots.length)}
            >
              + Add shot
            </button>
          )}
          {dropX !== null && <div className="timeline-drop" data-testid="drop-indicator" style={{ left: dropX }} />}
          {clock && <TimelinePlayhead clock={clock} layout={layout} pxPerSecond={pxPerSecond} />}
        </div>
      </div>
      <div className="timeline-ruler muted" aria-hidden="true">
        {formatTimecode(layout.duration)} total
      </div>
    </div>
  );
}

/** The animatic's playhead over the cards, moved each animation frame without re-rendering the timeline. */
function TimelinePlayhead({ clock, layout, pxPerSecond }: { clock: PlayheadClock; layout: TimelineLayout; pxPerSecond: number }) {
  const line = useRef<HTMLDivElement>(null);
  useEffect(
    () =>
      followClock(clock, () => {
        const t = Math.min(clock.time(), layout.duration);
        const item = layout.items.find((it) => t < it.end) ?? layout.items[layout.items.length - 1];
        const x = item ? item.left + (Math.min(t, item.end) - item.start) * pxPerSecond : 0;
        if (line.current) line.current.style.transform = `translateX(${x}px)`;
      }),
    [clock, layout, pxPerSecond],
  );
  return <div ref={line} className="timeline-playhead" data-testid="timeline-playhead" aria-hidden="true" />;
}
