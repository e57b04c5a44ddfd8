// What another person's text edit does to the text this client shows, so
// that an open textarea can move its caret through exactly that change
// instead of guessing it from a before/after diff.

import type { AppliedOp, TextField } from './protocol';
import type { SyncState } from './reconcile';
import { transform, type TextOp } from './text';

/** A change to one text field of the view. */
export interface ViewTextDelta {
  shotId: string;
  field: TextField;
  /** Applies to the field's text in the view before the op came in. */
  op: TextOp;
}

/**
 * The change that taking in incoming (with reconcile) makes to a text field
 * of state.view, or null when incoming is not another person's text edit
 * that follows on from state (then the caller compares texts instead).
 *
 * The view is confirmed text with this client's pending edits on top, so
 * the server's edit, which lands under them, reaches the view transformed
 * past each of them in turn, the server's text first at a tie, as reconcile
 * does.
 */
export function viewTextDelta(state: SyncState, incoming: AppliedOp): ViewTextDelta | null {
  const x = incoming.op;
  if (x.kind !== 'text.edit' || incoming.seq !== state.seq + 1) return null;
  if (state.pending.some((p) => p.opId === incoming.opId)) return null;
  let op: TextOp = x.textOp;
  for (const p of state.pending) {
    if (p.stale) continue; // not in the view
    const q = p.op;
    switch (q.kind) {
      case 'text.edit':
        if (q.shotId === x.shotId && q.field === x.field) [op] = transform(op, q.textOp);
        break;
      case 'shot.insert':
      case 'shot.delete':
        if (q.shotId === x.shotId) return null;
        break;
      case 'shot.duplicate':
        if (q.newShotId === x.shotId) return null;
        break;
      case 'version.restore':
        return null;
      default:
        break;
    }
  }
  return { shotId: x.shotId, field: x.field, op };
}
