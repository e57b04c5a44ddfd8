import type { Board, Workspace } from '../api/client';

/** One request the fake server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A canned answer: a JSON body, or a raw non-JSON body such as a proxy's HTML page. */
export interface Answer {
  status: number;
  body?: unknown;
  raw?: string;
}

/** Answers a request, at once or later (a promise: a request the test holds open). */
type Handler = (req: SeenRequest) => Answer | Promise<Answer>;

/**
 * A fetch that answers from a route table ("METHOD /path" → handler) and
 * records every request, so tests can assert what the client sent.
 * Unknown routes answer 404 ENOTFOUND like the real server.
 */
export function fakeFetch(routes: Record<string, Handler | Answer>) {
  const seen: SeenRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const req: SeenRequest = { method, url, headers, body };
    seen.push(req);
    const route = routes[`${method} ${url}`];
    const answer: Answer =
      typeof route === 'function'
        ? await route(req)
        : (route ?? { status: 404, body: { code: 'ENOTFOUND', message: 'not found' } });
    const isRaw = answer.raw !== undefined;
    const text = isRaw ? answer.raw : answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : text, {
      status: answer.status,
      headers: { 'Content-Type': isRaw ? 'text/html' : 'application/json' },
    });
  };
  return { fetch: fetchImpl as typeof fetch, seen };
}

/** Board b1 of project p1 in workspace ws1, without shots. */
export const BOARD: Board = {
  id: 'b1',
  workspaceId: 'ws1',
  projectId: 'p1',
  title: 'Harbour',
  description: '',
  aspectRatio: '16:9',
  defaultShotDuration: 3,
  archived: false,
  seq: 0,
  shots: [],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

/** What the board page of BOARD reads besides a feature's own routes: the board, its project, versions and members. */
export const BOARD_PAGE_ROUTES: Record<string, Answer> = {
  'GET /api/boards/b1': { status: 200, body: BOARD },
  'GET /api/projects/p1': { status: 200, body: { id: 'p1', workspaceId: 'ws1', name: 'Spot' } },
  'GET /api/boards/b1/versions': { status: 200, body: { versions: [] } },
  'GET /api/workspaces/ws1/members': { status: 200, body: { members: [], invites: [] } },
};

/** A workspace with the given role and exactly the given permissions. */
export function workspace(permissions: string[], over: Partial<Workspace> = {}): Workspace {
  return {
    id: 'ws1',
    name: 'Studio',
    role: 'viewer',
    permissions,
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

/** What the server grants a viewer (policies/roles.csv): read, and leave. */
export const VIEWER_PERMISSIONS = [
  'workspace:read',
  'workspace:leave',
  'member:read',
  'project:read',
  'board:read',
];

/** What the server grants an owner. */
export const OWNER_PERMISSIONS = [
  ...VIEWER_PERMISSIONS,
  'workspace:update',
  'workspace:delete',
  'member:invite',
  'member:update',
  'member:remove',
  'member:owners',
  'comment:create',
  'project:create',
  'project:update',
  'project:delete',
  'board:create',
  'board:update',
  'board:delete',
];
