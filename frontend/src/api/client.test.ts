import { describe, expect, it } from 'vitest';
import { fakeFetch } from '../test/fakeFetch';
import { ApiError, createApiClient, errorMessage, parseError, readCookie } from './client';

const user = { id: 'u1', email: 'a@example.com', name: 'A', createdAt: '2026-01-01T00:00:00Z' };

function client(routes: Parameters<typeof fakeFetch>[0], cookie = { value: '' }) {
  const f = fakeFetch(routes);
  const api = createApiClient({ fetch: f.fetch, cookies: () => cookie.value });
  return { api, seen: f.seen, cookie };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('parseError', () => {
  it('takes code, message and details from a server error body', () => {
    const err = parseError(422, {
      code: 'EINVALID',
      message: 'password is too short',
      details: [
        { field: 'password', message: 'must be at least 10 characters' },
        { field: 'password', message: 'second problem is ignored' },
        { nope: true },
      ],
    });
    expect(err.status).toBe(422);
    expect(err.code).toBe('EINVALID');
    expect(err.message).toBe('password is too short');
    expect(err.fieldErrors()).toEqual({ password: 'must be at least 10 characters' });
  });

  it('derives the code from the status when the body is not an error body', () => {
    expect(parseError(403, undefined).code).toBe('EFORBIDDEN');
    expect(parseError(404, 'Not Found').code).toBe('ENOTFOUND');
    expect(parseError(429, {}).code).toBe('ERATELIMIT');
    expect(parseError(502, undefined).code).toBe('EINTERNAL');
    expect(parseError(502, undefined).message).toBe('Something went wrong on the server.');
  });

  it('ignores a code it does not know but keeps the message', () => {
    const err = parseError(409, { code: 'EWHATEVER', message: 'email already taken' });
    expect(err.code).toBe('ECONFLICT');
    expect(err.message).toBe('email already taken');
  });

  it('never yields an empty message', () => {
    expect(parseError(401, { code: 'EUNAUTHORIZED', message: '  ' }).message).toBe('You need to sign in.');
    expect(errorMessage('weird')).toBe('Something went wrong on the server.');
  });
});

describe('readCookie', () => {
  it('finds one cookie among many and decodes it', () => {
    expect(readCookie('a=1; shotline_csrf=t%2Bk; b=2', 'shotline_csrf')).toBe('t+k');
    expect(readCookie('xshotline_csrf=no', 'shotline_csrf')).toBeNull();
    expect(readCookie('', 'shotline_csrf')).toBeNull();
  });
});

describe('client requests', () => {
  it('sends the CSRF token from the cookie on every write, re-reading it each time', async () => {
    const { api, seen, cookie } = client({
      'POST /api/workspaces': { status: 201, body: { id: 'w1', name: 'W', role: 'owner', permissions: [], createdAt: '' } },
      'PATCH /api/boards/b1': { status: 200, body: { id: 'b1' } },
      'PUT /api/me/password': { status: 204 },
      'DELETE /api/projects/p1': { status: 204 },
      'POST /api/auth/signout': { status: 204 },
    });
    cookie.value = 'other=x; shotline_csrf=first';
    await api.workspaces.create('W');
    await api.boards.update('b1', { title: 'T' });
    cookie.value = 'shotline_csrf=second';
    await api.me.changePassword({ currentPassword: 'a', newPassword: 'b' });
    await api.projects.delete('p1');
    await api.auth.signout();
    expect(seen.map((r) => [r.method, r.headers['x-csrf-token']])).toEqual([
      ['POST', 'first'],
      ['PATCH', 'first'],
      ['PUT', 'second'],
      ['DELETE', 'second'],
      ['POST', 'second'],
    ]);
  });

  it('sends no CSRF header on GET, signup or signin', async () => {
    const { api, seen } = client(
      {
        'GET /api/workspaces': { status: 200, body: { workspaces: [] } },
        'POST /api/auth/signup': { status: 201, body: { user, csrfToken: 'tok' } },
        'POST /api/auth/signin': { status: 200, body: { user, csrfToken: 'tok' } },
      },
      { value: 'shotline_csrf=abc' },
    );
    await api.workspaces.list();
    await api.auth.signup({ email: 'a@example.com', password: 'longenough1', name: 'A' });
    await api.auth.signin({ email: 'a@example.com', password: 'longenough1' });
    for (const r of seen) expect(r.headers).not.toHaveProperty('x-csrf-token');
    expect(seen[1].body).toEqual({ email: 'a@example.com', password: 'longenough1', name: 'A' });
  });

  it('falls back to the token from the last auth response when the cookie is missing', async () => {
    const { api, seen } = client({
      'GET /api/auth/session': { status: 200, body: { user, csrfToken: 'from-session' } },
      'POST /api/workspaces/w1/leave': { status: 204 },
    });
    await api.auth.session();
    await api.workspaces.leave('w1');
    expect(seen[1].headers['x-csrf-token']).toBe('from-session');
  });

  it('throws the server error with its status, code and message', async () => {
    const { api } = client({
      'POST /api/auth/signup': { status: 409, body: { code: 'ECONFLICT', message: 'An account with this email already exists.' } },
      'PATCH /api/boards/b1': { status: 403, body: { code: 'EFORBIDDEN', message: 'viewers cannot edit boards' } },
    });
    const dup = await rejection(api.auth.signup({ email: 'a@example.com', password: 'x'.repeat(10), name: 'A' }));
    expect([dup.status, dup.code, dup.message]).toEqual([409, 'ECONFLICT', 'An account with this email already exists.']);
    const forbidden = await rejection(api.boards.update('b1', { title: 'x' }));
    expect([forbidden.status, forbidden.code]).toEqual([403, 'EFORBIDDEN']);
  });

  it('turns a non-JSON error page into a readable ApiError', async () => {
    const { api } = client({ 'GET /api/workspaces': { status: 502, raw: '<html>Bad Gateway</html>' } });
    const err = await rejection(api.workspaces.list());
    expect(err.code).toBe('EINTERNAL');
    expect(err.message).not.toContain('<html>');
  });

  it('reports an unreachable server as ENETWORK', async () => {
    const api = createApiClient({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      cookies: () => '',
    });
    const err = await rejection(api.workspaces.list());
    expect([err.status, err.code]).toEqual([0, 'ENETWORK']);
  });

  it('builds paths and bodies as the API documents them', async () => {
    const { api, seen } = client({
      'GET /api/workspaces/w%2F1/projects?archived=true': { status: 200, body: { projects: [] } },
      'DELETE /api/workspaces/w1/invites/b%2Btest%40example.com': { status: 204 },
      'POST /api/workspaces/w1/members': { status: 201, body: { invite: { email: 'b@example.com', role: 'viewer', invitedAt: '' } } },
      'POST /api/projects/p1/boards': { status: 201, body: { id: 'b1' } },
    });
    expect(await api.projects.list('w/1', { archived: true })).toEqual([]);
    expect(await api.members.cancelInvite('w1', 'b+test@example.com')).toBeUndefined();
    const invited = await api.members.invite('w1', 'b@example.com', 'viewer');
    expect(invited.invite?.role).toBe('viewer');
    await api.boards.create('p1', { title: 'T', aspectRatio: '9:16', defaultShotDuration: 2.5 });
    expect(seen[2].body).toEqual({ email: 'b@example.com', role: 'viewer' });
    expect(seen[3].body).toEqual({ title: 'T', aspectRatio: '9:16', defaultShotDuration: 2.5 });
    expect(seen[3].headers['content-type']).toBe('application/json');
  });

  it('defaults missing lists to empty arrays', async () => {
    const { api } = client({
      'GET /api/workspaces/w1/members': { status: 200, body: { members: [] } },
      'GET /api/projects/p1/boards': { status: 200, body: {} },
    });
    expect(await api.members.list('w1')).toEqual({ members: [], invites: [] });
    expect(await api.boards.list('p1')).toEqual([]);
  });
});
