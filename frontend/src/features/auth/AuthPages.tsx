import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';

const MIN_PASSWORD = 10;

/** Only same-app paths are followed after sign-in, never another origin. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  return next;
}

function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <div className="auth-screen">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Shotline
        </div>
        <h1>{title}</h1>
        {children}
        <div className="auth-footer">{footer}</div>
      </div>
    </div>
  );
}

function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors() : {};
}

/**
 * The sign-up form's own checks, worded and shown like the server's field
 * errors (the browser's validation bubbles look like neither).
 */
export function signUpErrors(input: { name: string; email: string; password: string }): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!input.name.trim()) errors.name = 'Enter your name.';
  if (!input.email.trim()) errors.email = 'Enter your email address.';
  else if (!/^[^\s@]+@[^\s@]+$/.test(input.email.trim())) errors.email = 'Enter an email address like name@example.com.';
  if (input.password.length < MIN_PASSWORD) errors.password = `Use at least ${MIN_PASSWORD} characters.`;
  return errors;
}

export function SignInPage() {
  const { signIn } = useStore();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(signIn);
  const next = safeNext(params.get('next'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await action.run({ email: email.trim(), password });
    if (r.ok) navigate(next, { replace: true });
  }

  const fe = fieldErrors(action.error);
  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          New to Shotline? <Link to={`/signup${params.size ? `?${params}` : ''}`}>Create an account</Link>
        </>
      }
    >
      <form onSubmit={submit} className="form" data-testid="signin-form">
        <Field label="Email" error={fe.email}>
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" error={fe.password}>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorBanner error={action.error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={action.pending}>
          {action.pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthLayout>
  );
}

export function SignUpPage() {
  const { signUp } = useStore();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(signUp);
  const next = safeNext(params.get('next'));
  const [checked, setChecked] = useState<Record<string, string>>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errors = signUpErrors({ name, email, password });
    setChecked(errors);
    if (Object.keys(errors).length > 0) return;
    const r = await action.run({ name: name.trim(), email: email.trim(), password });
    if (r.ok) navigate(next, { replace: true });
  }

  const fe = { ...fieldErrors(action.error), ...checked };
  return (
    <AuthLayout
      title="Create your account"
      footer={
        <>
          Already have an account? <Link to={`/signin${params.size ? `?${params}` : ''}`}>Sign in</Link>
        </>
      }
    >
      <form onSubmit={submit} className="form" data-testid="signup-form" noValidate>
        <Field label="Name" error={fe.name}>
          <input
            autoComplete="name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Email" error={fe.email}>
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field
          label="Password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          error={fe.password}
        >
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorBanner error={action.error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={action.pending}>
          {action.pending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
    </AuthLayout>
  );
}
