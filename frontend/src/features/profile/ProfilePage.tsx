import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PageHeader } from '../../components/States';
import { formatDate } from '../../components/format';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';

const MIN_PASSWORD = 10;

/** /me — the signed-in person's profile, password and sessions. */
export function ProfilePage() {
  const store = useStore();
  const user = store.state.user;
  const navigate = useNavigate();
  const signOut = useAction((everywhere: boolean) => store.signOut({ everywhere }));
  if (!user) return null;

  return (
    <div className="page page-narrow">
      <PageHeader title="Profile" subtitle={`Member since ${formatDate(user.createdAt)}`} />
      <ProfileForm key={user.id} />
      <PasswordForm />
      <section className="card">
        <h2>Sessions</h2>
        <p className="muted">
          Sign out here, or everywhere to end every session of your account on every device.
        </p>
        <ErrorBanner error={signOut.error} />
        <div className="form-actions form-actions-left">
          <button
            type="button"
            className="btn"
            data-testid="sign-out"
            disabled={signOut.pending}
            onClick={async () => {
              await signOut.run(false);
              navigate('/signin', { replace: true });
            }}
          >
            Sign out
          </button>
          <button
            type="button"
            className="btn btn-danger-text"
            disabled={signOut.pending}
            onClick={async () => {
              await signOut.run(true);
              navigate('/signin', { replace: true });
            }}
          >
            Sign out everywhere
          </button>
        </div>
      </section>
    </div>
  );
}

function ProfileForm() {
  const store = useStore();
  const user = store.state.user!;
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [saved, setSaved] = useState(false);
  const save = useAction(() => {
    const patch: { name?: string; email?: string } = {};
    if (name.trim() !== user.name) patch.name = name.trim();
    if (email.trim() !== user.email) patch.email = email.trim();
    return store.api.me.update(patch);
  });
  const fe = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const dirty = name.trim() !== user.name || email.trim() !== user.email;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run();
    if (r.ok) {
      store.setUser(r.value);
      setName(r.value.name);
      setEmail(r.value.email);
      setSaved(true);
    }
  }

  return (
    <section className="card">
      <h2>Your details</h2>
      <form className="form" onSubmit={submit} data-testid="profile-form">
        <Field label="Name" error={fe.name}>
          <input
            required
            maxLength={100}
            autoComplete="name"
            value={name}
            onChange={(e) => {
              setSaved(false);
              setName(e.target.value);
            }}
          />
        </Field>
        <Field label="Email" error={fe.email}>
          <input
            type="email"
            required
            autoComplete="email"
            value={email}
            onChange={(e) => {
              setSaved(false);
              setEmail(e.target.value);
            }}
          />
        </Field>
        <ErrorBanner error={save.error} />
        <div className="form-actions form-actions-left">
          <button type="submit" className="btn btn-primary" disabled={!dirty || !name.trim() || save.pending}>
            {save.pending ? 'Saving…' : 'Save'}
          </button>
          {saved && !dirty && (
            <span className="saved-note" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
    </section>
  );
}

function PasswordForm() {
  const { api } = useStore();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const change = useAction(() => api.me.changePassword({ currentPassword: current, newPassword: next }));
  const fe = change.error instanceof ApiError ? change.error.fieldErrors() : {};
  const mismatch = confirm !== '' && confirm !== next;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mismatch) return;
    const r = await change.run();
    if (r.ok) {
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
    }
  }

  return (
    <section className="card">
      <h2>Change password</h2>
      <form className="form" onSubmit={submit} data-testid="password-form">
        <Field label="Current password" error={fe.currentPassword}>
          <input
            type="password"
            required
            autoComplete="current-password"
            value={current}
            onChange={(e) => {
              setDone(false);
              setCurrent(e.target.value);
            }}
          />
        </Field>
        <Field label="New password" hint={`At least ${MIN_PASSWORD} characters.`} error={fe.newPassword}>
          <input
            type="password"
            required
            minLength={MIN_PASSWORD}
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </Field>
        <Field label="Confirm new password" error={mismatch ? 'The passwords do not match.' : undefined}>
          <input
            type="password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </Field>
        <ErrorBanner error={change.error} />
        <div className="form-actions form-actions-left">
          <button
            type="submit"
            className="btn btn-primary"
            disabled={change.pending || !current || !next || mismatch}
          >
            {change.pending ? 'Changing…' : 'Change password'}
          </button>
          {done && (
            <span className="saved-note" role="status">
              Password changed
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
