import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, RENDER_SETTINGS_BOUNDS, type RenderSettings, type Workspace } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { EmptyState, Loading, PageHeader } from '../../components/States';
import { workspaceSettingsControls } from '../../state/permissions';
import { useStore } from '../../state/store';
import { useAction } from '../../state/useAction';
import { CreditsView, useCredits } from '../renders/Credits';
import { WorkspaceRoute } from '../workspaces/WorkspaceRoute';

/** /w/:workspaceId/settings — retention, render concurrency and credits, for admins and owners. */
export function SettingsPage() {
  return <WorkspaceRoute render={(w) => <WorkspaceSettings workspace={w} />} />;
}

function WorkspaceSettings({ workspace }: { workspace: Workspace }) {
  const controls = workspaceSettingsControls(workspace);
  if (!controls.visible) {
    return (
      <div className="page page-narrow" data-testid="settings-forbidden">
        <EmptyState title="Admins only">Only the workspace's admins and owners see and change its settings.</EmptyState>
      </div>
    );
  }
  return (
    <div className="page page-narrow settings-page" data-testid="settings-page">
      <PageHeader title="Workspace settings" subtitle={workspace.name} />
      <RenderSettingsForm workspace={workspace} canEdit={controls.edit} />
      {controls.credits && <CreditsSection workspace={workspace} canTopUp={controls.topUp} />}
    </div>
  );
}

type FieldName = keyof RenderSettings;

const LABELS: Record<FieldName, string> = {
  retentionDays: 'Keep renders and exports for (days)',
  concurrency: 'Renders running at once',
};

/** A whole number within the field's bounds, or the message to show by the field. */
function check(field: FieldName, text: string): { value: number } | { error: string } {
  const { min, max } = RENDER_SETTINGS_BOUNDS[field];
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n)) return { error: 'Enter a whole number.' };
  if (n < min || n > max) return { error: `Enter a number from ${min} to ${max}.` };
  return { value: n };
}

function RenderSettingsForm({ workspace, canEdit }: { workspace: Workspace; canEdit: boolean }) {
  const { api } = useStore();
  const [stored, setStored] = useState<RenderSettings | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [draft, setDraft] = useState<Record<FieldName, string>>({ retentionDays: '', concurrency: '' });
  const [local, setLocal] = useState<Partial<Record<FieldName, string>>>({});
  const [saved, setSaved] = useState(false);
  const save = useAction((s: RenderSettings) => api.credits.setSettings(workspace.id, s));

  useEffect(() => {
    let live = true;
    api.credits.settings(workspace.id).then(
      (s) => {
        if (!live) return;
        setStored(s);
        setDraft({ retentionDays: String(s.retentionDays), concurrency: String(s.concurrency) });
      },
      (e) => live && setLoadError(e),
    );
    return () => {
      live = false;
    };
  }, [api, workspace.id]);

  if (!stored) return loadError ? <ErrorBanner error={loadError} /> : <Loading />;

  const server = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const errorOf = (f: FieldName) => local[f] ?? server[f];
  const dirty = draft.retentionDays !== String(stored.retentionDays) || draft.concurrency !== String(stored.concurrency);
  // A refusal that names fields is shown by them; anything else above the buttons.
  const bannerError = save.error instanceof ApiError && save.error.details.some((d) => d.field in LABELS) ? null : save.error;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errors: Partial<Record<FieldName, string>> = {};
    const values: Partial<RenderSettings> = {};
    for (const f of Object.keys(LABELS) as FieldName[]) {
      const r = check(f, draft[f]);
      if ('error' in r) errors[f] = r.error;
      else values[f] = r.value;
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    const r = await save.run(values as RenderSettings);
    if (r.ok) {
      setStored(r.value);
      setDraft({ retentionDays: String(r.value.retentionDays), concurrency: String(r.value.concurrency) });
      setSaved(true);
    }
  }

  const input = (f: FieldName) => (
    <input
      type="number"
      inputMode="numeric"
      min={RENDER_SETTINGS_BOUNDS[f].min}
      max={RENDER_SETTINGS_BOUNDS[f].max}
      step={1}
      value={draft[f]}
      disabled={!canEdit}
      data-testid={`setting-${f}`}
      onChange={(e) => {
        setSaved(false);
        setLocal((l) => ({ ...l, [f]: undefined }));
        save.clearError();
        setDraft((d) => ({ ...d, [f]: e.target.value }));
      }}
    />
  );

  return (
    <section className="card" aria-labelledby="render-settings-title">
      <h2 id="render-settings-title">Renders and exports</h2>
      <form className="form" noValidate onSubmit={submit} data-testid="render-settings-form">
        <div className="field-row settings-fields">
          <Field
            label={LABELS.retentionDays}
            error={errorOf('retentionDays')}
            hint={`A render's video and an export's file are deleted this long after they finish (${RENDER_SETTINGS_BOUNDS.retentionDays.min}–${RENDER_SETTINGS_BOUNDS.retentionDays.max}). Applies to those finishing from now on.`}
          >
            {input('retentionDays')}
          </Field>
          <Field
            label={LABELS.concurrency}
            error={errorOf('concurrency')}
            hint={`How many of this workspace's renders and exports run at the same time; the rest wait in the queue (${RENDER_SETTINGS_BOUNDS.concurrency.min}–${RENDER_SETTINGS_BOUNDS.concurrency.max}).`}
          >
            {input('concurrency')}
          </Field>
        </div>
        <ErrorBanner error={bannerError} />
        {canEdit ? (
          <div className="form-actions form-actions-left">
            <button type="submit" className="btn btn-primary" disabled={!dirty || save.pending} data-testid="save-render-settings">
              {save.pending ? 'Saving…' : 'Save'}
            </button>
            {saved && !dirty && (
              <span className="saved-note" role="status" data-testid="render-settings-saved">
                Saved
              </span>
            )}
          </div>
        ) : (
          <p className="muted">Only admins and owners change these.</p>
        )}
      </form>
    </section>
  );
}

function CreditsSection({ workspace, canTopUp }: { workspace: Workspace; canTopUp: boolean }) {
  const { api } = useStore();
  const credits = useCredits(api, workspace.id, true);
  return (
    <section className="card" aria-labelledby="credits-title" data-testid="settings-credits">
      <h2 id="credits-title">Credits</h2>
      <p className="muted">Each render is charged when it is queued and refunded if it fails or is canceled.</p>
      {credits.error && (
        <p className="render-error" role="alert">
          {credits.error}
        </p>
      )}
      {credits.data ? (
        <CreditsView api={api} workspaceId={workspace.id} credits={credits.data} canTopUp={canTopUp} onChange={credits.set} ledgerOpen label="Balance" />
      ) : (
        !credits.error && <Loading />
      )}
    </section>
  );
}
