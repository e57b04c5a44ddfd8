import { useId, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import type { LiveBoardStore } from '../../state/liveBoard';
import type { Comment, Shot } from '../../sync/protocol';
import { RelativeTime } from '../../components/RelativeTime';
import { AVATAR_TEXT, personColor } from './presenceColors';
import { formatTimecode, initials, parseTimeRange } from './shotFields';

/** What the current person may do with comments, from the workspace's permissions. */
export interface CommentRights {
  me: string;
  /** comment:create — start threads, reply, edit/delete/resolve one's own. */
  comment: boolean;
  /** comment:resolve — resolve and reopen anyone's thread. */
  resolveAny: boolean;
  /** comment:moderate — delete anyone's comment. */
  moderate: boolean;
}

/** Someone a comment may @mention (members only ever get this list). */
export interface Mentionable {
  userId: string;
  name: string;
}

/** The token a mention is written as; the server reads the same shape. */
export function mentionToken(m: Mentionable): string {
  return `@[${m.name.replace(/[\]\n]/g, ' ')}](${m.userId})`;
}

const MENTION = /@\[([^\]\n]{1,100})\]\(([A-Za-z0-9_-]{1,64})\)/g;

/** A comment's text with its mention tokens shown as @Name. */
export function showMentions(body: string): string {
  return body.replace(MENTION, (_, name: string) => `@${name}`);
}

/** Which actions to offer on one comment; the server checks the same rules. */
export function commentActions(c: Comment, r: CommentRights) {
  const own = c.authorId === r.me;
  const thread = !c.parentId;
  return {
    reply: thread && r.comment,
    edit: own && r.comment,
    remove: (own && r.comment) || r.moderate,
    resolve: thread && ((own && r.comment) || r.resolveAny),
  };
}

/**
 * The selected shot's comment threads, live: start a thread (optionally on
 * a time range of the shot), reply, edit or delete one's own, resolve and
 * reopen.
 */
export function CommentsPanel({
  shot,
  shotIndex,
  comments,
  store,
  rights,
  names,
  colors,
  mentionables = [],
}: {
  shot: Shot | null;
  shotIndex: number;
  comments: Comment[];
  store: LiveBoardStore | null;
  rights: CommentRights;
  names: Map<string, string>;
  /** Colours of the people on the board now (presence), by user id; others get their stable one. */
  colors?: ReadonlyMap<string, string>;
  mentionables?: Mentionable[];
}) {
  const [hideResolved, setHideResolved] = useState(false);
  if (!shot) {
    return (
      <section className="inspector-section comments-panel" data-testid="comments-panel">
        <h3>Comments</h3>
        <p className="muted small">Select a shot to see its comments.</p>
      </section>
    );
  }
  const threads = comments.filter((c) => c.shotId === shot.id && !c.parentId);
  const resolvedCount = threads.filter((t) => t.resolved).length;
  const shown = hideResolved ? threads.filter((t) => !t.resolved) : threads;
  return (
    <section className="inspector-section comments-panel" data-testid="comments-panel">
      <div className="section-head">
        <h3>
          Comments on shot {shotIndex + 1}
          {shot.title ? ` · ${shot.title}` : ''}
        </h3>
        {resolvedCount > 0 && (
          // A view filter, not an edit: a toggle button, so a read view
          // holds no form control.
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-pressed={hideResolved}
            data-testid="hide-resolved"
            onClick={() => setHideResolved((h) => !h)}
          >
            {hideResolved ? `Show resolved (${resolvedCount})` : `Hide resolved (${resolvedCount})`}
          </button>
        )}
      </div>
      {shown.length === 0 ? (
        <p className="muted small" data-testid="comments-empty">
          {threads.length === 0 ? 'No comments on this shot yet.' : 'All threads are resolved.'}
        </p>
      ) : (
        <ol className="threads">
          {shown.map((t) => (
            <Thread
              key={t.id}
              thread={t}
              replies={comments.filter((c) => c.parentId === t.id)}
              store={store}
              rights={rights}
              names={names}
              colors={colors}
              mentionables={mentionables}
            />
          ))}
        </ol>
      )}
      {rights.comment && (
        <NewThread key={shot.id} shot={shot} store={store} mentionables={mentionables} />
      )}
    </section>
  );
}

function authorName(id: string, rights: CommentRights, names: Map<string, string>): string {
  const n = names.get(id);
  if (id === rights.me) return n ? `${n} (you)` : 'You';
  // A guest who left is no longer among the peers.
  return n ?? (id.startsWith('guest:') ? 'Guest (guest)' : 'Someone');
}

function Thread({
  thread,
  replies,
  store,
  rights,
  names,
  colors,
  mentionables,
}: {
  thread: Comment;
  replies: Comment[];
  store: LiveBoardStore | null;
  rights: CommentRights;
  names: Map<string, string>;
  colors?: ReadonlyMap<string, string>;
  mentionables: Mentionable[];
}) {
  const [replying, setReplying] = useState(false);
  const [reply, setReply] = useState('');
  const can = commentActions(thread, rights);
  return (
    <li className={`thread${thread.resolved ? ' thread-resolved' : ''}`} data-testid="comment-thread" data-comment-id={thread.id}>
      <CommentItem comment={thread} store={store} rights={rights} names={names} colors={colors} />
      {replies.length > 0 && (
        <ol className="replies">
          {replies.map((r) => (
            <li key={r.id}>
              <CommentItem comment={r} store={store} rights={rights} names={names} colors={colors} />
            </li>
          ))}
        </ol>
      )}
      <div className="thread-actions">
        {can.reply && !replying && (
          <button type="button" className="btn-link" data-testid="reply-comment" onClick={() => setReplying(true)}>
            Reply
          </button>
        )}
        {can.resolve &&
          (thread.resolved ? (
            <button type="button" className="btn-link" data-testid="reopen-comment" onClick={() => store?.setResolved(thread, false)}>
              Reopen
            </button>
          ) : (
            <button type="button" className="btn-link" data-testid="resolve-comment" onClick={() => store?.setResolved(thread, true)}>
              Resolve
            </button>
          ))}
      </div>
      {replying && (
        <CommentTextForm
          label="Reply"
          inputTestId="reply-input"
          submitTestId="send-reply"
          submitLabel="Reply"
          value={reply}
          onChange={setReply}
          mentionables={mentionables}
          onCancel={() => setReplying(false)}
          onSubmit={() => {
            store?.addComment(thread.shotId, reply, { parentId: thread.id });
            setReply('');
            setReplying(false);
          }}
        />
      )}
    </li>
  );
}

/** The form to write a reply or edit a comment; blank text is not sent. */
function CommentTextForm({
  label,
  inputTestId,
  submitTestId,
  submitLabel,
  value,
  onChange,
  onCancel,
  onSubmit,
  mentionables = [],
}: {
  label: string;
  inputTestId: string;
  submitTestId: string;
  submitLabel: string;
  value: string;
  onChange: (text: string) => void;
  onCancel: () => void;
  onSubmit: () => void;
  mentionables?: Mentionable[];
}) {
  return (
    <form
      className="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value.trim()) return;
        onSubmit();
      }}
    >
      <textarea
        aria-label={label}
        data-testid={inputTestId}
        rows={2}
        value={value}
        maxLength={5000}
        autoFocus
        onChange={(e) => onChange(e.target.value)}
      />
      <MentionPicker mentionables={mentionables} onPick={(t) => onChange(`${value}${value && !value.endsWith(' ') ? ' ' : ''}${t} `)} />
      <div className="form-actions">
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-small btn-primary" data-testid={submitTestId} disabled={!value.trim()}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

function CommentItem({
  comment,
  store,
  rights,
  names,
  colors,
}: {
  comment: Comment;
  store: LiveBoardStore | null;
  rights: CommentRights;
  names: Map<string, string>;
  colors?: ReadonlyMap<string, string>;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(comment.body);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const can = commentActions(comment, rights);
  return (
    <div className="comment" data-testid="comment">
      <div className="comment-head">
        <span
          className="comment-avatar"
          aria-hidden="true"
          data-testid="comment-avatar"
          style={{ background: personColor(comment.authorId, colors), color: AVATAR_TEXT }}
        >
          {initials(names.get(comment.authorId) ?? (comment.authorId.startsWith('guest:') ? 'Guest' : '?'))}
        </span>
        <span className="comment-author" data-testid="comment-author">
          {authorName(comment.authorId, rights, names)}
        </span>
        {comment.createdAt && <RelativeTime iso={comment.createdAt} />}
        {comment.timeRange && (
          <span className="comment-range" data-testid="comment-time-range">
            {formatTimecode(comment.timeRange.start)}–{formatTimecode(comment.timeRange.end)}
          </span>
        )}
        {comment.resolved && <span className="badge badge-muted">Resolved</span>}
        {comment.editedSeq !== undefined && <span className="muted small">(edited)</span>}
      </div>
      {editing ? (
        <CommentTextForm
          label="Edit comment"
          inputTestId="edit-comment-input"
          submitTestId="save-comment"
          submitLabel="Save"
          value={draft}
          onChange={setDraft}
          onCancel={() => setEditing(false)}
          onSubmit={() => {
            if (draft !== comment.body) store?.editComment(comment.id, draft);
            setEditing(false);
          }}
        />
      ) : (
        <div className="comment-body" data-testid="comment-body">
          {showMentions(comment.body)}
        </div>
      )}
      {!editing && (can.edit || can.remove) && (
        <div className="comment-actions">
          {can.edit && (
            <button
              type="button"
              className="btn-link"
              data-testid="edit-comment"
              onClick={() => {
                setDraft(comment.body);
                setEditing(true);
              }}
            >
              Edit
            </button>
          )}
          {can.remove && (
            <button type="button" className="btn-link btn-danger-text" data-testid="delete-comment" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          )}
        </div>
      )}
      {confirmDelete && (
        <ConfirmDialog
          title="Delete comment"
          confirmLabel="Delete"
          pending={false}
          error={null}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => {
            store?.deleteComment(comment.id);
            setConfirmDelete(false);
          }}
        >
          {comment.parentId ? 'Delete this reply?' : 'Delete this comment and its replies?'}
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Inserts a member's mention token; shown only with someone to mention. */
function MentionPicker({ mentionables, onPick }: { mentionables: Mentionable[]; onPick: (token: string) => void }) {
  if (mentionables.length === 0) return null;
  return (
    <label className="small mention-picker">
      <span className="sr-only">Mention someone</span>
      <select
        data-testid="mention-picker"
        value=""
        onChange={(e) => {
          const m = mentionables.find((x) => x.userId === e.target.value);
          if (m) onPick(mentionToken(m));
        }}
      >
        <option value="">@ Mention…</option>
        {mentionables.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function NewThread({
  shot,
  store,
  mentionables,
}: {
  shot: Shot;
  store: LiveBoardStore | null;
  mentionables: Mentionable[];
}) {
  const id = useId();
  const [body, setBody] = useState('');
  const [ranged, setRanged] = useState(false);
  const [start, setStart] = useState('0');
  const [end, setEnd] = useState(String(shot.duration));
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="comment-form"
      data-testid="new-comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!body.trim()) return;
        let timeRange;
        if (ranged) {
          const r = parseTimeRange(start, end, shot.duration);
          if (!r.ok) {
            setError(r.error);
            return;
          }
          timeRange = r.value;
        }
        store?.addComment(shot.id, body, timeRange ? { timeRange } : {});
        setBody('');
        setError(null);
      }}
    >
      <label htmlFor={`${id}-body`} className="sr-only">
        New comment
      </label>
      <textarea
        id={`${id}-body`}
        data-testid="new-comment-input"
        rows={2}
        placeholder="Add a comment…"
        value={body}
        maxLength={5000}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
        }}
      />
      <MentionPicker mentionables={mentionables} onPick={(t) => setBody(`${body}${body && !body.endsWith(' ') ? ' ' : ''}${t} `)} />
      <label className="checkbox small">
        <input
          type="checkbox"
          data-testid="comment-range-toggle"
          checked={ranged}
          onChange={(e) => {
            setRanged(e.target.checked);
            setError(null);
            // Start from the whole shot as it is now.
            if (e.target.checked) {
              setStart('0');
              setEnd(String(shot.duration));
            }
          }}
        />
        At a moment of the shot
      </label>
      {ranged && (
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-start`}>From (s)</label>
            <input id={`${id}-start`} data-testid="comment-range-start" type="number" step="any" min={0} value={start} onChange={(e) => setStart(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-end`}>To (s)</label>
            <input id={`${id}-end`} data-testid="comment-range-end" type="number" step="any" min={0} value={end} onChange={(e) => setEnd(e.target.value)} />
          </div>
        </div>
      )}
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-small btn-primary" data-testid="add-comment" disabled={!body.trim()}>
          Comment
        </button>
      </div>
    </form>
  );
}
