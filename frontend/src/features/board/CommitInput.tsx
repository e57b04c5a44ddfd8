import { useState, type InputHTMLAttributes, type TextareaHTMLAttributes } from 'react';

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
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  function commit() {
    if (draft === null) return;
    if (draft === value) {
      setDraft(null);
      setError(null);
      return;
    }
    const err = onCommit(draft);
    if (err) {
      setError(err);
      return;
    }
    setDraft(null);
    setError(null);
  }

  const shownError = error ?? outerError;
  return (
    <>
      <input
        {...rest}
        value={draft ?? value}
        aria-invalid={shownError ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape') {
            setDraft(null);
            setError(null);
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
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  function commit() {
    if (draft === null) return;
    if (draft === value) {
      setDraft(null);
      setError(null);
      return;
    }
    const err = onCommit(draft);
    if (err) {
      setError(err);
      return;
    }
    setDraft(null);
    setError(null);
  }

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
            setDraft(null);
            setError(null);
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
