import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, type Board, type Project, type Workspace } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, Loading } from '../../components/States';
import { formatDate, formatSeconds } from '../../components/format';
import { LoadFailure } from '../../app/NotFound';
import { boardControls, can } from '../../state/permissions';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useLiveBoard } from '../../state/useLiveBoard';
import { useResource } from '../../state/useResource';
import type { Peer, Shot } from '../../sync/protocol';
import { BoardFields, draftFrom, validateDraft, type BoardDraft } from '../projects/BoardForm';
import { CommentsPanel, type CommentRights, type Mentionable } from './CommentsPanel';
import { ConnectionBadge, PresenceBar, SyncNotices, TerminalBanner } from './LiveStatus';
import { ShotInspector } from './ShotInspector';
import { Timeline } from './Timeline';
import { positionForInsert, positionForMove, timelineLayout } from './timeline';
import { VersionsPanel } from './VersionsPanel';
import { OpenThreads, openThreadsByShot } from './OpenThreads';
import { RenderQueuePanel } from '../renders/RenderQueuePanel';
import { ShotMediaPanel } from '../renders/ShotMedia';
import { AnimaticPlayer } from './AnimaticPlayer';
import { imageFiles } from './frames';
import { presentColors } from './presenceColors';
import { followClock, PlayheadClock, shotIndexAt } from './player';
import { ShotFrame } from './ShotFrame';
import { ShotGrid } from './ShotGrid';
import { useSelectedShot } from './useSelectedShot';
import { ShotReadView } from './ShotReadView';
import { BoardViewSwitch, ShotCount, usePreferredView, ZoomControls, ZOOMS } from './BoardToolbar';
import { useBoardMedia } from '../renders/useBoardMedia';
import { matchesReview, ReviewFilterSelect, ReviewSection, ReviewSummaryBar, type ReviewFilter } from '../share/Review';
import { ShareDialog } from '../share/ShareDialog';
import { ExportMenu } from '../exports/ExportMenu';

/** /b/:boardId — one board: its details, settings and shot list. */
export function BoardPage() {
  const { boardId = '' } = useParams();
  const store = useStore();
  const { api, selectWorkspace } = store;
  const board = useResource(() => api.boards.get(boardId), [api, boardId]);
  const projectId = board.data?.projectId;
  // The project only names the breadcrumb; the board shows without it.
  const project = useResource<Project | null>(
    () => (projectId ? api.projects.get(projectId) : Promise.resolve(null)),
    [api, projectId],
  );
  const workspace = store.workspaceById(board.data?.workspaceId);

  useEffect(() => {
    if (board.data) selectWorkspace(board.data.workspaceId);
  }, [board.data, selectWorkspace]);

  if (board.error) return <LoadFailure error={board.error} what="board" />;
  if (!board.data) return <Loading />;
  return (
    <BoardView
      key={board.data.id}
      board={board.data}
      project={project.data ?? null}
      workspace={workspace}
      onSaved={(b) => board.setData(() => b)}
    />
  );
}

/**
 * The board screen for a loaded board: the live timeline editor, the
 * selected shot's inspector, its comments, versions and the board settings.
 * Everything on the timeline comes from the realtime connection (the REST
 * board only fills the screen until the first snapshot arrives). Editing
 * controls follow the workspace's permissions: `board:update` edits,
 * `comment:create` comments, everyone else gets the same screen read-only;
 * the server refuses anything else anyway.
 */
export function BoardView({
  board,
  project,
  workspace,
  onSaved,
}: {
  board: Board;
  project: Project | null;
  workspace: Workspace | null;
  onSaved: (b: Board) => void;
}) {
  const { api, state: app } = useStore();
  const navigate = useNavigate();
  const me = app.user?.id ?? '';
  const controls = boardControls(workspace);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useAction(() => api.boards.delete(board.id));
  const archive = useAction(() => api.boards.update(board.id, { archived: !board.archived }));

  const { store, state: live } = useLiveBoard(board.id);
  const media = useBoardMedia(api, board.id, live.renders, live.assetsChanged);
  const [sessionStart] = useState(() => new Date().toISOString());
  const liveBoard = live.board;
  // Settings changed by anyone arrive live; the REST board has the rest.
  const shown: Board = liveBoard
    ? {
        ...board,
        title: liveBoard.title,
        description: liveBoard.description,
        aspectRatio: liveBoard.aspectRatio,
        defaultShotDuration: liveBoard.defaultShotDuration,
        defaultProvider: liveBoard.defaultProvider ?? '',
      }
    : board;
  const restShots = useMemo(() => shotsFromRest(board), [board]);
  const shots = liveBoard ? liveBoard.shots : restShots;
  const comments = useMemo(() => liveBoard?.comments ?? [], [liveBoard]);
  const canEdit = controls.edit && liveBoard !== null && live.terminal === null;
  const canUpload = can(workspace, 'asset:upload');
  const canRender = can(workspace, 'render:create') && liveBoard !== null;
  const rights: CommentRights = {
    me,
    comment: can(workspace, 'comment:create') && liveBoard !== null && live.terminal === null,
    resolveAny: can(workspace, 'comment:resolve'),
    moderate: can(workspace, 'comment:moderate'),
  };

  const [params] = useSearchParams();
  // An inbox entry opens its thread's shot (?shot=…&thread=…).
  const [selectedId, setSelectedId] = useState<string | null>(params.get('shot'));
  const [reviewFilter, setReviewFilter] = useState<ReviewFilter>('all');
  const [sharing, setSharing] = useState(false);
  const [confirmShotDelete, setConfirmShotDelete] = useState<string | null>(null);
  const [pxPerSecond, setPxPerSecond] = useState(ZOOMS[2]!);
  const [view, setView] = usePreferredView();
  const [clock] = useState(() => new PlayheadClock());
  const [playerOpen, setPlayerOpen] = useState(false);
  const [playingId, setPlayingId] = useState<string | null>(null);
  const { selected, index: selectedIndex } = useSelectedShot(store, shots, selectedId);

  const { names, mentionables } = useMemberNames(board.workspaceId, live.peers);
  const colors = useMemo(() => presentColors(live.peers), [live.peers]);
  const openThreads = useMemo(() => openThreadsByShot(comments), [comments]);

  const frame = (shot: Shot, i: number) => <ShotFrame shotId={shot.id} number={i + 1} aspectRatio={shown.aspectRatio} media={media} />;

  const shotsRef = useRef(shots);
  shotsRef.current = shots;
  // The shot the animatic is on, for the grid's highlight (changes per shot, not per frame).
  useEffect(() => {
    if (!playerOpen) return setPlayingId(null);
    return followClock(clock, () => {
      const i = shotIndexAt(timelineLayout(shotsRef.current, 1), clock.time());
      setPlayingId(shotsRef.current[i]?.id ?? null);
    });
  }, [playerOpen, clock]);
  /** Opens the player and plays from the selected shot (or the start). */
  function play() {
    const layout = timelineLayout(shots, 1);
    const at = selectedIndex >= 0 ? layout.items[selectedIndex]!.start : 0;
    clock.seek(at);
    setPlayerOpen(true);
    clock.play(1);
  }

  // Space plays the board from anywhere on it (once open, the player takes its keys).
  const playRef = useRef(play);
  playRef.current = play;
  useEffect(() => {
    if (playerOpen) return;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (e.key !== ' ' || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(el.tagName))) return;
      if (shotsRef.current.length === 0) return;
      e.preventDefault();
      playRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [playerOpen]);

  // A picture pasted on the board or dropped on a card becomes that shot's
  // chosen frame (ahead of its references and renders), for everyone.
  const mediaUpload = media.upload;
  const setFrameFrom = useCallback((shotId: string, files: File[]) => mediaUpload(shotId, files, true), [mediaUpload]);
  // A paste goes to the focused card's shot, else the selected one's.
  const pasteTarget = useRef<{ upload: ((id: string, f: File[]) => void) | null; selected: string | null }>({ upload: null, selected: null });
  pasteTarget.current = { upload: canUpload ? setFrameFrom : null, selected: selectedId };
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const { upload, selected } = pasteTarget.current;
      const el = e.target as HTMLElement | null;
      if (!upload || !e.clipboardData || (el && /^(INPUT|TEXTAREA)$/.test(el.tagName))) return;
      const card = el?.closest?.('[data-shot-id]')?.getAttribute('data-shot-id') ?? selected;
      const files = imageFiles(e.clipboardData.files);
      if (!card || files.length === 0) return;
      e.preventDefault();
      upload(card, files);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  // What the grid and the timeline both show and do with the shots.
  const cards = {
    shots,
    selectedId,
    peers: live.peers,
    me,
    openThreads,
    canEdit,
    onSelect: setSelectedId,
    onMove: moveTo,
    frame,
    onDropFiles: canUpload ? setFrameFrom : undefined,
    dimmed: (s: Shot) => !matchesReview(s, reviewFilter),
  };

  function insertAt(index: number) {
    if (!store) return;
    setSelectedId(store.insertShot(positionForInsert(shots, index)));
  }
  function moveTo(id: string, index: number) {
    const p = positionForMove(shots, id, index);
    if (p !== null) store?.moveShot(id, p);
  }

  return (
    <div className="board-page" data-testid="board-page">
      <div className="board-main">
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          {workspace && (
            <Link to={`/w/${workspace.id}`} title={workspace.name}>
              {workspace.name}
            </Link>
          )}
          <span aria-hidden="true">/</span>
          {project ? (
            <Link to={`/p/${project.id}`} title={project.name}>
              {project.name}
            </Link>
          ) : (
            <span>Project</span>
          )}
          <span aria-hidden="true">/</span>
          <span aria-current="page">{shown.title}</span>
        </nav>
        <header className="page-header">
          <div className="page-heading">
            <h1 data-testid="board-title">
              {shown.title}
              {!controls.edit && (
                <span className="badge" data-testid="read-only-badge">
                  {rights.comment ? 'Can comment' : 'View only'}
                </span>
              )}
              {board.archived && <span className="badge badge-muted">Archived</span>}
            </h1>
            {shown.description ? (
              <p className="board-description" data-testid="board-description">
                {shown.description}
              </p>
            ) : (
              <p className="board-description muted">No description.</p>
            )}
          </div>
          <div className="page-actions live-status">
            {can(workspace, 'export:download') && <ExportMenu scope={{ kind: 'board', id: board.id }} />}
            {can(workspace, 'link:manage') && (
              <button type="button" className="btn btn-small" data-testid="open-share" onClick={() => setSharing(true)}>
                Share
              </button>
            )}
            <PresenceBar peers={live.peers} me={me} />
            <ConnectionBadge state={live} store={store} />
          </div>
        </header>

        <TerminalBanner state={live} />
        <SyncNotices state={live} store={store} />

        <section className="shot-list" aria-labelledby="shots-heading">
          <div className="section-head">
            <h2 id="shots-heading" className="section-title">
              Shots
            </h2>
            <ShotCount shots={shots} />
            {liveBoard && <ReviewSummaryBar board={liveBoard} />}
            {(controls.edit || rights.comment) && <ReviewFilterSelect value={reviewFilter} onChange={setReviewFilter} />}
            <div className="shot-list-actions">
              <BoardViewSwitch view={view} onChange={setView} />
              {view === 'timeline' && <ZoomControls zooms={ZOOMS} value={pxPerSecond} onChange={setPxPerSecond} />}
              <button
                type="button"
                className="btn btn-small"
                data-testid="play-board"
                disabled={shots.length === 0}
                aria-keyshortcuts="Space"
                onClick={play}
              >
                ▶ Play{selected ? ` from ${selectedIndex + 1}` : ''}
              </button>
              {canEdit && (
                <button type="button" className="btn btn-small btn-primary" data-testid="add-shot" onClick={() => insertAt(shots.length)}>
                  Add shot
                </button>
              )}
            </div>
          </div>
          {playerOpen && (
            <AnimaticPlayer shots={shots} media={media} aspectRatio={shown.aspectRatio} clock={clock} onClose={() => setPlayerOpen(false)} />
          )}
          {shots.length === 0 && (
            <EmptyState title="No shots yet" testId="shots-empty">
              {controls.edit
                ? `Add the first shot; new shots start at ${formatSeconds(shown.defaultShotDuration)} in ${shown.aspectRatio}.`
                : 'Shots will appear here as your team adds them.'}
            </EmptyState>
          )}
          {shots.length > 0 && view === 'grid' && <ShotGrid {...cards} playingId={playingId} />}
          {(shots.length > 0 || canEdit) && view === 'timeline' && (
            <Timeline {...cards} pxPerSecond={pxPerSecond} onInsert={insertAt} clock={playerOpen ? clock : null} />
          )}
          {canUpload && shots.length > 0 && (
            <p className="muted small">Drop an image on a card, or select a shot and paste one, to set its frame.</p>
          )}
        </section>

        {selected && !controls.edit && (
          <ShotReadView key={`read-${selected.id}`} shot={selected} index={selectedIndex} frame={frame(selected, selectedIndex)} />
        )}
        {selected && controls.edit && (
          <ShotInspector
            key={selected.id}
            shot={selected}
            index={selectedIndex}
            count={shots.length}
            store={store}
            canEdit={canEdit}
            onInsert={insertAt}
            onMove={(to) => moveTo(selected.id, to)}
            onDuplicate={() => {
              if (!store) return;
              setSelectedId(store.duplicateShot(selected.id, positionForInsert(shots, selectedIndex + 1)));
            }}
            onDelete={() => setConfirmShotDelete(selected.id)}
            peers={live.peers}
            me={me}
            boardProvider={shown.defaultProvider || 'animatic'}
          />
        )}
        {selected && (
          <ShotMediaPanel
            key={`media-${selected.id}`}
            shotId={selected.id}
            media={media}
            canUpload={canUpload}
            canRender={canRender}
            onRender={async () => {
              await store?.whenSaved();
              await api.renders.renderShot(board.id, selected.id);
              media.reload();
            }}
          />
        )}
        {selected && can(workspace, 'review:set') && liveBoard && live.terminal === null && <ReviewSection shot={selected} store={store} names={names} />}
      </div>

      <aside className="inspector" aria-label="Comments, versions and board settings">
        <RenderQueuePanel
          api={api}
          boardId={board.id}
          workspaceId={board.workspaceId}
          shots={shots}
          media={media}
          canRender={canRender}
          canReadCredits={can(workspace, 'credit:read')}
          canTopUp={can(workspace, 'credit:topup')}
          sessionStart={sessionStart}
          beforeRender={() => store?.whenSaved() ?? Promise.resolve()}
        />
        <CommentsPanel
          shot={selected}
          shotIndex={selectedIndex}
          comments={comments}
          store={store}
          rights={rights}
          names={names}
          colors={colors}
          mentionables={mentionables}
        />
        <OpenThreads shots={shots} comments={comments} names={names} onOpen={setSelectedId} />
        <VersionsPanel boardId={board.id} canEdit={controls.edit} names={names} changed={live.versionsChanged} />
        {controls.edit ? (
          <BoardSettingsForm board={shown} onSaved={onSaved} />
        ) : (
          <BoardSettingsReadOnly board={shown} />
        )}
        {(controls.edit || controls.delete) && (
          <div className="inspector-section">
            <h3>Manage</h3>
            <ErrorBanner error={archive.error} onDismiss={archive.clearError} />
            {controls.edit && (
              <button
                type="button"
                className="btn btn-block"
                disabled={archive.pending}
                onClick={async () => {
                  const r = await archive.run();
                  if (r.ok) onSaved({ ...r.value, shots: r.value.shots ?? board.shots });
                }}
              >
                {board.archived ? 'Unarchive board' : 'Archive board'}
              </button>
            )}
            {controls.delete && (
              <button
                type="button"
                className="btn btn-block btn-danger-text"
                data-testid="delete-board"
                onClick={() => {
                  remove.clearError();
                  setConfirmDelete(true);
                }}
              >
                Delete board
              </button>
            )}
          </div>
        )}
        <div className="inspector-section inspector-meta muted">
          <div>Created {formatDate(board.createdAt)}</div>
          <div>Updated {formatDate(board.updatedAt)}</div>
        </div>
      </aside>

      {sharing && <ShareDialog scope={{ kind: 'board', id: board.id }} onClose={() => setSharing(false)} />}

      {confirmShotDelete && (
        <ConfirmDialog
          title="Delete shot"
          confirmLabel="Delete shot"
          pending={false}
          error={null}
          onCancel={() => setConfirmShotDelete(null)}
          onConfirm={() => {
            store?.deleteShot(confirmShotDelete);
            if (selectedId === confirmShotDelete) setSelectedId(null);
            setConfirmShotDelete(null);
          }}
        >
          Delete this shot for everyone on the board? Its comments are kept. Save a version first if you may want it back.
        </ConfirmDialog>
      )}

      {confirmDelete && (
        <ConfirmDialog
          title="Delete board"
          confirmLabel="Delete board"
          pending={remove.pending}
          error={remove.error}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={async () => {
            const r = await remove.run();
            if (r.ok) navigate(`/p/${board.projectId}`, { replace: true });
          }}
        >
          Delete <strong>{board.title}</strong> with all of its shots? This cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Timeline zoom steps, in pixels per second. */

/** The REST board's shots in the realtime shape, in order (shown until the snapshot). */
function shotsFromRest(board: Board): Shot[] {
  return [...(board.shots ?? [])]
    .map((s) => ({ ...s, provider: '', model: '', settings: {} }))
    .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Names of the workspace's members (and of whoever is on the board), by user id. */
function useMemberNames(workspaceId: string, peers: Peer[]): { names: Map<string, string>; mentionables: Mentionable[] } {
  const { api, state } = useStore();
  const members = useResource(() => api.members.list(workspaceId), [api, workspaceId]);
  return useMemo(() => {
    const m = new Map<string, string>();
    for (const p of peers) m.set(p.userId, p.name);
    for (const x of members.data?.members ?? []) m.set(x.userId, x.name);
    if (state.user) m.set(state.user.id, state.user.name);
    const mentionables = (members.data?.members ?? [])
      .filter((x) => x.userId !== state.user?.id)
      .map((x) => ({ userId: x.userId, name: x.name }));
    return { names: m, mentionables };
  }, [members.data, peers, state.user]);
}

function BoardSettingsReadOnly({ board }: { board: Board }) {
  return (
    <div className="inspector-section" data-testid="board-settings-readonly">
      <h3>Board settings</h3>
      <dl className="props">
        <dt>Aspect ratio</dt>
        <dd data-testid="board-aspect">{board.aspectRatio}</dd>
        <dt>Default shot duration</dt>
        <dd data-testid="board-duration">{formatSeconds(board.defaultShotDuration)}</dd>
      </dl>
      <p className="muted small">You can view this board. Ask an admin for edit access.</p>
    </div>
  );
}

function sameDraft(a: BoardDraft, b: BoardDraft): boolean {
  return (
    a.title === b.title &&
    a.description === b.description &&
    a.aspectRatio === b.aspectRatio &&
    Number(a.defaultShotDuration) === Number(b.defaultShotDuration) &&
    a.defaultProvider === b.defaultProvider
  );
}

function BoardSettingsForm({ board, onSaved }: { board: Board; onSaved: (b: Board) => void }) {
  const { api } = useStore();
  const saved = draftFrom(board);
  const [draft, setDraft] = useState<BoardDraft>(saved);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [justSaved, setJustSaved] = useState(false);
  const save = useAction((patch: Parameters<typeof api.boards.update>[1]) =>
    api.boards.update(board.id, patch),
  );
  const providers = useResource(() => api.renders.providers(board.workspaceId), [api, board.workspaceId]);
  const serverErrors = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const dirty = !sameDraft(draft, saved);
  // Someone else changed the settings: follow, unless this form has edits.
  const lastSaved = useRef(saved);
  useEffect(() => {
    const prev = lastSaved.current;
    lastSaved.current = saved;
    if (!sameDraft(prev, saved)) setDraft((d) => (sameDraft(d, prev) ? saved : d));
  });

  return (
    <form
      className="inspector-section"
      data-testid="board-settings-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const { input, errors } = validateDraft(draft);
        setClientErrors(errors);
        if (!input) return;
        const r = await save.run(providers.data ? { ...input, defaultProvider: draft.defaultProvider } : input);
        if (r.ok) {
          // A PATCH answer may leave out shots; keep the ones we show.
          onSaved({ ...r.value, shots: r.value.shots ?? board.shots });
          setDraft(draftFrom(r.value));
          setJustSaved(true);
        }
      }}
    >
      <h3>Board settings</h3>
      <BoardFields
        draft={draft}
        onChange={(d) => {
          setJustSaved(false);
          setDraft(d);
        }}
        errors={{ ...serverErrors, ...clientErrors }}
        providers={providers.data}
      />
      <ErrorBanner error={save.error} />
      <div className="form-actions">
        {dirty && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDraft(saved);
              setClientErrors({});
              save.clearError();
            }}
          >
            Discard
          </button>
        )}
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="save-board"
          disabled={!dirty || save.pending}
        >
          {save.pending ? 'Saving…' : 'Save changes'}
        </button>
      </div>
      {justSaved && !dirty && (
        <div className="saved-note" role="status">
          Saved
        </div>
      )}
    </form>
  );
}
