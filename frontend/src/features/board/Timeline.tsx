import { ReviewBadge, reviewOf } from '../share/Review';
import { useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { formatSeconds } from '../../components/format';
import type { Peer, Shot } from '../../sync/protocol';
import { formatTimecode, initials } from './shotFields';
import { gapAt, indexAfterDrop, timelineLayout } from './timeline';

const GAP = 12;
const DRAG_TYPE = 'application/x-shotline-shot';

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
  cardMedia,
  onDropFiles,
  dimmed,
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
  /** What a card shows of its shot's media (thumbnail, player, progress). */
  cardMedia?: (shotId: string) => ReactNode;
  /** Files dropped on a card; without it cards take no files. */
  onDropFiles?: (shotId: string, files: File[]) => void;
  /** Shots the review filter leaves out: shown faded, in place. */
  dimmed?: (shot: Shot) => boolean;
}) {
  const layout = useMemo(() => timelineLayout(shots, pxPerSecond, GAP), [shots, pxPerSecond]);
  const track = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [dropGap, setDropGap] = useState<number | null>(null);

  // Who else has each shot selected.
  const watchers = useMemo(() => {
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
  }, [peers, me]);

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
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, shot.id);
                  e.dataTransfer.setData('text/plain', shot.title || `Shot ${i + 1}`);
                  e.dataTransfer.effectAllowed = 'move';
                  setDragging(shot.id);
                }}
                onDragEnd={() => {
                  setDragging(null);
                  setDropGap(null);
                }}
                onDragOver={(e) => {
                  if (!onDropFiles || !Array.from(e.dataTransfer.types).includes('Files')) return;
                  e.preventDefault();
                  e.stopPropagation();
                  e.dataTransfer.dropEffect = 'copy';
                }}
                onDrop={(e) => {
                  if (!onDropFiles || e.dataTransfer.files.length === 0) return;
                  e.preventDefault();
                  e.stopPropagation();
                  onDropFiles(shot.id, Array.from(e.dataTransfer.files));
                }}
              >
                <div className="shot-card-head">
                  <span className="shot-card-index">{i + 1}</span>
                  <span className={`status-dot status-dot-${shot.status}`} title={shot.status.replace('_', ' ')} />
                  {threads > 0 && (
                    <span className="shot-card-comments" data-testid="shot-comment-count" title={`${threads} open threads`}>
                      {threads}
                    </span>
                  )}
                </div>
                <div className="shot-card-title" data-testid="shot-card-title">
                  {shot.title || `Shot ${i + 1}`}
                </div>
                <ReviewBadge shot={shot} />
                <div className="shot-card-meta">
                  {formatSeconds(shot.duration)} · {formatTimecode(item.start)}
                </div>
                {cardMedia?.(shot.id)}
                {others.length > 0 && (
                  <div className="shot-card-peers">
                    {others.map((p) => (
                      <span
                        key={p.userId}
                        className="peer-dot"
                        data-testid="shot-peer"
                        title={`${p.name} is here`}
                        style={{ background: p.color }}
                      >
                        {initials(p.name)}
                      </span>
                    ))}
                  </div>
                )}
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
              data-testid="add-shot"
              style={{ left: layout.width + (layout.items.length ? GAP : 0) }}
              onClick={() => onInsert(shots.length)}
            >
              + Add shot
            </button>
          )}
          {dropX !== null && <div className="timeline-drop" data-testid="drop-indicator" style={{ left: dropX }} />}
        </div>
      </div>
      <div className="timeline-ruler muted" aria-hidden="true">
        {formatTimecode(layout.duration)} total
      </div>
    </div>
  );
}
