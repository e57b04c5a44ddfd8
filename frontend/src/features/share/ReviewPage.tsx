import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import type { GuestView } from '../../api/client';
import { EmptyState, Loading } from '../../components/States';
import { useLiveBoard } from '../../state/useLiveBoard';
import { useStore } from '../../state/store';
import type { Shot } from '../../sync/protocol';
import { AnimaticPlayer } from '../board/AnimaticPlayer';
import { BoardViewSwitch, ShotCount, usePreferredView, ZoomControls, ZOOMS } from '../board/BoardToolbar';
import { CommentsPanel, type CommentRights } from '../board/CommentsPanel';
import { ConnectionBadge, PresenceBar, TerminalBanner } from '../board/LiveStatus';
import { OpenThreads, openThreadsByShot } from '../board/OpenThreads';
import { PlayheadClock } from '../board/player';
import { presentColors } from '../board/presenceColors';
import { ShotFrame } from '../board/ShotFrame';
import { ShotGrid } from '../board/ShotGrid';
import { ShotReadView } from '../board/ShotReadView';
import { Timeline } from '../board/Timeline';
import { timelineLayout } from '../board/timeline';
import { useSelectedShot } from '../board/useSelectedShot';
import { useBoardMedia } from '../renders/useBoardMedia';
import { LinkProblemPage, linkProblem, type LinkProblem } from './SharePage';
import { matchesReview, ReviewFilterSelect, ReviewSection, ReviewSummaryBar, type ReviewFilter } from './Review';
import { ExportMenu } from '../exports/ExportMenu';

/**
 * /review/:boardId — the board as a share link shows it: the same read view
 * members with view rights get (frames in a grid or on the timeline, the
 * animatic, a shot's prompt and notes as text, comment threads), plus what
 * the link's role allows: comments (with time ranges) and approve / request
 * changes for commenters. A viewer link shows no form controls. Works on a
 * phone (one column) and on a desktop.
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
  const colors = useMemo(() => presentColors(live.peers), [live.peers]);
  const media = useBoardMedia(api, boardId, live.renders, live.assetsChanged);
  const [view, setView] = usePreferredView();
  const [pxPerSecond, setPxPerSecond] = useState(ZOOMS[2]!);
  const [clock] = useState(() => new PlayheadClock());
  const [playerOpen, setPlayerOpen] = useState(false);
  const shots = board?.shots ?? [];
  const { selected, index } = useSelectedShot(store, shots, selectedId);
  const selectedShotId = selected?.id;
  const openThreads = useMemo(() => openThreadsByShot(board?.comments ?? []), [board?.comments]);
  // On a phone the shot opens under the frames: bring it into view.
  const readView = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selectedShotId) readView.current?.scrollIntoView?.({ block: 'nearest' });
  }, [selectedShotId]);

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
  const frame = (shot: Shot, i: number) => <ShotFrame shotId={shot.id} number={i + 1} aspectRatio={board.aspectRatio} media={media} />;
  const cards = {
    shots,
    selectedId,
    peers: live.peers,
    me: guest.actor,
    openThreads,
    canEdit: false,
    onSelect: setSelectedId,
    onMove: () => undefined,
    frame,
    dimmed: (s: Shot) => !matchesReview(s, filter),
  };
  function play() {
    const layout = timelineLayout(shots, 1);
    clock.seek(index >= 0 ? layout.items[index]!.start : 0);
    setPlayerOpen(true);
    clock.play(1);
  }

  return (
    <div className="board-page guest-board" data-testid="review-page" data-role={guest.role}>
      <div className="board-main">
        <header className="page-header">
          <div className="page-heading">
            <h1 data-testid="board-title">
              {board.title}
              <span className="badge" data-testid="link-role">
                {guest.role === 'viewer' ? 'View only' : guest.role === 'commenter' ? 'Can comment' : 'Can edit'}
              </span>
            </h1>
            {board.description && (
              <p className="board-description" data-testid="board-description">
                {board.description}
              </p>
            )}
            <p className="small muted">
              Shared with <span data-testid="guest-name-shown">{guest.guest ? `${guest.name} (guest)` : guest.name}</span>
            </p>
          </div>
          <div className="page-actions live-status">
            {guest.allowDownloads && <ExportMenu scope={{ kind: 'board', id: boardId }} />}
            <PresenceBar peers={live.peers} me={guest.actor} />
            <ConnectionBadge state={live} store={store} />
          </div>
        </header>
        <TerminalBanner state={live} />

        <section className="shot-list" aria-labelledby="shots-heading">
          <div className="section-head">
            <h2 id="shots-heading" className="section-title">
              Shots
            </h2>
            <ShotCount shots={shots} />
            <ReviewSummaryBar board={board} />
            {canComment && <ReviewFilterSelect value={filter} onChange={setFilter} />}
            <div className="shot-list-actions">
              <BoardViewSwitch view={view} onChange={setView} />
              {view === 'timeline' && <ZoomControls zooms={ZOOMS} value={pxPerSecond} onChange={setPxPerSecond} />}
              {shots.length > 0 && (
                <button type="button" className="btn btn-small" data-testid="play-board" onClick={play}>
                  ▶ Play{selected ? ` from ${index + 1}` : ''}
                </button>
              )}
            </div>
          </div>
          {playerOpen && <AnimaticPlayer shots={shots} media={media} aspectRatio={board.aspectRatio} clock={clock} onClose={() => setPlayerOpen(false)} />}
          {shots.length === 0 && (
            <EmptyState title="No shots yet" testId="shots-empty">
              Shots will appear here as the team adds them.
            </EmptyState>
          )}
          {shots.length > 0 && view === 'grid' && <ShotGrid {...cards} />}
          {shots.length > 0 && view === 'timeline' && <Timeline {...cards} pxPerSecond={pxPerSecond} onInsert={() => undefined} clock={playerOpen ? clock : null} />}
        </section>

        <div ref={readView}>
          {selected && <ShotReadView key={`read-${selected.id}`} shot={selected} index={index} frame={frame(selected, index)} />}
        </div>
        {selected && canComment && <ReviewSection shot={selected} store={store} names={names} />}
      </div>

      <aside className="inspector" aria-label="Comments">
        <CommentsPanel
          shot={selected}
          shotIndex={index}
          comments={board.comments}
          store={store}
          rights={rights}
          names={names}
          colors={colors}
        />
        <OpenThreads shots={shots} comments={board.comments} names={names} onOpen={setSelectedId} />
      </aside>
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
