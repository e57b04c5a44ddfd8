import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import type { GuestView } from '../../api/client';
import { Loading } from '../../components/States';
import { formatSeconds } from '../../components/format';
import { useLiveBoard } from '../../state/useLiveBoard';
import { useStore } from '../../state/store';
import { CommentsPanel, type CommentRights } from '../board/CommentsPanel';
import { LinkProblemPage, linkProblem, type LinkProblem } from './SharePage';
import { matchesReview, ReviewBadge, ReviewControls, ReviewFilterSelect, ReviewSummaryBar, type ReviewFilter } from './Review';
import { ExportMenu } from '../exports/ExportMenu';

/**
 * /review/:boardId — the board as a share link shows it: the timeline
 * read-only, a shot's prompt and notes, its comment threads (with time
 * ranges) and approve / request changes, as the link's role allows. Works
 * on a phone (one column; a shot opens over the list) and on a desktop.
 */
export function ReviewPage() {
  const { boardId = '' } = useParams();
  const { api } = useStore();
  const opened = (useLocation().state as { guest?: GuestView } | null)?.guest;
  const [guest, setGuest] = useState<GuestView | null>(opened ?? null);
  const [problem, setProblem] = useState<LinkProblem | null>(null);

  useEffect(() => {
    if (opened) return; // just opened: SharePage handed it over
    api.share.guest().then(setGuest, (err) => setProblem(linkProblem(err) ?? 'session'));
  }, [api, opened]);

  if (problem) return <LinkProblemPage problem={problem} />;
  if (!guest) return <Loading />;
  return <Reviewer boardId={boardId} guest={guest} onGuest={setGuest} onProblem={setProblem} />;
}

function Reviewer({
  boardId,
  guest,
  onGuest,
  onProblem,
}: {
  boardId: string;
  guest: GuestView;
  onGuest: (g: GuestView) => void;
  onProblem: (p: LinkProblem) => void;
}) {
  const { api } = useStore();
  const { store, state: live } = useLiveBoard(boardId, guest.actor);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [filter, setFilter] = useState<ReviewFilter>('all');

  // The link may change under the page: a new role closes the socket to
  // reconnect (4011), a revoked or expired link ends it (4410). Ask what
  // the link is now whenever the connection changes.
  const ended = live.terminal !== null;
  const first = live.status === 'connecting' && !ended;
  useEffect(() => {
    if (first) return; // the page has just fetched it
    api.share.guest().then(
      (g) => {
        if (g.role !== guest.role || g.expiresAt !== guest.expiresAt) onGuest(g);
      },
      (err) => {
        const p = linkProblem(err);
        if (p) onProblem(p);
      },
    );
    // guest is read, not watched: a new one comes from here.
  }, [api, live.status, ended, first]);

  const board = live.board;
  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const p of live.peers) m.set(p.userId, p.name);
    m.set(guest.actor, guest.guest ? `${guest.name} (guest)` : guest.name);
    return m;
  }, [live.peers, guest]);

  if (ended && live.terminal?.kind !== 'link-ended') {
    return (
      <div className="fullscreen-center">
        <div className="card" data-testid="review-ended">
          <p>{live.terminal?.message}</p>
        </div>
      </div>
    );
  }
  if (!board) return <Loading />;

  const canComment = guest.role !== 'viewer' && !ended;
  const rights: CommentRights = { me: guest.actor, comment: canComment, resolveAny: guest.role === 'editor', moderate: false };
  const shots = board.shots.filter((s) => matchesReview(s, filter));
  const index = board.shots.findIndex((s) => s.id === selectedId);
  const selected = index >= 0 ? board.shots[index]! : null;

  return (
    <div className={`review-page${selected ? ' has-selection' : ''}`} data-testid="review-page" data-role={guest.role}>
      <header className="review-header">
        <h1 data-testid="board-title">{board.title}</h1>
        <p className="small">
          <span data-testid="guest-name-shown">{guest.guest ? `${guest.name} (guest)` : guest.name}</span> ·{' '}
          <span className="badge" data-testid="link-role">
            {guest.role === 'viewer' ? 'View only' : guest.role === 'commenter' ? 'Can comment' : 'Can edit'}
          </span>
        </p>
        <ReviewSummaryBar board={board} />
        <ReviewFilterSelect value={filter} onChange={setFilter} />
        {guest.allowDownloads && <ExportMenu scope={{ kind: 'board', id: boardId }} />}
      </header>
      <div className="review-layout">
        <ol className="review-shots" data-testid="review-shots">
          {shots.map((s) => {
            const i = board.shots.indexOf(s);
            const open = board.comments.filter((c) => c.shotId === s.id && !c.parentId && !c.resolved).length;
            return (
              <li key={s.id}>
                <button
                  type="button"
                  className={`review-shot${s.id === selectedId ? ' selected' : ''}`}
                  data-testid="review-shot"
                  data-index={i + 1}
                  onClick={() => setSelectedId(s.id)}
                >
                  <span className="review-shot-no">{i + 1}</span>
                  <span className="review-shot-title">{s.title || `Shot ${i + 1}`}</span>
                  <span className="muted small">{formatSeconds(s.duration)}</span>
                  <ReviewBadge shot={s} />
                  {open > 0 && <span className="badge badge-muted">{open} open</span>}
                </button>
              </li>
            );
          })}
          {shots.length === 0 && <li className="muted small">No shots match.</li>}
        </ol>
        {selected && (
          <aside className="review-detail" data-testid="shot-detail" data-index={index + 1}>
            <button type="button" className="btn-link review-back" data-testid="back-to-shots" onClick={() => setSelectedId(null)}>
              ← All shots
            </button>
            <h2>
              Shot {index + 1}
              {selected.title ? ` · ${selected.title}` : ''} <ReviewBadge shot={selected} />
            </h2>
            <dl className="props">
              <dt>Duration</dt>
              <dd>{formatSeconds(selected.duration)}</dd>
              <dt>Prompt</dt>
              <dd data-testid="shot-prompt">{selected.prompt || '—'}</dd>
              <dt>Notes</dt>
              <dd data-testid="shot-notes">{selected.notes || '—'}</dd>
            </dl>
            {canComment && <ReviewControls shot={selected} store={store} names={names} />}
            <CommentsPanel
              shot={selected}
              shotIndex={index}
              comments={board.comments}
              store={store}
              rights={rights}
              names={names}
            />
          </aside>
        )}
      </div>
    </div>
  );
}

/** /review/p/:projectId — a project link: its boards, each opening in the reviewer view. */
export function ProjectReviewPage() {
  const { projectId = '' } = useParams();
  const { api } = useStore();
  const [boards, setBoards] = useState<{ id: string; title: string }[] | null>(null);
  const [problem, setProblem] = useState<LinkProblem | null>(null);
  useEffect(() => {
    api.boards.list(projectId).then(setBoards, (err) => setProblem(linkProblem(err) ?? 'session'));
  }, [api, projectId]);
  if (problem) return <LinkProblemPage problem={problem} />;
  if (!boards) return <Loading />;
  return (
    <div className="review-page" data-testid="project-review">
      <header className="review-header">
        <h1>Shared boards</h1>
      </header>
      <ul className="review-shots">
        {boards.map((b) => (
          <li key={b.id}>
            <Link className="review-shot" to={`/review/${b.id}`}>
              {b.title}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
