import { useCallback, useEffect, useId, useState } from 'react';
import { errorMessage, type ApiClient, type Credits } from '../../api/client';
import { formatDate } from '../../components/format';

/**
 * The workspace's credits, read when enabled and again whenever `changes`
 * changes (the board's queue passes its jobs' states, so a charge or a
 * refund shows at once).
 */
export function useCredits(api: ApiClient, workspaceId: string, enabled: boolean, changes = '') {
  const [data, setData] = useState<Credits | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api.credits.get(workspaceId).then(
      (c) => live && (setData(c), setError(null)),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, workspaceId, enabled, changes]);
  const set = useCallback((c: Credits) => setData(c), []);
  return { data, error, set };
}

/**
 * The credit balance, the ledger (newest first, as the server sends it) and,
 * for those allowed, a top-up. In the board's render queue the ledger folds
 * away behind a toggle; the workspace settings page shows it open.
 */
export function CreditsView({
  api,
  workspaceId,
  credits,
  canTopUp,
  onChange,
  ledgerOpen = false,
  label = 'Credits',
}: {
  api: ApiClient;
  workspaceId: string;
  credits: Credits;
  canTopUp: boolean;
  onChange: (c: Credits) => void;
  /** Shows the ledger and top-up without a toggle. */
  ledgerOpen?: boolean;
  /** What the balance is called (under a "Credits" heading: "Balance"). */
  label?: string;
}) {
  const [toggled, setToggled] = useState(false);
  const [amount, setAmount] = useState('100');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const errorId = useId();
  const open = ledgerOpen || toggled;
  return (
    <div className="credits" data-testid="credits">
      <div className="credits-head">
        <span>{label}</span>
        <strong data-testid="credit-balance">{credits.balance}</strong>
        {!ledgerOpen && (
          <button type="button" className="link-button" onClick={() => setToggled(!toggled)} aria-expanded={toggled} data-testid="toggle-ledger">
            {toggled ? 'Hide ledger' : 'Ledger'}
          </button>
        )}
      </div>
      {open && (
        <>
          {canTopUp && (
            <form
              className="credits-topup"
              onSubmit={async (e) => {
                e.preventDefault();
                setError(null);
                const n = Number(amount);
                if (!Number.isInteger(n) || n < 1) return setError('Enter a whole number of credits.');
                setPending(true);
                try {
                  onChange(await api.credits.topUp(workspaceId, n, crypto.randomUUID()));
                } catch (err) {
                  setError(errorMessage(err));
                } finally {
                  setPending(false);
                }
              }}
            >
              <label>
                Add credits{' '}
                <input
                  type="number"
                  min={1}
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                  data-testid="topup-amount"
                />
              </label>
              <button type="submit" className="btn btn-small" disabled={pending} data-testid="topup">
                Top up
              </button>
              {error && (
                <span className="render-error" id={errorId} role="alert">
                  {error}
                </span>
              )}
            </form>
          )}
          {credits.ledger.length === 0 ? (
            <p className="muted">No credit changes yet.</p>
          ) : (
            <table className="ledger" data-testid="ledger">
              <caption className="sr-only">Credit ledger, newest first</caption>
              <thead className="sr-only">
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Credits</th>
                </tr>
              </thead>
              <tbody>
                {credits.ledger.map((e) => (
                  <tr key={e.key} data-testid="ledger-entry">
                    <td>{formatDate(e.at)}</td>
                    <td>{e.reason}</td>
                    <td className={e.amount < 0 ? 'ledger-minus' : 'ledger-plus'}>{e.amount > 0 ? `+${e.amount}` : e.amount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
