import type { ReactNode } from 'react';
import { Modal } from './Modal';
import { ErrorBanner } from './ErrorBanner';

/** Asks before a destructive action and shows the server's answer if it fails. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = true,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={title} onClose={onCancel} testId="confirm-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <div className="modal-body">
          <div className="confirm-text">{children}</div>
          <ErrorBanner error={error} />
        </div>
        <div className="modal-footer">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className={danger ? 'btn btn-danger' : 'btn btn-primary'}
            disabled={pending}
            data-testid="confirm-button"
          >
            {pending ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
