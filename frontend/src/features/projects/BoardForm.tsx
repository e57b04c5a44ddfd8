import {
  ASPECT_RATIOS,
  SHOT_DURATION_MAX,
  SHOT_DURATION_MIN,
  type AspectRatio,
  type BoardInput,
} from '../../api/client';
import { Field } from '../../components/Field';

/** Values of the board settings form while the user types. */
export interface BoardDraft {
  title: string;
  description: string;
  aspectRatio: AspectRatio;
  defaultShotDuration: string;
}

export function draftFrom(b?: Partial<BoardInput>): BoardDraft {
  return {
    title: b?.title ?? '',
    description: b?.description ?? '',
    aspectRatio: b?.aspectRatio ?? '16:9',
    defaultShotDuration: String(b?.defaultShotDuration ?? 3),
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

/** The fields of a board's settings, shared by "New board" and the board page. */
export function BoardFields({
  draft,
  onChange,
  errors,
}: {
  draft: BoardDraft;
  onChange: (d: BoardDraft) => void;
  errors: Record<string, string>;
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
    </>
  );
}
