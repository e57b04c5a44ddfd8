import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { type InviteResult, type Member, type Role, type Workspace } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { EmptyState, Loading, PageHeader } from '../../components/States';
import { formatDate, formatRole } from '../../components/format';
import { assignableRoles, memberPageControls, memberRowControls } from '../../state/permissions';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { useResource } from '../../state/useResource';
import { WorkspaceRoute } from '../workspaces/WorkspaceRoute';

/** /w/:workspaceId/members — who is in the workspace, invites, and leaving. */
export function MembersPage() {
  return <WorkspaceRoute render={(workspace) => <Members key={workspace.id} workspace={workspace} />} />;
}

type Dialog = { kind: 'remove'; member: Member } | { kind: 'leave' };

function Members({ workspace }: { workspace: Workspace }) {
  const store = useStore();
  const { api } = store;
  const navigate = useNavigate();
  const me = store.state.user;
  const list = useResource(() => api.members.list(workspace.id), [api, workspace.id]);
  const page = memberPageControls(workspace);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const setRole = useAction((m: Member, role: Role) => api.members.setRole(workspace.id, m.userId, role));
  const remove = useAction((m: Member) => api.members.remove(workspace.id, m.userId));
  const cancelInvite = useAction((email: string) => api.members.cancelInvite(workspace.id, email));
  const leave = useAction(() => store.leaveWorkspace(workspace.id));

  const rowError = setRole.error ?? cancelInvite.error;
  const roles = assignableRoles(workspace);
  const data = list.data;

  return (
    <div className="page">
      <PageHeader
        title="Members"
        subtitle={workspace.name}
        actions={
          page.leave && (
            <button
              type="button"
              className="btn btn-danger-text"
              data-testid="leave-workspace"
              onClick={() => {
                leave.clearError();
                setDialog({ kind: 'leave' });
              }}
            >
              Leave workspace
            </button>
          )
        }
      />

      {page.invite && (
        <InviteForm
          workspace={workspace}
          onInvited={(result) => {
            list.setData((d) => {
              if (!d) return d;
              if (result.member) {
                const m = result.member;
                return { ...d, members: [...d.members.filter((x) => x.userId !== m.userId), m] };
              }
              if (result.invite) {
                const inv = result.invite;
                return { ...d, invites: [...d.invites.filter((x) => x.email !== inv.email), inv] };
              }
              return d;
            });
            if (result.member) {
              setNotice(`${result.member.name || result.member.email} was added as ${formatRole(result.member.role)}.`);
            } else if (result.invite) {
              setNotice(
                `${result.invite.email} has no account yet. They will join as ${formatRole(result.invite.role)} when they sign up with that email.`,
              );
            }
          }}
        />
      )}
      {notice && (
        <div className="notice notice-success" role="status" data-testid="member-notice">
          {notice}
          <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}

      <ErrorBanner
        error={rowError}
        onDismiss={() => {
          setRole.clearError();
          cancelInvite.clearError();
        }}
      />

      {list.error && !data ? (
        <ErrorBanner error={list.error} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <table className="table" data-testid="member-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th className="col-role">Role</th>
                <th className="col-date">Added</th>
                <th className="col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => {
                const row = memberRowControls(workspace, m, me?.id);
                return (
                  <tr key={m.userId} data-testid="member-row">
                    <td>
                      {m.name}
                      {row.isSelf && <span className="badge badge-muted">You</span>}
                    </td>
                    <td className="muted">{m.email}</td>
                    <td className="col-role">
                      {row.changeRole ? (
                        <select
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          disabled={setRole.pending}
                          onChange={async (e) => {
                            setNotice(null);
                            const r = await setRole.run(m, e.target.value as Role);
                            if (r.ok) {
                              list.setData((d) =>
                                d && {
                                  ...d,
                                  members: d.members.map((x) => (x.userId === m.userId ? r.value : x)),
                                },
                              );
                              setNotice(`${r.value.name || r.value.email} is now ${formatRole(r.value.role)}.`);
                              // One's own permissions follow one's role.
                              if (row.isSelf) void store.reloadWorkspaces();
                            }
                          }}
                        >
                          {roles.map((role) => (
                            <option key={role} value={role}>
                              {formatRole(role)}
                            </option>
                          ))}
                        </select>
                      ) : (
                        formatRole(m.role)
                      )}
                    </td>
                    <td className="col-date muted">{formatDate(m.addedAt)}</td>
                    <td className="col-actions">
                      {row.remove && (
                        <button
                          type="button"
                          className="btn btn-small btn-ghost btn-danger-text"
                          aria-label={`Remove ${m.email}`}
                          onClick={() => {
                            remove.clearError();
                            setDialog({ kind: 'remove', member: m });
                          }}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>

          {/* Pending invites are for those who may invite (the server sends others none). */}
          {page.invite && (
            <>
            <h2 className="section-title">Pending invites</h2>
            {data.invites.length === 0 ? (
              <EmptyState title="No pending invites" testId="invites-empty">
                Invite someone by email. If they have no account yet, they join when they sign up.
              </EmptyState>
            ) : (
              <table className="table" data-testid="invite-list">
                <thead>
                  <tr>
                    <th>Email</th>
                    <th className="col-role">Role</th>
                    <th className="col-date">Invited</th>
                    <th className="col-actions">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.invites.map((inv) => (
                    <tr key={inv.email} data-testid="invite-row">
                      <td>{inv.email}</td>
                      <td className="col-role">{formatRole(inv.role)}</td>
                      <td className="col-date muted">{formatDate(inv.invitedAt)}</td>
                      <td className="col-actions">
                        {page.cancelInvite && (
                          <button
                            type="button"
                            className="btn btn-small btn-ghost btn-danger-text"
                            aria-label={`Cancel invite for ${inv.email}`}
                            disabled={cancelInvite.pending}
                            onClick={async () => {
                              const r = await cancelInvite.run(inv.email);
                              if (r.ok) {
                                list.setData(
                                  (d) => d && { ...d, invites: d.invites.filter((x) => x.email !== inv.email) },
                                );
                              }
                            }}
                          >
                            Cancel invite
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            </>
          )}
        </>
      )}

      {dialog?.kind === 'remove' && (
        <ConfirmDialog
          title="Remove member"
          confirmLabel="Remove"
          pending={remove.pending}
          error={remove.error}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const r = await remove.run(dialog.member);
            if (r.ok) {
              list.setData(
                (d) => d && { ...d, members: d.members.filter((x) => x.userId !== dialog.member.userId) },
              );
              setDialog(null);
            }
          }}
        >
          Remove <strong>{dialog.member.name || dialog.member.email}</strong> from {workspace.name}?
          They lose access to its projects and boards at once.
        </ConfirmDialog>
      )}
      {dialog?.kind === 'leave' && (
        <ConfirmDialog
          title="Leave workspace"
          confirmLabel="Leave workspace"
          pending={leave.pending}
          error={leave.error}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const r = await leave.run();
            if (r.ok) navigate('/', { replace: true });
          }}
        >
          Leave <strong>{workspace.name}</strong>? You will need a new invite to come back. The
          last owner cannot leave; make someone else an owner first.
        </ConfirmDialog>
      )}
    </div>
  );
}

function InviteForm({
  workspace,
  onInvited,
}: {
  workspace: Workspace;
  onInvited: (r: InviteResult) => void;
}) {
  const { api } = useStore();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const invite = useAction(() => api.members.invite(workspace.id, email.trim(), role));
  const roles = assignableRoles(workspace);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await invite.run();
    if (r.ok) {
      setEmail('');
      onInvited(r.value);
    }
  }

  return (
    <form className="invite-form" onSubmit={submit} data-testid="invite-form">
      <Field label="Invite by email">
        <input
          type="email"
          required
          placeholder="name@studio.com"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </Field>
      <Field label="Role">
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {formatRole(r)}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" className="btn btn-primary" disabled={invite.pending || !email.trim()}>
        {invite.pending ? 'Inviting…' : 'Invite'}
      </button>
      <div className="invite-error">
        <ErrorBanner error={invite.error} />
      </div>
    </form>
  );
}
