import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError, type GuestView } from '../../api/client';
import { useStore } from '../../state/store';

/** Why a link does not open, for its own page. */
export type LinkProblem = 'revoked' | 'expired' | 'missing' | 'password-changed' | 'session';

/** Reads an ApiError from opening or using a link into a LinkProblem (null: not one). */
export function linkProblem(err: unknown): LinkProblem | null {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'EGONE') return err.details[0]?.message === 'expired' ? 'expired' : 'revoked';
  if (err.code === 'ENOTFOUND') return 'missing';
  if (err.code === 'EUNAUTHORIZED') return err.details[0]?.field === 'password' ? 'password-changed' : 'session';
  return null;
}

const PROBLEM_TEXT: Record<LinkProblem, { title: string; body: string }> = {
  revoked: { title: 'This link was revoked', body: 'Whoever shared it has turned it off. Ask them for a new link.' },
  expired: { title: 'This link has expired', body: 'It was shared for a limited time. Ask whoever sent it for a new link.' },
  missing: { title: 'This link does not exist', body: 'Check that the whole link was copied, or ask for it again.' },
  'password-changed': {
    title: 'The password of this link changed',
    body: 'Open the link you were sent again and type the new password.',
  },
  session: { title: 'Open the link again', body: 'Your visit ended. Open the link you were sent to come back.' },
};

/** The page for a link that does not (or no longer) open. */
export function LinkProblemPage({ problem }: { problem: LinkProblem }) {
  const t = PROBLEM_TEXT[problem];
  return (
    <div className="fullscreen-center">
      <div className="card link-problem" data-testid="link-problem" data-problem={problem}>
        <h1>{t.title}</h1>
        <p>{t.body}</p>
      </div>
    </div>
  );
}

/**
 * /s/:token — opening a share link: the guest's display name (not asked of
 * someone signed in) and the password if the link has one. The token
 * leaves the address bar as soon as the link is open.
 */
export function SharePage() {
  const { token = '' } = useParams();
  const { api, state } = useStore();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [problem, setProblem] = useState<LinkProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const signedIn = state.auth === 'signedIn';

  useEffect(() => {
    document.title = 'Shared storyboard · Shotline';
  }, []);

  function opened(g: GuestView) {
    // The page after takes the guest view along instead of asking again.
    navigate(g.boardId ? `/review/${g.boardId}` : `/review/p/${g.projectId}`, { replace: true, state: { guest: g } });
  }

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      opened(await api.share.open(token, { password: password || undefined, name: signedIn ? undefined : name }));
    } catch (err) {
      const p = linkProblem(err);
      if (err instanceof ApiError && err.code === 'EUNAUTHORIZED' && err.details[0]?.field === 'password') {
        setError({ field: 'password', message: password ? 'Wrong password. Try again.' : 'This link needs a password.' });
      } else if (p === 'revoked' || p === 'expired' || p === 'missing') {
        setProblem(p);
      } else {
        setError({ message: err instanceof Error ? err.message : 'Something went wrong.' });
      }
    } finally {
      setBusy(false);
    }
  }

  if (problem) return <LinkProblemPage problem={problem} />;
  return (
    <div className="fullscreen-center">
      <form
        className="card share-open"
        data-testid="share-open"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1>Open shared storyboard</h1>
        {!signedIn && (
          <div className="field">
            <label htmlFor="guest-name">Your name</label>
            <input
              id="guest-name"
              data-testid="guest-name"
              autoComplete="name"
              maxLength={100}
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <p className="muted small">Shown next to your comments, marked “guest”.</p>
          </div>
        )}
        <div className="field">
          <label htmlFor="link-password">Password</label>
          <input
            id="link-password"
            data-testid="link-password"
            type="password"
            autoComplete="off"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error?.field === 'password'}
          />
          <p className="muted small">Leave it empty if you were not given one.</p>
        </div>
        {error && (
          <div className="field-error" role="alert" data-testid="share-open-error">
            {error.message}
          </div>
        )}
        <button type="submit" className="btn btn-primary" data-testid="open-link" disabled={busy || (!signedIn && !name.trim())}>
          Open
        </button>
      </form>
    </div>
  );
}
