import { useState } from 'react';
import { Modal } from './Modal';
import { Field } from './Field';
import { ErrorBanner } from './ErrorBanner';

/** A one-field dialog for creating or renaming something. */
export function NameDialog({
  title,
  label,
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
              maxLength={200}
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
