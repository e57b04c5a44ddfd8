// Reading what a person typed into the shot inspector and the comment form
// into op values, with the messages shown when it does not fit. The server
// checks the same bounds; checking here saves a refused op.

import { SHOT_DURATION_MAX, SHOT_DURATION_MIN } from '../../api/client';
import type { ShotSettings, TimeRange } from '../../sync/protocol';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A shot duration in seconds, 0.5 to 60. */
export function parseDuration(text: string): Parsed<number> {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) return { ok: false, error: 'Enter a number of seconds.' };
  if (n < SHOT_DURATION_MIN || n > SHOT_DURATION_MAX) {
    return { ok: false, error: `Between ${SHOT_DURATION_MIN} and ${SHOT_DURATION_MAX} seconds.` };
  }
  return { ok: true, value: n };
}

/** A shot's render settings: a JSON object, at most 8 KiB. */
export function parseSettings(text: string): Parsed<ShotSettings> {
  const t = text.trim();
  if (t === '') return { ok: true, value: {} };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { ok: false, error: 'Settings must be valid JSON.' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { ok: false, error: 'Settings must be a JSON object, like {"seed": 7}.' };
  }
  if (new TextEncoder().encode(JSON.stringify(v)).length > 8 << 10) {
    return { ok: false, error: 'Settings must be at most 8 KB.' };
  }
  return { ok: true, value: v as ShotSettings };
}

/** Settings as the inspector shows them: pretty JSON, or nothing for {}. */
export function formatSettings(s: ShotSettings | undefined): string {
  if (!s || Object.keys(s).length === 0) return '';
  return JSON.stringify(s, null, 2);
}

/**
 * A comment's time range from two fields, in seconds of the shot's render:
 * 0 <= start <= end <= duration.
 */
export function parseTimeRange(start: string, end: string, duration: number): Parsed<TimeRange> {
  const s = Number(start.trim());
  const e = Number(end.trim());
  if (start.trim() === '' || end.trim() === '' || !Number.isFinite(s) || !Number.isFinite(e)) {
    return { ok: false, error: 'Enter a start and an end in seconds.' };
  }
  if (s < 0 || e < s) return { ok: false, error: 'The end must not come before the start.' };
  if (e > duration) return { ok: false, error: `The shot is only ${duration}s long.` };
  return { ok: true, value: { start: s, end: e } };
}

/** "0:01.5" for 1.5 seconds; "1:02" for 62. */
export function formatTimecode(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  const whole = Math.floor(s);
  const frac = Math.round((s - whole) * 100);
  const ss = String(whole).padStart(2, '0');
  const tail = frac === 0 ? '' : `.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
  return `${m}:${ss}${tail}`;
}

/** Initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name: string): string {
  // Words that start with a letter or digit: "Dana (guest)" is "D", not "D(".
  const parts = name.trim().split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w));
  if (parts.length === 0) return '?';
  const first = Array.from(parts[0]!)[0] ?? '';
  const last = parts.length > 1 ? (Array.from(parts[parts.length - 1]!)[0] ?? '') : '';
  return (first + last).toUpperCase();
}
