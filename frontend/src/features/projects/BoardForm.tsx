import {
  ASPECT_RATIOS,
  SHOT_DURATION_MAX,
  SHOT_DURATION_MIN,
  type AspectRatio,
  type BoardInput,
  type RenderProviders,
} from '../../api/client';
import { Field } from '../../components/Field';

/** Values of the board settings form while the user types. */
export interface BoardDraft {
  title: string;
  description: string;
  aspectRatio: AspectRatio;
  defaultShotDuration: string;
  /** '' for the server's default; only the board page edits it. */
  defaultProvider: string;
}

export function draftFrom(b?: Partial<BoardInput> & { defaultProvider?: string }): BoardDraft {
  return {
    title: b?.title ?? '',
    description: b?.description ?? '',
    aspectRatio: b?.aspectRatio ?? '16:9',
    defaultShotDuration: String(b?.defaultShotDuration ?? 3),
    defaultProvider: b?.defaultProvider ?? '',
  };
}

/**
 * Checks a draft the way the server will, so obvious mistakes are caught
 * before a round trip. The server stays the authority: its errors are shown too.
 */
export function validateDraft(d: BoardDraft): { input?: Required<BoardInput>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const title = d.title.trim();
  if (!title) errors.title = 'A board needs a title.';
  const duration = Number(d.defaultShotDuration);
  if (d.defaultShotDuration.trim() === '' || !Number.isFinite(duration)) {
    errors.defaultShotDuration = 'Enter a number of seconds.';
  } else if (duration < SHOT_DURATION_MIN || duration > SHOT_DURATION_MAX) {
    errors.defaultShotDuration = `Between ${SHOT_DURATION_MIN} and ${SHOT_DURATION_MAX} seconds.`;
  }
  if (Object.keys(errors).length) return { errors };
  return {
    errors,
    input: {
      title,
      description: d.description.trim(),
      aspectRatio: d.aspectRatio,
      defaultShotDuration: duration,
    },
  };
}

/**
 * The fields of a board's settings, shared by "New board" and the board page.
 * With providers (the board page), the board's default render provider too.
 */
export function BoardFields({
  draft,
  onChange,
  errors,
  providers,
}: {
  draft: BoardDraft;
  onChange: (d: BoardDraft) => void;
  errors: Record<string, string>;
  providers?: RenderProviders;
}) {
  const set = (patch: Partial<BoardDraft>) => onChange({ ...draft, ...patch });
  return (
    <>
      <Field label="Title" error={errors.title}>
        <input
          required
          maxLength={200}
          data-testid="board-title-input"
          value={draft.title}
          onChange={(e) => set({ title: e.target.value })}
        />
      </Field>
      <Field label="Description" error={errors.description}>
        <textarea
          rows={3}
          maxLength={5000}
          data-testid="board-description-input"
          value={draft.description}
          onChange={(e) => set({ description: e.target.value })}
        />
      </Field>
      <div className="field-row">
        <Field label="Aspect ratio" error={errors.aspectRatio}>
          <select
            data-testid="board-aspect-input"
            value={draft.aspectRatio}
            onChange={(e) => set({ aspectRatio: e.target.value as AspectRatio })}
          >
            {ASPECT_RATIOS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Default duration (s)" error={errors.defaultShotDuration}>
          <input
            type="number"
            inputMode="decimal"
            min={SHOT_DURATION_MIN}
            max={SHOT_DURATION_MAX}
            step={0.5}
            data-testid="board-duration-input"
            value={draft.defaultShotDuration}
            onChange={(e) => set({ defaultShotDuration: e.target.value })}
          />
        </Field>
      </div>
      {providers && (
        <Field
          label="Render provider"
          hint="Renders the shots that name no provider of their own."
          error={errors.defaultProvider}
        >
          <select
            data-testid="board-provider-input"
            value={draft.defaultProvider}
            onChange={(e) => set({ defaultProvider: e.target.value })}
          >
            <option value="">Server default ({providers.default})</option>
            {providerOptions(providers, draft.defaultProvider).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
      )}
    </>
  );
}

/**
 * The providers to offer: the server's, plus the board's current one if the
 * server no longer has it (so the select shows the truth, not a blank).
 */
export function providerOptions(providers: RenderProviders, current: string): string[] {
  return current && !providers.providers.includes(current) ? [...providers.providers, current] : providers.providers;
}
