import { useMemo } from 'react';
import { RelativeTime } from '../../components/RelativeTime';
import type { Comment, Shot } from '../../sync/protocol';
import { showMentions } from './CommentsPanel';

/** How many open threads each shot has (the count on its card). */
export function openThreadsByShot(comments: Comment[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of comments) if (!c.parentId && !c.resolved) m.set(c.shotId, (m.get(c.shotId) ?? 0) + 1);
  return m;
}

/**
 * Every open comment thread on the board, in board order, each opening
 * its shot: what is left to answer, without visiting shot by shot.
 */
export function OpenThreads({
  shots,
  comments,
  names,
  onOpen,
}: {
  shots: Shot[];
  comments: Comment[];
  names: Map<string, string>;
  onOpen: (shotId: string) => void;
}) {
  const threads = useMemo(() => {
    const order = new Map(shots.map((s, i) => [s.id, i]));
    const replies = new Map<string, number>();
    for (const c of comments) if (c.parentId) replies.set(c.parentId, (replies.get(c.parentId) ?? 0) + 1);
    return comments
      .filter((c) => !c.parentId && !c.resolved && order.has(c.shotId))
      .map((c) => ({ c, index: order.get(c.shotId)!, replies: replies.get(c.id) ?? 0 }))
      .sort((a, b) => a.index - b.index || a.c.createdSeq - b.c.createdSeq);
  }, [shots, comments]);
  return (
    <section className="inspector-section open-threads" data-testid="open-threads" aria-labelledby="open-threads-heading">
      <h3 id="open-threads-heading">Open threads ({threads.length})</h3>
      {threads.length === 0 ? (
        <p className="muted small">Nothing open on this board.</p>
      ) : (
        <ol className="open-thread-list">
          {threads.map(({ c, index, replies }) => (
            <li key={c.id}>
              <button type="button" className="open-thread" data-testid="open-thread" onClick={() => onOpen(c.shotId)}>
                <span className="open-thread-head">
                  <span className="shot-card-index">Shot {index + 1}</span>
                  <span className="open-thread-author">{names.get(c.authorId) ?? 'Someone'}</span>
                  {c.createdAt && <RelativeTime iso={c.createdAt} />}
                </span>
                <span className="open-thread-body">{showMentions(c.body)}</span>
                {replies > 0 && <span className="muted small">{replies === 1 ? '1 reply' : `${replies} replies`}</span>}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
