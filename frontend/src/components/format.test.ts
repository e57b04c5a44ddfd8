import { describe, expect, it } from 'vitest';
import { formatRelative } from './format';

describe('formatRelative', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  it.each([
    ['2026-12-05T11:59:30Z', 'just now'],
    ['2026-12-05T11:58:00Z', '2 min ago'],
    ['2026-12-05T09:00:00Z', '3 h ago'],
    ['2026-12-04T10:00:00Z', 'yesterday'],
    ['2026-12-01T12:00:00Z', '4 days ago'],
    ['not a date', ''],
  ])('%s → %s', (iso, want) => expect(formatRelative(iso, now)).toBe(want));
  it('gives the date after a week', () => {
    expect(formatRelative('2026-11-01T12:00:00Z', now)).toMatch(/2026/);
  });
});
