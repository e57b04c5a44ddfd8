import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { createApiClient, type Workspace } from '../api/client';
import { App } from '../app/App';
import { AppStoreProvider, initialState } from '../state/store';
import { fakeFetch } from './fakeFetch';
import { fakeRealtime } from './fakeSocket';
import type { RealtimeConfig } from '../state/liveBoard';

export const TEST_USER = { id: 'u1', email: 'me@example.com', name: 'Me', createdAt: '2026-01-01T00:00:00Z' };

/**
 * Renders the whole app at a path, signed in with the given workspaces, with
 * the API answered by a fake fetch and live boards on fake sockets (which
 * never open unless the test opens them). Returns what the fake server saw.
 */
export function renderApp(
  path: string,
  {
    workspaces,
    routes,
    realtime = fakeRealtime(),
  }: { workspaces: Workspace[]; routes: Parameters<typeof fakeFetch>[0]; realtime?: RealtimeConfig },
) {
  const f = fakeFetch(routes);
  const api = createApiClient({ fetch: f.fetch, cookies: () => 'shotline_csrf=tok' });
  const view = render(
    <AppStoreProvider
      api={api}
      realtime={realtime}
      initial={{ ...initialState, auth: 'signedIn', user: TEST_USER, workspaces, workspacesStatus: 'ready' }}
    >
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </AppStoreProvider>,
  );
  return { ...view, seen: f.seen };
}
