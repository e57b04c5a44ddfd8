import { useState } from 'react';
import { Modal } from './Modal';
import { Field } from './Field';
import { ErrorBanner } from './ErrorBanner';

/** A one-field dialog for creating or renaming something. */
export function NameDialog({
  title,
  label,
  maxLength = 200,
  initial = '',
  submitLabel,
  pending,
  error,
  onSubmit,
  onClose,
  testId,
}: {
  title: string;
  label: string;
  /** The server's limit for this name (workspaces 100, projects and boards 200). */
  maxLength?: number;
  initial?: string;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (name: string) => void;
  onClose: () => void;
  testId?: string;
}) {
  const [name, setName] = useState(initial);
  const trimmed = name.trim();
  return (
    <Modal title={title} onClose={onClose} testId={testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (trimmed) onSubmit(trimmed);
        }}
      >
        <div className="modal-body">
          <Field label={label}>
            <input
              required
              maxLength={maxLength}
              value={name}
              onChange={(e) => setName(e.target.value)}
              onFocus={(e) => e.currentTarget.select()}
            />
          </Field>
          <ErrorBanner error={error} />
        </div>
        <div className="modal-footer">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={pending || !trimmed || trimmed === initial}
          >
            {pending ? 'Saving…' : submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
