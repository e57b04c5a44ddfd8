/**
 * The one store for app state: who is signed in, the workspaces they belong
 * to, and which workspace is current. Pages keep their own page data (a list
 * of projects, a board) in local state; anything two screens share lives here.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  type ReactNode,
} from 'react';
import {
  api as defaultApi,
  ApiError,
  errorMessage,
  type ApiClient,
  type SigninInput,
  type SignupInput,
  type User,
  type Workspace,
} from '../api/client';
import type { RealtimeConfig } from './liveBoard';

/** Where the session check stands. */
export type AuthStatus = 'loading' | 'signedOut' | 'signedIn';

export interface AppState {
  auth: AuthStatus;
  user: User | null;
  workspaces: Workspace[];
  workspacesStatus: 'idle' | 'loading' | 'ready' | 'error';
  workspacesError: string | null;
  currentWorkspaceId: string | null;
  /** True when the user signed out themselves (not an expired session), so
   * sign-in should not offer to bring them back to where they were. */
  signedOutByUser?: boolean;
}

type Action =
  | { type: 'signedIn'; user: User }
  | { type: 'signedOut'; byUser?: boolean }
  | { type: 'userUpdated'; user: User }
  | { type: 'workspacesLoading' }
  | { type: 'workspacesLoaded'; workspaces: Workspace[] }
  | { type: 'workspacesFailed'; message: string }
  | { type: 'workspaceSaved'; workspace: Workspace }
  | { type: 'workspaceRemoved'; id: string }
  | { type: 'workspaceSelected'; id: string | null };

const LAST_WORKSPACE_KEY = 'shotline.lastWorkspace';

function rememberWorkspace(id: string | null) {
  try {
    if (id) localStorage.setItem(LAST_WORKSPACE_KEY, id);
  } catch {
    // Storage may be unavailable (private mode); remembering is a convenience.
  }
}

function lastWorkspace(): string | null {
  try {
    return localStorage.getItem(LAST_WORKSPACE_KEY);
  } catch {
    return null;
  }
}

export const initialState: AppState = {
  auth: 'loading',
  user: null,
  workspaces: [],
  workspacesStatus: 'idle',
  workspacesError: null,
  currentWorkspaceId: null,
};

/** Pure reducer, exported for tests. */
export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'signedIn':
      return { ...state, auth: 'signedIn', user: action.user };
    case 'signedOut':
      return { ...initialState, auth: 'signedOut', signedOutByUser: action.byUser === true };
    case 'userUpdated':
      return { ...state, user: action.user };
    case 'workspacesLoading':
      return { ...state, workspacesStatus: 'loading', workspacesError: null };
    case 'workspacesLoaded':
      return {
        ...state,
        workspaces: action.workspaces,
        workspacesStatus: 'ready',
        workspacesError: null,
      };
    case 'workspacesFailed':
      return { ...state, workspacesStatus: 'error', workspacesError: action.message };
    case 'workspaceSaved': {
      const exists = state.workspaces.some((w) => w.id === action.workspace.id);
      return {
        ...state,
        workspaces: exists
          ? state.workspaces.map((w) => (w.id === action.workspace.id ? action.workspace : w))
          : [...state.workspaces, action.workspace],
      };
    }
    case 'workspaceRemoved':
      return {
        ...state,
        workspaces: state.workspaces.filter((w) => w.id !== action.id),
        currentWorkspaceId:
          state.currentWorkspaceId === action.id ? null : state.currentWorkspaceId,
      };
    case 'workspaceSelected':
      return { ...state, currentWorkspaceId: action.id };
  }
}

export interface AppStore {
  state: AppState;
  api: ApiClient;
  /** How live boards reach the server (the browser's WebSocket unless a test says otherwise). */
  realtime: RealtimeConfig;
  /** The current workspace, if one is selected and known. */
  currentWorkspace: Workspace | null;
  /** Finds a workspace the user belongs to. */
  workspaceById: (id: string | null | undefined) => Workspace | null;
  /** The workspace to open when no route names one. */
  preferredWorkspaceId: () => string | null;
  signIn: (input: SigninInput) => Promise<void>;
  signUp: (input: SignupInput) => Promise<void>;
  signOut: (opts?: { everywhere?: boolean }) => Promise<void>;
  setUser: (user: User) => void;
  reloadWorkspaces: () => Promise<void>;
  createWorkspace: (name: string) => Promise<Workspace>;
  renameWorkspace: (id: string, name: string) => Promise<Workspace>;
  deleteWorkspace: (id: string) => Promise<void>;
  leaveWorkspace: (id: string) => Promise<void>;
  selectWorkspace: (id: string | null) => void;
  /**
   * Call with any error from a page's request. A 401 means the session ended
   * (signed out elsewhere, expired): the store drops to signed-out so the
   * router sends the user to sign in.
   */
  reportError: (err: unknown) => void;
}

const StoreContext = createContext<AppStore | null>(null);

const defaultRealtime: RealtimeConfig = {};

export function AppStoreProvider({
  api = defaultApi,
  realtime = defaultRealtime,
  children,
  initial,
}: {
  api?: ApiClient;
  realtime?: RealtimeConfig;
  children: ReactNode;
  /** Tests start from a known state and skip the session check. */
  initial?: AppState;
}) {
  const [state, dispatch] = useReducer(reducer, initial ?? initialState);

  const reloadWorkspaces = useCallback(async () => {
    dispatch({ type: 'workspacesLoading' });
    try {
      const workspaces = await api.workspaces.list();
      dispatch({ type: 'workspacesLoaded', workspaces });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'EUNAUTHORIZED') {
        dispatch({ type: 'signedOut' });
        return;
      }
      dispatch({ type: 'workspacesFailed', message: errorMessage(err) });
    }
  }, [api]);

  const startSession = useCallback(
    async (user: User) => {
      dispatch({ type: 'signedIn', user });
      await reloadWorkspaces();
    },
    [reloadWorkspaces],
  );

  // Restore the session once at start.
  useEffect(() => {
    if (initial) return;
    // Sign-in sets the readable CSRF cookie beside the session cookie and
    // sign-out clears both: without it nobody is signed in here, and asking
    // would only log a 401 in the console of the sign-in page.
    if (api.csrfToken() === null) {
      dispatch({ type: 'signedOut' });
      return;
    }
    let cancelled = false;
    api.auth.session().then(
      (s) => {
        if (!cancelled) void startSession(s.user);
      },
      () => {
        // 401 is the normal "nobody signed in"; any other failure also lands
        // on the sign-in screen, which shows server errors on submit.
        if (!cancelled) dispatch({ type: 'signedOut' });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, initial, startSession]);

  const signIn = useCallback(
    async (input: SigninInput) => {
      const s = await api.auth.signin(input);
      await startSession(s.user);
    },
    [api, startSession],
  );

  const signUp = useCallback(
    async (input: SignupInput) => {
      const s = await api.auth.signup(input);
      await startSession(s.user);
    },
    [api, startSession],
  );

  const signOut = useCallback(
    async (opts: { everywhere?: boolean } = {}) => {
      try {
        if (opts.everywhere) await api.auth.signoutAll();
        else await api.auth.signout();
      } finally {
        dispatch({ type: 'signedOut', byUser: true });
      }
    },
    [api],
  );

  const setUser = useCallback((user: User) => dispatch({ type: 'userUpdated', user }), []);

  const createWorkspace = useCallback(
    async (name: string) => {
      const ws = await api.workspaces.create(name);
      dispatch({ type: 'workspaceSaved', workspace: ws });
      return ws;
    },
    [api],
  );

  const renameWorkspace = useCallback(
    async (id: string, name: string) => {
      const ws = await api.workspaces.rename(id, name);
      dispatch({ type: 'workspaceSaved', workspace: ws });
      return ws;
    },
    [api],
  );

  const deleteWorkspace = useCallback(
    async (id: string) => {
      await api.workspaces.delete(id);
      dispatch({ type: 'workspaceRemoved', id });
    },
    [api],
  );

  const leaveWorkspace = useCallback(
    async (id: string) => {
      await api.workspaces.leave(id);
      dispatch({ type: 'workspaceRemoved', id });
    },
    [api],
  );

  const selectWorkspace = useCallback((id: string | null) => {
    rememberWorkspace(id);
    dispatch({ type: 'workspaceSelected', id });
  }, []);

  const reportError = useCallback(
    (err: unknown) => {
      if (!(err instanceof ApiError) || err.code !== 'EUNAUTHORIZED') return;
      // Confirm with the server before dropping the user: a 401 from one
      // endpoint should not sign someone out if their session is fine.
      api.auth.session().then(
        () => undefined,
        () => dispatch({ type: 'signedOut' }),
      );
    },
    [api],
  );

  const store = useMemo<AppStore>(() => {
    const workspaceById = (id: string | null | undefined) =>
      (id && state.workspaces.find((w) => w.id === id)) || null;
    return {
      state,
      api,
      realtime,
      currentWorkspace: workspaceById(state.currentWorkspaceId),
      workspaceById,
      preferredWorkspaceId: () => {
        const remembered = lastWorkspace();
        if (remembered && workspaceById(remembered)) return remembered;
        return state.workspaces[0]?.id ?? null;
      },
      signIn,
      signUp,
      signOut,
      setUser,
      reloadWorkspaces,
      createWorkspace,
      renameWorkspace,
      deleteWorkspace,
      leaveWorkspace,
      selectWorkspace,
      reportError,
    };
  }, [
    state,
    api,
    realtime,
    signIn,
    signUp,
    signOut,
    setUser,
    reloadWorkspaces,
    createWorkspace,
    renameWorkspace,
    deleteWorkspace,
    leaveWorkspace,
    selectWorkspace,
    reportError,
  ]);

  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** The app store. Throws outside AppStoreProvider. */
export function useStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore must be used inside <AppStoreProvider>');
  return store;
}

/** The API client the store was given (the real one, or a fake in tests). */
export function useApi(): ApiClient {
  return useStore().api;
}
