import { describe, expect, it } from 'vitest';
import { formatSettings, formatTimecode, initials, parseDuration, parseSettings, parseTimeRange } from './shotFields';

describe('parseDuration', () => {
  it('accepts 0.5 to 60 seconds', () => {
    expect(parseDuration('0.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseDuration(' 60 ')).toEqual({ ok: true, value: 60 });
    expect(parseDuration('2.25')).toEqual({ ok: true, value: 2.25 });
  });
  it('refuses what the server would refuse', () => {
    expect(parseDuration('0.4').ok).toBe(false);
    expect(parseDuration('61').ok).toBe(false);
    expect(parseDuration('').ok).toBe(false);
    expect(parseDuration('abc').ok).toBe(false);
    expect(parseDuration('Infinity').ok).toBe(false);
  });
});

describe('parseSettings', () => {
  it('accepts a JSON object, and empty as {}', () => {
    expect(parseSettings('{"seed": 7, "motion": "slow"}')).toEqual({ ok: true, value: { seed: 7, motion: 'slow' } });
    expect(parseSettings('  ')).toEqual({ ok: true, value: {} });
  });
  it('refuses invalid JSON, arrays, scalars and null', () => {
    for (const t of ['{', '[1]', '7', 'null', '"x"']) expect(parseSettings(t).ok, t).toBe(false);
  });
  it('refuses more than 8 KB', () => {
    expect(parseSettings(JSON.stringify({ big: 'x'.repeat(9000) })).ok).toBe(false);
  });
  it('round-trips through formatSettings', () => {
    const v = { seed: 8, nested: { a: [1, 2] } };
    const r = parseSettings(formatSettings(v));
    expect(r).toEqual({ ok: true, value: v });
    expect(formatSettings({})).toBe('');
  });
});

describe('parseTimeRange', () => {
  it('accepts a range inside the shot', () => {
    expect(parseTimeRange('1.5', '2.25', 4)).toEqual({ ok: true, value: { start: 1.5, end: 2.25 } });
    expect(parseTimeRange('0', '4', 4).ok).toBe(true);
  });
  it('refuses an end before the start, past the shot, or missing numbers', () => {
    expect(parseTimeRange('2', '1', 4).ok).toBe(false);
    expect(parseTimeRange('1', '5', 4).ok).toBe(false);
    expect(parseTimeRange('-1', '1', 4).ok).toBe(false);
    expect(parseTimeRange('', '1', 4).ok).toBe(false);
  });
});

describe('formatTimecode', () => {
  it('writes minutes, seconds and hundredths', () => {
    expect(formatTimecode(0)).toBe('0:00');
    expect(formatTimecode(1.5)).toBe('0:01.5');
    expect(formatTimecode(2.25)).toBe('0:02.25');
    expect(formatTimecode(62)).toBe('1:02');
  });
});

describe('initials', () => {
  it('takes the first letters of the first and last names', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  cher ')).toBe('C');
    expect(initials('Ola Owner-Smith')).toBe('OO');
    expect(initials('')).toBe('?');
    expect(initials('Dana (guest)')).toBe('D');
    expect(initials('Émile Zola — Paris')).toBe('ÉP');
    expect(initials('(guest)')).toBe('?');
  });
});
