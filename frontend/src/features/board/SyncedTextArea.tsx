import { useEffect, useLayoutEffect, useRef, useState, type TextareaHTMLAttributes } from 'react';
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
  carets = [],
  ...rest
}: {
  store: LiveBoardStore | null;
  shotId: string;
  field: TextField;
  /** The field's text in the board view. */
  value: string;
  readOnly?: boolean;
  /** Where other people are typing in this field, shown in their colours. */
  carets?: RemoteCaret[];
} & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'defaultValue' | 'onInput' | 'onChange'>) {
  const ref = useRef<HTMLTextAreaElement>(null);
  // Others' carets, placed over the text (recomputed as text, carets or scroll change).
  const [placed, setPlaced] = useState<(RemoteCaret & CaretBox)[]>([]);
  const [scroll, setScroll] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || carets.length === 0) return setPlaced([]);
    setPlaced(carets.map((c) => ({ ...c, ...caretBox(el, Math.min(c.offset, el.value.length)) })));
  }, [carets, value, scroll]);

  /** Tells the others where this person's caret is now. */
  function reportCaret() {
    const el = ref.current;
    if (el && !readOnly && el.ownerDocument.activeElement === el) store?.setCaret({ shotId, field, offset: el.selectionEnd });
  }
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
    reportCaret();
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
    <div className="synced-text">
      <textarea
        {...rest}
        ref={ref}
        defaultValue={value}
        readOnly={readOnly}
        onInput={onInput}
        onSelect={reportCaret}
        onFocus={reportCaret}
        onBlur={() => store?.setCaret(null)}
        onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
        onCompositionStart={() => {
          composing.current = true;
        }}
        onCompositionEnd={onCompositionEnd}
      />
      {placed.length > 0 && (
        <div className="caret-layer" aria-hidden="true">
          {placed.map((c) =>
            c.top < -c.height || c.top > (ref.current?.clientHeight ?? 0) ? null : (
              <span
                key={c.userId}
                className="remote-caret"
                data-testid="remote-caret"
                data-user-id={c.userId}
                style={{ top: c.top, left: c.left, height: c.height, background: c.color }}
              >
                <span className="remote-caret-name" style={{ background: c.color }}>
                  {c.name}
                </span>
              </span>
            ),
          )}
        </div>
      )}
    </div>
  );
}

/** Another person's caret in a field. */
export interface RemoteCaret {
  userId: string;
  name: string;
  color: string;
  /** UTF-16 units from the start of the field. */
  offset: number;
}

interface CaretBox {
  top: number;
  left: number;
  height: number;
}

/**
 * Where the caret at offset sits in the textarea, relative to its padding
 * box as scrolled: measured on an invisible copy of the textarea with the
 * same font, width and wrapping (textareas expose no caret geometry).
 */
function caretBox(el: HTMLTextAreaElement, offset: number): CaretBox {
  const doc = el.ownerDocument;
  const style = doc.defaultView!.getComputedStyle(el);
  const mirror = doc.createElement('div');
  for (const p of [
    'boxSizing', 'width', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderRightWidth',
    'borderBottomWidth', 'borderLeftWidth', 'borderStyle', 'fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'lineHeight',
    'letterSpacing', 'textTransform', 'tabSize', 'textIndent', 'wordSpacing',
  ] as const) {
    mirror.style[p] = style[p];
  }
  Object.assign(mirror.style, { position: 'absolute', visibility: 'hidden', top: '0', left: '-9999px', whiteSpace: 'pre-wrap', overflowWrap: 'break-word', overflow: 'hidden' });
  mirror.textContent = el.value.slice(0, offset);
  const mark = doc.createElement('span');
  mark.textContent = '\u200b';
  mirror.appendChild(mark);
  doc.body.appendChild(mirror);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
  const box = {
    top: el.offsetTop + parseFloat(style.borderTopWidth) + mark.offsetTop - el.scrollTop,
    left: el.offsetLeft + parseFloat(style.borderLeftWidth) + mark.offsetLeft,
    height: lineHeight,
  };
  mirror.remove();
  return box;
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
