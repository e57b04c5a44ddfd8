import { useCallback, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useStore } from './store';

/** A user-triggered request: whether it runs, and its error for the form. */
export type ActionResult<R> = { ok: true; value: R } | { ok: false; error: Error };

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<ActionResult<R>>;
  pending: boolean;
  error: ApiError | Error | null;
  clearError: () => void;
}

/**
 * Wraps a write so forms get a pending flag and the server's error without
 * their own try/catch. `run` never throws: it resolves to `{ ok }`.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const { reportError } = useStore();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  const run = useCallback(
    async (...args: A): Promise<ActionResult<R>> => {
      setPending(true);
      setError(null);
      try {
        return { ok: true, value: await fnRef.current(...args) };
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        setError(e);
        reportError(err);
        return { ok: false, error: e };
      } finally {
        setPending(false);
      }
    },
    [reportError],
  );
  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}
