import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { ApiError } from '../api/client';
import { useStore } from './store';

/** A page's view of one loaded thing: data, or the error, while loading. */
export interface Resource<T> {
  data: T | undefined;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => void;
  /** Replaces the data after a local change the server confirmed. */
  setData: (update: (prev: T | undefined) => T | undefined) => void;
}

/**
 * Loads page data and ignores answers that arrive after the inputs changed
 * (navigating from one board to another must not show the first board).
 * A 401 is reported to the store so an expired session lands on sign-in.
 */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
  const { reportError } = useStore();
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  const lastNonce = useRef(nonce);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++generation.current;
    // A reload keeps showing the current data; new inputs must not show the
    // previous thing while the next one loads.
    if (lastNonce.current === nonce) setDataState(undefined);
    lastNonce.current = nonce;
    setLoading(true);
    setError(null);
    loadRef.current().then(
      (value) => {
        if (generation.current !== mine) return;
        setDataState(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (generation.current !== mine) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setDataState(undefined);
        setLoading(false);
        reportError(err);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce, reportError]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const setData = useCallback(
    (update: (prev: T | undefined) => T | undefined) => setDataState(update),
    [],
  );
  return { data, error, loading, reload, setData };
}
