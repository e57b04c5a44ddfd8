import { useState, type InputHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { FieldCount, nearlyFull } from '../../components/Field';

/**
 * The draft of a field edited as a whole: null while the person is not
 * editing; commit sends it (unless unchanged) and keeps it with the error
 * if onCommit returns one; drop forgets it.
 */
function useDraft(value: string, onCommit: (draft: string) => string | null | void) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  function drop() {
    setDraft(null);
    setError(null);
  }

  function commit() {
    if (draft === null) return;
    if (draft === value) {
      drop();
      return;
    }
    const err = onCommit(draft);
    if (err) {
      setError(err);
      return;
    }
    drop();
  }

  return { draft, setDraft, error, commit, drop };
}

/**
 * An input for a field that is replaced as a whole (a shot's title,
 * duration, model): it keeps what the person types as a draft and sends it
 * on Enter or when focus leaves, so a remote change never lands in the
 * middle of typing. Escape drops the draft. onCommit may return an error
 * message to keep the draft and show it.
 */
export function CommitInput({
  value,
  onCommit,
  error: outerError,
  ...rest
}: {
  value: string;
  onCommit: (draft: string) => string | null | void;
  error?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'defaultValue'>) {
  const { draft, setDraft, error, commit, drop } = useDraft(value, onCommit);

  const shownError = error ?? outerError;
  const shown = draft ?? value;
  const max = rest.maxLength;
  const counter = nearlyFull(shown, max);
  const countId = rest.id ? `${rest.id}-count` : undefined;
  return (
    <>
      {counter && <FieldCount id={countId} used={shown.length} max={max} />}
      <input
        {...rest}
        aria-describedby={counter ? countId : rest['aria-describedby']}
        value={shown}
        aria-invalid={shownError ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape') {
            drop();
          }
        }}
      />
      {shownError && (
        <div className="field-error" role="alert">
          {shownError}
        </div>
      )}
    </>
  );
}

/** CommitInput's multi-line twin (sent on blur or Ctrl/⌘+Enter). */
export function CommitTextArea({
  value,
  onCommit,
  ...rest
}: {
  value: string;
  onCommit: (draft: string) => string | null | void;
} & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onChange' | 'defaultValue'>) {
  const { draft, setDraft, error, commit, drop } = useDraft(value, onCommit);

  return (
    <>
      <textarea
        {...rest}
        value={draft ?? value}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape') {
            drop();
          }
        }}
      />
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
