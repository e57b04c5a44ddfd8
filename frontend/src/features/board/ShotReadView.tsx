import type { ReactNode } from 'react';
import { formatSeconds } from '../../components/format';
import type { Shot } from '../../sync/protocol';
import { ReviewBadge } from '../share/Review';

/**
 * One shot for someone who reads the board (a viewer, or a commenter): its
 * frame, title, duration, review status, prompt and notes as text, not a
 * form with everything disabled.
 */
export function ShotReadView({ shot, index, frame }: { shot: Shot; index: number; frame: ReactNode }) {
  return (
    <article className="shot-read" data-testid="shot-read-view" aria-label={`Shot ${index + 1}`}>
      <div className="shot-read-frame">{frame}</div>
      <div className="shot-read-text">
        <h2 className="shot-read-title" data-testid="shot-read-title">
          <span className="shot-card-index">{index + 1}</span> {shot.title || `Shot ${index + 1}`}
        </h2>
        <p className="muted">
          {formatSeconds(shot.duration)} · {shot.aspectRatio} <ReviewBadge shot={shot} />
        </p>
        <h3>Prompt</h3>
        <p className="shot-read-body" data-testid="shot-read-prompt">
          {shot.prompt || <span className="muted">No prompt yet.</span>}
        </p>
        <h3>Notes</h3>
        <p className="shot-read-body" data-testid="shot-read-notes">
          {shot.notes || <span className="muted">No notes.</span>}
        </p>
      </div>
    </article>
  );
}
