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
  const used = typeof max === 'number' && typeof value === 'string' ? value.length : null; // UTF-16 units, as maxLength counts
  const counter = used !== null && used >= (max as number) * 0.8;
  const describedBy = [error ? `${id}-error` : hint ? `${id}-hint` : '', counter ? `${id}-count` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {counter && (
          <span className={`field-count${used === max ? ' field-count-full' : ''}`} id={`${id}-count`} data-testid="field-count">
            {used}/{max as number}
          </span>
        )}
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
