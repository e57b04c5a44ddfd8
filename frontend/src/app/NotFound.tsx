import { Link } from 'react-router';
import { ApiError } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState } from '../components/States';

/**
 * Shown for unknown routes and for anything the server answers 404: the
 * server does not say whether a thing exists when you cannot see it, and
 * neither does this page.
 */
export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <div className="page">
      <EmptyState
        title={`This ${what} was not found`}
        testId="not-found"
        action={
          <Link to="/" className="btn">
            Go to your workspaces
          </Link>
        }
      >
        It may have been deleted, or you may not have access to it.
      </EmptyState>
    </div>
  );
}

/** A page whose main resource failed to load: not found, or the error. */
export function LoadFailure({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.code === 'ENOTFOUND') return <NotFound what={what} />;
  return (
    <div className="page">
      <ErrorBanner error={error} />
    </div>
  );
}
