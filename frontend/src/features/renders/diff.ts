/** One run of a word diff: kept, only in the older text, or only in the newer. */
export interface DiffPart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** Splits text into words, punctuation and the whitespace between them, all kept. */
function tokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

/**
 * The word-level difference from older to newer (longest common
 * subsequence of words; whitespace rides with the words around it).
 * Adjacent parts of one kind are merged. Prompts are short, so the
 * quadratic table is fine; past 2,000 words it shows a whole replacement.
 */
export function wordDiff(older: string, newer: string): DiffPart[] {
  const a = tokens(older);
  const b = tokens(newer);
  if (a.length * b.length > 4_000_000) {
    return [
      ...(older ? [{ kind: 'removed' as const, text: older }] : []),
      ...(newer ? [{ kind: 'added' as const, text: newer }] : []),
    ];
  }
  // lcs[i][j]: length of the LCS of a[i:] and b[j:].
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffPart[] = [];
  const push = (kind: DiffPart['kind'], text: string) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += text;
    else out.push({ kind, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('same', a[i]!);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      push('removed', a[i++]!);
    } else {
      push('added', b[j++]!);
    }
  }
  while (i < a.length) push('removed', a[i++]!);
  while (j < b.length) push('added', b[j++]!);
  return out;
}
