import { useState } from 'react';
import { formatSeconds } from '../../components/format';
import type { Shot } from '../../sync/protocol';

/** The two ways to look at a board. */
export type BoardViewKind = 'grid' | 'timeline';

const VIEW_KEY = 'shotline.boardView';

/** The view this browser last chose (the grid until then), kept across boards and visits. */
export function usePreferredView(): [BoardViewKind, (v: BoardViewKind) => void] {
  const [view, setView] = useState<BoardViewKind>(() => {
    try {
      return localStorage.getItem(VIEW_KEY) === 'timeline' ? 'timeline' : 'grid';
    } catch {
      return 'grid';
    }
  });
  return [
    view,
    (v) => {
      setView(v);
      try {
        localStorage.setItem(VIEW_KEY, v);
      } catch {
        // Private windows may refuse; the choice still holds for this page.
      }
    },
  ];
}

/** Grid or timeline, as a pair of toggle buttons. */
export function BoardViewSwitch({ view, onChange }: { view: BoardViewKind; onChange: (v: BoardViewKind) => void }) {
  return (
    <div className="segmented" role="group" aria-label="View">
      {(['grid', 'timeline'] as const).map((v) => (
        <button
          key={v}
          type="button"
          className="segmented-item"
          data-testid={`view-${v}`}
          aria-pressed={view === v}
          onClick={() => onChange(v)}
        >
          {v === 'grid' ? 'Grid' : 'Timeline'}
        </button>
      ))}
    </div>
  );
}

/** A magnifying glass with a minus or plus in it: zoom, not add or remove. */
function Magnifier({ plus }: { plus: boolean }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <circle cx="6.5" cy="6.5" r="4.75" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M10 10l4.25 4.25" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" />
      <path d="M4.25 6.5h4.5" stroke="currentColor" strokeWidth="1.5" />
      {plus && <path d="M6.5 4.25v4.5" stroke="currentColor" strokeWidth="1.5" />}
    </svg>
  );
}

/** The timeline's zoom: out, the current scale, in. */
/** Timeline zoom steps, in pixels per second. */
export const ZOOMS: readonly number[] = [16, 24, 40, 64, 96, 144];

export function ZoomControls({ zooms, value, onChange }: { zooms: readonly number[]; value: number; onChange: (v: number) => void }) {
  const i = zooms.indexOf(value);
  return (
    <div className="zoom" role="group" aria-label="Timeline zoom">
      <button type="button" className="btn-icon" aria-label="Zoom out" title="Zoom out" disabled={i <= 0} onClick={() => onChange(zooms[Math.max(0, i - 1)]!)}>
        <Magnifier plus={false} />
      </button>
      <span className="zoom-level muted" data-testid="zoom-level" aria-live="polite">
        {value} px/s
      </span>
      <button
        type="button"
        className="btn-icon"
        aria-label="Zoom in"
        title="Zoom in"
        disabled={i >= zooms.length - 1}
        onClick={() => onChange(zooms[Math.min(zooms.length - 1, i + 1)]!)}
      >
        <Magnifier plus />
      </button>
    </div>
  );
}

/** The board's shot count and running time, beside the "Shots" heading. */
export function ShotCount({ shots }: { shots: Shot[] }) {
  const total = shots.reduce((sum, x) => sum + (x.duration || 0), 0);
  return (
    <span className="muted" data-testid="shot-count">
      {shots.length} {shots.length === 1 ? 'shot' : 'shots'}
      {shots.length > 0 && ` · ${formatSeconds(total)}`}
    </span>
  );
}
