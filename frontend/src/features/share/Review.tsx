import { RelativeTime } from '../../components/RelativeTime';
import type { LiveBoardStore } from '../../state/liveBoard';
import type { BoardSnapshot, ReviewStatus, Shot } from '../../sync/protocol';

/** Words for each review status. */
export const REVIEW_LABELS: Record<ReviewStatus, string> = {
  none: 'Not reviewed',
  approved: 'Approved',
  changes_requested: 'Changes requested',
};

/** A shot's review status ("none" until someone reviews it). */
export function reviewOf(shot: Shot): ReviewStatus {
  return shot.review?.status ?? 'none';
}

/** Counts per review status and open threads, as GET /api/boards/{id}/review does. */
export function reviewSummary(board: BoardSnapshot) {
  const byStatus: Record<ReviewStatus, number> = { none: 0, approved: 0, changes_requested: 0 };
  for (const s of board.shots) byStatus[reviewOf(s)]++;
  const openThreads = board.comments.filter((c) => !c.parentId && !c.resolved).length;
  return { shots: board.shots.length, byStatus, openThreads };
}

/** The filter of the timeline by review status. */
export type ReviewFilter = 'all' | ReviewStatus;

export function matchesReview(shot: Shot, f: ReviewFilter): boolean {
  return f === 'all' || reviewOf(shot) === f;
}

export function ReviewBadge({ shot }: { shot: Shot }) {
  const s = reviewOf(shot);
  if (s === 'none') return null;
  return (
    <span className={`badge review-${s}`} data-testid="review-badge" data-review={s}>
      {REVIEW_LABELS[s]}
    </span>
  );
}

/** The board's review summary line. */
export function ReviewSummaryBar({ board }: { board: BoardSnapshot }) {
  const s = reviewSummary(board);
  return (
    <p className="review-summary small" data-testid="review-summary">
      <span data-testid="summary-approved">{s.byStatus.approved} approved</span> ·{' '}
      <span data-testid="summary-changes">{s.byStatus.changes_requested} changes requested</span> ·{' '}
      <span>{s.byStatus.none} not reviewed</span> · <span data-testid="summary-threads">{s.openThreads} open threads</span>
    </p>
  );
}

export function ReviewFilterSelect({ value, onChange }: { value: ReviewFilter; onChange: (f: ReviewFilter) => void }) {
  return (
    <label className="small review-filter">
      Show{' '}
      <select data-testid="review-filter" value={value} onChange={(e) => onChange(e.target.value as ReviewFilter)}>
        <option value="all">All shots</option>
        <option value="none">Not reviewed</option>
        <option value="approved">Approved</option>
        <option value="changes_requested">Changes requested</option>
      </select>
    </label>
  );
}

/** A shot's review controls as the inspector shows them, under their heading. */
export function ReviewSection(props: Parameters<typeof ReviewControls>[0]) {
  return (
    <section className="inspector-section" aria-label="Review">
      <h3>Review</h3>
      <ReviewControls {...props} />
    </section>
  );
}

/** Approve / request changes / clear, for commenters and up. */
export function ReviewControls({ shot, store, names }: { shot: Shot; store: LiveBoardStore | null; names: Map<string, string> }) {
  const s = reviewOf(shot);
  const by = shot.review ? (names.get(shot.review.by) ?? (shot.review.by.startsWith('guest:') ? 'a guest' : 'someone')) : '';
  return (
    <div className="review-controls" data-testid="review-controls">
      <div className="btn-row">
        <button
          type="button"
          className={`btn btn-small${s === 'approved' ? ' btn-primary' : ''}`}
          data-testid="approve-shot"
          aria-pressed={s === 'approved'}
          onClick={() => store?.setReview(shot.id, s === 'approved' ? 'none' : 'approved')}
        >
          Approve
        </button>
        <button
          type="button"
          className={`btn btn-small${s === 'changes_requested' ? ' btn-danger' : ''}`}
          data-testid="request-changes"
          aria-pressed={s === 'changes_requested'}
          onClick={() => store?.setReview(shot.id, s === 'changes_requested' ? 'none' : 'changes_requested')}
        >
          Request changes
        </button>
      </div>
      {shot.review && s !== 'none' && (
        <p className="muted small" data-testid="review-by">
          {REVIEW_LABELS[s]} by {by}
          {shot.review.at && (
            <>
              {' '}
              <RelativeTime iso={shot.review.at} />
            </>
          )}
        </p>
      )}
    </div>
  );
}
