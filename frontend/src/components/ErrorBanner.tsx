import { errorMessage } from '../api/client';

/** Shows the server's message for a failed request, or nothing. */
export function ErrorBanner({
  error,
  testId = 'error',
  onDismiss,
}: {
  error: unknown;
  testId?: string;
  onDismiss?: () => void;
}) {
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid={testId}>
      <span>{errorMessage(error)}</span>
      {onDismiss && (
        <button type="button" className="btn-icon" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}
