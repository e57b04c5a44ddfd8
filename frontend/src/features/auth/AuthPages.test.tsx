import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { createApiClient } from '../../api/client';
import { App } from '../../app/App';
import { AppStoreProvider } from '../../state/store';
import { fakeFetch, OWNER_PERMISSIONS, workspace } from '../../test/fakeFetch';
import { safeNext } from './AuthPages';

const user = { id: 'u1', email: 'ann@example.com', name: 'Ann', createdAt: '2026-01-01T00:00:00Z' };

function boot(path: string, routes: Parameters<typeof fakeFetch>[0]) {
  const f = fakeFetch(routes);
  const api = createApiClient({ fetch: f.fetch, cookies: () => '' });
  render(
    <AppStoreProvider api={api}>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </AppStoreProvider>,
  );
  return f.seen;
}

describe('sign-in flow', () => {
  it('sends a signed-out visitor to sign in and back to the page they asked for', async () => {
    let signedIn = false;
    boot('/w/ws1', {
      'GET /api/auth/session': () =>
        signedIn
          ? { status: 200, body: { user, csrfToken: 't' } }
          : { status: 401, body: { code: 'EUNAUTHORIZED', message: 'Sign in first.' } },
      'POST /api/auth/signin': () => {
        signedIn = true;
        return { status: 200, body: { user, csrfToken: 't' } };
      },
      'GET /api/workspaces': { status: 200, body: { workspaces: [workspace(OWNER_PERMISSIONS, { name: 'Northlight' })] } },
      'GET /api/workspaces/ws1/projects': { status: 200, body: { projects: [] } },
    });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Email'), 'ann@example.com');
    await u.type(screen.getByLabelText('Password'), 'correct horse battery');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: /Northlight/ })).toBeInTheDocument();
    expect(screen.getByTestId('current-user-name')).toHaveTextContent('Ann');
  });

  it('shows the server message for wrong credentials and stays on the form', async () => {
    boot('/signin', {
      'GET /api/auth/session': { status: 401, body: { code: 'EUNAUTHORIZED', message: 'Sign in first.' } },
      'POST /api/auth/signin': {
        status: 401,
        body: { code: 'EUNAUTHORIZED', message: 'Wrong email or password.' },
      },
    });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Email'), 'ann@example.com');
    await u.type(screen.getByLabelText('Password'), 'nope-nope-nope');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');
    expect(screen.getByTestId('signin-form')).toBeInTheDocument();
  });

  it('shows a field error from the server next to the password on sign-up', async () => {
    boot('/signup', {
      'GET /api/auth/session': { status: 401, body: { code: 'EUNAUTHORIZED', message: 'Sign in first.' } },
      'POST /api/auth/signup': {
        status: 422,
        body: {
          code: 'EINVALID',
          message: 'Check the highlighted fields.',
          details: [{ field: 'password', message: 'This password is too common.' }],
        },
      },
    });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Name'), 'Ann');
    await u.type(screen.getByLabelText('Email'), 'ann@example.com');
    await u.type(screen.getByLabelText('Password'), 'password123');
    await u.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('This password is too common.')).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('sign-up checks', () => {
  it('shows its own errors in the field-error style, not browser bubbles, and sends nothing', async () => {
    const seen = boot('/signup', {
      'GET /api/auth/session': { status: 401, body: { code: 'EUNAUTHORIZED', message: 'Sign in first.' } },
    });
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Email'), 'not-an-address');
    await u.type(screen.getByLabelText('Password'), 'short');
    await u.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByTestId('signup-form')).toHaveAttribute('novalidate');
    expect(screen.getByText('Enter your name.')).toHaveClass('field-error');
    expect(screen.getByText('Enter an email address like name@example.com.')).toHaveClass('field-error');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
    expect(seen.some((c) => c.method === 'POST' && c.url === '/api/auth/signup')).toBe(false);
    // Without a session cookie pair nobody asked the server who is signed in (no 401 in the console).
    expect(seen.some((c) => c.url === '/api/auth/session')).toBe(false);
  });

  it('counts a name near its limit', async () => {
    boot('/signup', {});
    const u = userEvent.setup();
    await u.click(await screen.findByLabelText('Name'));
    await u.paste('x'.repeat(85));
    expect(screen.getByTestId('field-count')).toHaveTextContent('85/100');
  });
});

describe('safeNext', () => {
  it('follows only paths inside the app', () => {
    expect(safeNext('/b/123')).toBe('/b/123');
    expect(safeNext('//evil.example.com')).toBe('/');
    expect(safeNext('https://evil.example.com')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
