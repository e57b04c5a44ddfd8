import { useId } from 'react';
import { ASPECT_RATIOS } from '../../api/client';
import type { LiveBoardStore } from '../../state/liveBoard';
import type { AspectRatio, Peer, Shot, ShotStatus, TextField } from '../../sync/protocol';
import { CommitInput, CommitTextArea } from './CommitInput';
import { formatSettings, parseDuration, parseSettings } from './shotFields';
import { SyncedTextArea, type RemoteCaret } from './SyncedTextArea';

const STATUSES: { value: ShotStatus; label: string }[] = [
  { value: 'draft', label: 'Draft' },
  { value: 'approved', label: 'Approved' },
  { value: 'changes_requested', label: 'Changes requested' },
];

/**
 * The selected shot's fields. Prompt and notes merge character-wise with
 * everyone else's typing; the other fields are replaced as a whole when
 * the person commits them (Enter, or leaving the field). Read-only for
 * people who may not edit the board.
 */
export function ShotInspector({
  shot,
  index,
  count,
  store,
  canEdit,
  onInsert,
  onMove,
  onDuplicate,
  onDelete,
  peers = [],
  me = '',
  boardProvider,
}: {
  /** Everyone on the board: their carets show in the prompt and notes. */
  peers?: Peer[];
  me?: string;
  /** The provider of shots that name none (the board's, else the server's). */
  boardProvider?: string;
  shot: Shot;
  index: number;
  count: number;
  store: LiveBoardStore | null;
  canEdit: boolean;
  onInsert: (index: number) => void;
  onMove: (index: number) => void;
  onDuplicate: () => void;
  onDelete: () => void;
}) {
  const id = useId();
  const set = (op: Parameters<LiveBoardStore['setShot']>[0]) => store?.setShot(op);
  const shotId = shot.id;
  const caretsIn = (field: TextField): RemoteCaret[] => {
    const seen = new Set<string>();
    return peers.flatMap((p) => {
      if (p.userId === me || seen.has(p.userId) || p.caret?.shotId !== shotId || p.caret.field !== field) return [];
      seen.add(p.userId);
      return [{ userId: p.userId, name: p.name, color: p.color, offset: p.caret.offset }];
    });
  };

  return (
    <section className="shot-inspector" data-testid="shot-inspector" aria-label={`Shot ${index + 1}`}>
      <div className="section-head">
        <h2 className="section-title">
          Shot {index + 1}
          <span className="muted"> of {count}</span>
        </h2>
        {canEdit && (
          <div className="shot-actions">
            <button type="button" className="btn btn-small" data-testid="move-shot-earlier" disabled={index === 0} onClick={() => onMove(index - 1)}>
              ← Earlier
            </button>
            <button type="button" className="btn btn-small" data-testid="move-shot-later" disabled={index === count - 1} onClick={() => onMove(index + 1)}>
              Later →
            </button>
            <button type="button" className="btn btn-small" data-testid="insert-shot-after" onClick={() => onInsert(index + 1)}>
              + Shot after
            </button>
            <button type="button" className="btn btn-small" data-testid="duplicate-shot" onClick={onDuplicate}>
              Duplicate
            </button>
            <button type="button" className="btn btn-small btn-danger-text" data-testid="delete-shot" onClick={onDelete}>
              Delete
            </button>
          </div>
        )}
      </div>

      <div className="shot-inspector-grid">
        <div className="shot-inspector-fields">
          <div className="field">
            <label htmlFor={`${id}-title`}>Title</label>
            <CommitInput
              id={`${id}-title`}
              data-testid="shot-title-input"
              value={shot.title}
              maxLength={200}
              disabled={!canEdit}
              placeholder={`Shot ${index + 1}`}
              onCommit={(v) => set({ shotId, field: 'title', value: v.trim() })}
            />
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-duration`}>Duration (s)</label>
              <CommitInput
                id={`${id}-duration`}
                data-testid="shot-duration-input"
                type="number"
                inputMode="decimal"
                step="0.5"
                min={0.5}
                max={60}
                value={String(shot.duration)}
                disabled={!canEdit}
                onCommit={(v) => {
                  const r = parseDuration(v);
                  if (!r.ok) return r.error;
                  set({ shotId, field: 'duration', value: r.value });
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-aspect`}>Aspect ratio</label>
              <select
                id={`${id}-aspect`}
                data-testid="shot-aspect-input"
                value={shot.aspectRatio}
                disabled={!canEdit}
                onChange={(e) => set({ shotId, field: 'aspectRatio', value: e.target.value as AspectRatio })}
              >
                {ASPECT_RATIOS.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor={`${id}-status`}>Status</label>
            <select
              id={`${id}-status`}
              data-testid="shot-status-input"
              value={shot.status}
              disabled={!canEdit}
              onChange={(e) => set({ shotId, field: 'status', value: e.target.value as ShotStatus })}
            >
              {STATUSES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-provider`}>Provider</label>
              <CommitInput
                id={`${id}-provider`}
                data-testid="shot-provider-input"
                value={shot.provider}
                maxLength={100}
                placeholder={`${boardProvider ?? 'animatic'} (board default)`}
                disabled={!canEdit}
                onCommit={(v) => set({ shotId, field: 'provider', value: v.trim() })}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-model`}>Model</label>
              <CommitInput
                id={`${id}-model`}
                data-testid="shot-model-input"
                value={shot.model}
                maxLength={100}
                disabled={!canEdit}
                onCommit={(v) => set({ shotId, field: 'model', value: v.trim() })}
              />
            </div>
          </div>
          <div className="field">
            <label htmlFor={`${id}-settings`}>Render settings (JSON)</label>
            <CommitTextArea
              id={`${id}-settings`}
              data-testid="shot-settings-input"
              className="mono"
              rows={3}
              value={formatSettings(shot.settings)}
              placeholder='{"seed": 7}'
              disabled={!canEdit}
              onCommit={(v) => {
                const r = parseSettings(v);
                if (!r.ok) return r.error;
                set({ shotId, field: 'settings', value: r.value });
              }}
            />
          </div>
        </div>

        <div className="shot-inspector-text">
          <div className="field">
            <label htmlFor={`${id}-prompt`}>Prompt</label>
            <SyncedTextArea
              key={`${shotId}-prompt`}
              id={`${id}-prompt`}
              data-testid="shot-prompt"
              store={store}
              shotId={shotId}
              field="prompt"
              value={shot.prompt}
              carets={caretsIn('prompt')}
              readOnly={!canEdit}
              rows={6}
              placeholder={canEdit ? 'What the shot shows: subject, action, camera, light…' : ''}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-notes`}>Notes</label>
            <SyncedTextArea
              key={`${shotId}-notes`}
              id={`${id}-notes`}
              data-testid="shot-notes"
              store={store}
              shotId={shotId}
              field="notes"
              value={shot.notes}
              carets={caretsIn('notes')}
              readOnly={!canEdit}
              rows={4}
              placeholder={canEdit ? 'Negative prompt, direction, references…' : ''}
            />
          </div>
        </div>
      </div>
    </section>
  );
}
