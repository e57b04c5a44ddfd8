import { useCallback, useEffect, useState } from 'react';
import { LINK_ROLES, type CreatedShareLink, type LinkRole, type ShareLink, type ShareLinkPatch } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Modal } from '../../components/Modal';
import { formatDate } from '../../components/format';
import { useStore } from '../../state/store';

const ROLE_LABELS: Record<LinkRole, string> = {
  viewer: 'Can view',
  commenter: 'Can comment and review',
  editor: 'Can edit (accounts only)',
};

/** A datetime-local input's value for an ISO time ('' for none). */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/**
 * A link's label, expiry, password and downloads. Only what changed is
 * sent: a new password ends the sessions of guests who typed the old one.
 */
function EditLink({
  link,
  onSave,
  onCancel,
}: {
  link: ShareLink;
  onSave: (patch: ShareLinkPatch) => void;
  onCancel: () => void;
}) {
  const [label, setLabel] = useState(link.label);
  const [expires, setExpires] = useState(localInput(link.expiresAt));
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [downloads, setDownloads] = useState(link.allowDownloads);
  return (
    <form
      className="share-edit"
      data-testid="edit-link-form"
      onSubmit={(e) => {
        e.preventDefault();
        const patch: ShareLinkPatch = {};
        if (label !== link.label) patch.label = label;
        if (expires !== localInput(link.expiresAt)) {
          if (expires) patch.expiresAt = new Date(expires).toISOString();
          else patch.noExpiry = true;
        }
        if (removePassword) patch.password = '';
        else if (password) patch.password = password;
        if (downloads !== link.allowDownloads) patch.allowDownloads = downloads;
        onSave(patch);
      }}
    >
      <div className="field-row">
        <div className="field">
          <label htmlFor={`label-${link.id}`}>Label</label>
          <input id={`label-${link.id}`} data-testid="edit-link-label" maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`expires-${link.id}`}>Expires</label>
          <input
            id={`expires-${link.id}`}
            data-testid="edit-link-expires"
            type="datetime-local"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`password-${link.id}`}>New password</label>
        <input
          id={`password-${link.id}`}
          data-testid="edit-link-password"
          type="password"
          autoComplete="new-password"
          placeholder={link.hasPassword ? 'Unchanged' : 'None'}
          disabled={removePassword}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {link.hasPassword && (
        <label className="checkbox small">
          <input type="checkbox" data-testid="edit-link-no-password" checked={removePassword} onChange={(e) => setRemovePassword(e.target.checked)} />
          Remove the password
        </label>
      )}
      <label className="checkbox small">
        <input type="checkbox" data-testid="edit-link-downloads" checked={downloads} onChange={(e) => setDownloads(e.target.checked)} />
        Allow downloads
      </label>
      <div className="form-actions">
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-small btn-primary" data-testid="save-link">
          Save
        </button>
      </div>
    </form>
  );
}

/** The full address of a link's path. */
export function shareUrl(path: string): string {
  return `${location.origin}${path}`;
}

/** What a share link opens: one board, or every board of a project. */
export type ShareScope = { kind: 'board' | 'project'; id: string };

/**
 * The share links of a board or a project: make one (role, expiry,
 * password, downloads, label; its address is shown once, with a copy
 * button), list the live ones with when they were last opened, change
 * their role or revoke them.
 */
export function ShareDialog({ scope, onClose }: { scope: ShareScope; onClose: () => void }) {
  const { api } = useStore();
  const [links, setLinks] = useState<ShareLink[] | null>(null);
  const [created, setCreated] = useState<CreatedShareLink | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [form, setForm] = useState({ role: 'commenter' as LinkRole, label: '', expires: '', password: '', downloads: false });

  const load = useCallback(
    () => (scope.kind === 'board' ? api.links.listForBoard(scope.id) : api.links.listForProject(scope.id)).then(setLinks, setError),
    [api, scope.kind, scope.id],
  );
  useEffect(() => {
    void load();
  }, [load]);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      const input = {
        role: form.role,
        label: form.label || undefined,
        expiresAt: form.expires ? new Date(form.expires).toISOString() : undefined,
        password: form.password || undefined,
        allowDownloads: form.downloads,
      };
      const c = await (scope.kind === 'board' ? api.links.createForBoard(scope.id, input) : api.links.createForProject(scope.id, input));
      setCreated(c);
      setCopied(false);
      setForm({ ...form, label: '', password: '', expires: '' });
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function change(l: ShareLink, run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      if (created?.link.id === l.id) setCreated(null);
      await load();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Modal title={scope.kind === 'board' ? 'Share this board' : 'Share every board of this project'} onClose={onClose} testId="share-dialog">
      <form
        className="share-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="field-row">
          <div className="field">
            <label htmlFor="share-role">Role</label>
            <select
              id="share-role"
              data-testid="share-role"
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.target.value as LinkRole })}
            >
              {LINK_ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="share-label">Label</label>
            <input
              id="share-label"
              data-testid="share-label"
              maxLength={100}
              placeholder="e.g. Client review"
              value={form.label}
              onChange={(e) => setForm({ ...form, label: e.target.value })}
            />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="share-expires">Expires</label>
            <input
              id="share-expires"
              data-testid="share-expires"
              type="datetime-local"
              value={form.expires}
              onChange={(e) => setForm({ ...form, expires: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="share-password">Password</label>
            <input
              id="share-password"
              data-testid="share-password"
              type="password"
              autoComplete="new-password"
              placeholder="None"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          </div>
        </div>
        <label className="checkbox small">
          <input type="checkbox" checked={form.downloads} onChange={(e) => setForm({ ...form, downloads: e.target.checked })} />
          Allow downloads
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" data-testid="create-link" disabled={busy}>
            Create link
          </button>
        </div>
      </form>

      {created && (
        <div className="share-created" data-testid="share-created">
          <p className="small">Copy the link now: it is shown only once.</p>
          <div className="share-url-row">
            <input readOnly value={shareUrl(created.path)} data-testid="share-url" onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              className="btn btn-small"
              data-testid="copy-link"
              onClick={() => {
                void navigator.clipboard?.writeText(shareUrl(created.path)).then(
                  () => setCopied(true),
                  () => setCopied(false),
                );
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      )}

      <ErrorBanner error={error} />

      <h3>Links</h3>
      {links === null ? null : links.length === 0 ? (
        <p className="muted small">No links yet.</p>
      ) : (
        <ul className="share-links" data-testid="share-links">
          {links.map((l) => (
            <li key={l.id} data-testid="share-link" data-link-id={l.id}>
              <div>
                <strong>{l.label || 'Untitled link'}</strong>
                {l.hasPassword && <span className="badge badge-muted">Password</span>}
                {l.expiresAt && <span className="badge badge-muted">Expires {formatDate(l.expiresAt)}</span>}
              </div>
              <div className="muted small" data-testid="share-link-opened">
                {l.openCount > 0 ? `Opened ${l.openCount}× · last ${formatDate(l.lastOpenedAt)}` : 'Not opened yet'}
              </div>
              <div className="share-link-actions">
                <select
                  aria-label="Role"
                  data-testid="share-link-role"
                  value={l.role}
                  onChange={(e) => void change(l, () => api.links.update(l.id, { role: e.target.value as LinkRole }))}
                >
                  {LINK_ROLES.map((r) => (
                    <option key={r} value={r}>
                      {ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="edit-link"
                  aria-expanded={editing === l.id}
                  onClick={() => setEditing(editing === l.id ? null : l.id)}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger-text"
                  data-testid="revoke-link"
                  onClick={() => void change(l, () => api.links.revoke(l.id))}
                >
                  Revoke
                </button>
              </div>
              {editing === l.id && (
                <EditLink
                  link={l}
                  onSave={(patch) =>
                    change(l, async () => {
                      await api.links.update(l.id, patch);
                      setEditing(null);
                    })
                  }
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
