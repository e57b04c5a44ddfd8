import { useEffect, useLayoutEffect, useRef, type TextareaHTMLAttributes } from 'react';
import type { LiveBoardStore } from '../../state/liveBoard';
import type { TextField } from '../../sync/protocol';
import { inputTextOp, transformSelection } from '../../sync/selection';
import { apply, compose, diff, transform, type TextOp } from '../../sync/text';

/**
 * A textarea bound to a shot's prompt or notes, edited character-wise:
 * each input becomes a text op sent to the board, and other people's edits
 * are applied to the textarea in place with the caret moved through them,
 * so typing carries on undisturbed while someone else types in the same
 * field. It is uncontrolled on purpose: React never overwrites the value
 * under the caret.
 */
export function SyncedTextArea({
  store,
  shotId,
  field,
  value,
  readOnly,
  ...rest
}: {
  store: LiveBoardStore | null;
  shotId: string;
  field: TextField;
  /** The field's text in the board view. */
  value: string;
  readOnly?: boolean;
} & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'defaultValue' | 'onInput' | 'onChange'>) {
  const ref = useRef<HTMLTextAreaElement>(null);
  // The text the textarea held after the last input or remote change we
  // took in: the base of the next input's op.
  const shown = useRef(value);
  const composing = useRef(false);
  // Remote changes that came in during an IME composition, composed.
  const deferred = useRef<TextOp | null>(null);

  // Other people's edits, as they change the view (before React renders).
  useEffect(() => {
    if (!store) return;
    return store.onTextDelta((d) => {
      if (d.shotId !== shotId || d.field !== field) return;
      const el = ref.current;
      if (!el) return;
      if (composing.current) {
        deferred.current = deferred.current ? compose(deferred.current, d.op) : d.op;
        return;
      }
      if (el.value !== shown.current) return; // out of step; the layout effect repairs it
      replaceValue(el, d.op);
      shown.current = el.value;
    });
  }, [store, shotId, field]);

  // Any other change of the view's text (a restore, a refused edit of ours,
  // a resync): move the caret through the difference.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || composing.current) return;
    if (el.value !== value) replaceValue(el, diff(el.value, value));
    shown.current = value;
  }, [value]);

  function onInput() {
    const el = ref.current;
    if (!el || composing.current || readOnly) return;
    const before = shown.current;
    const after = el.value;
    if (before === after) return;
    const op = inputTextOp(before, after, el.selectionEnd);
    shown.current = after;
    store?.editText(shotId, field, op);
  }

  function onCompositionEnd() {
    composing.current = false;
    const el = ref.current;
    if (!el) return;
    const remote = deferred.current;
    deferred.current = null;
    const before = shown.current;
    let mine: TextOp = inputTextOp(before, el.value, el.selectionEnd);
    if (remote) {
      // Both were made on `before`: the server's goes first.
      const [remoteAfterMine, mineAfterRemote] = transform(remote, mine);
      mine = mineAfterRemote;
      replaceValue(el, remoteAfterMine);
    }
    shown.current = el.value;
    if (!mine.every((c) => typeof c === 'number' && c > 0)) store?.editText(shotId, field, mine);
  }

  return (
    <textarea
      {...rest}
      ref={ref}
      defaultValue={value}
      readOnly={readOnly}
      onInput={onInput}
      onCompositionStart={() => {
        composing.current = true;
      }}
      onCompositionEnd={onCompositionEnd}
    />
  );
}

/** Applies op to the textarea's value, keeping the selection on the same characters. */
function replaceValue(el: HTMLTextAreaElement, op: TextOp) {
  const text = el.value;
  const next = apply(text, op);
  if (next === text) return;
  const focused = el.ownerDocument.activeElement === el;
  const sel = transformSelection(text, { start: el.selectionStart, end: el.selectionEnd }, op);
  const direction = el.selectionDirection;
  const scroll = el.scrollTop;
  el.value = next;
  if (focused) el.setSelectionRange(sel.start, sel.end, direction ?? undefined);
  el.scrollTop = scroll;
}
