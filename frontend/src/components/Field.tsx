import { cloneElement, useId, type ReactElement } from 'react';

/**
 * A labelled form control with an optional hint and error. The label is tied
 * to the control by id so tests and screen readers find it by its label.
 * A control with a maxLength shows how much of it is used once it is nearly
 * full, so a long text is never cut without saying so.
 */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: ReactElement<Record<string, unknown>>;
}) {
  const id = useId();
  const max = children.props.maxLength;
  const value = children.props.value;
  const counter = typeof value === 'string' && nearlyFull(value, max);
  const describedBy = [error ? `${id}-error` : hint ? `${id}-hint` : '', counter ? `${id}-count` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {counter && <FieldCount id={`${id}-count`} used={value.length} max={max as number} />}
      </div>
      {cloneElement(children, {
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
      })}
      {error ? (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      ) : hint ? (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/** Whether a field of at most max holds enough of value to show how much (80%; UTF-16 units, as maxLength counts). */
export function nearlyFull(value: string, max: unknown): max is number {
  return typeof max === 'number' && value.length >= max * 0.8;
}

/** "used/max" beside a nearly full field, so a long text is never cut without saying so; id ties it to the control (aria-describedby). */
export function FieldCount({ id, used, max }: { id?: string; used: number; max: number }) {
  return (
    <span className={`field-count${used === max ? ' field-count-full' : ''}`} id={id} data-testid="field-count">
      {used}/{max}
    </span>
  );
}
