import { describe, expect, it } from 'vitest';
import { generateKeyBetween, generateNKeysBetween, validateKey } from './fracindex';
import { readFixture } from './testdata';

interface Fixture {
  library: string;
  between: { a: string | null; b: string | null; key?: string; error?: boolean }[];
  nBetween: { a: string | null; b: string | null; n: number; keys?: string[]; error?: boolean }[];
}

const fixture = readFixture<Fixture>('fracindex.json');

describe('fracindex matches the JS library (testdata/fracindex.json)', () => {
  it('has cases', () => {
    expect(fixture.between.length).toBeGreaterThan(100);
    expect(fixture.library).toMatch(/^fractional-indexing@/);
  });

  it('generateKeyBetween', () => {
    for (const c of fixture.between) {
      const call = () => generateKeyBetween(c.a, c.b);
      if (c.error) expect(call, JSON.stringify(c)).toThrow();
      else expect(call(), JSON.stringify(c)).toBe(c.key);
    }
  });

  it('generateNKeysBetween', () => {
    for (const c of fixture.nBetween) {
      const call = () => generateNKeysBetween(c.a, c.b, c.n);
      if (c.error) expect(call, JSON.stringify(c)).toThrow();
      else expect(call(), JSON.stringify(c)).toEqual(c.keys);
    }
  });
});

describe('validateKey', () => {
  it.each([
    ['a0', true],
    ['Zz', true],
    ['a0V', true],
    ['', false],
    ['a0V0', false],
    ['b0', false],
    ['a0-', false],
    ['A' + '0'.repeat(26), false],
  ])('%j valid: %s', (key, ok) => {
    if (ok) expect(() => validateKey(key)).not.toThrow();
    else expect(() => validateKey(key)).toThrow();
  });
});

it('concurrent inserts at one place get the same key, which sorts between', () => {
  const k1 = generateKeyBetween('a0', 'a1');
  const k2 = generateKeyBetween('a0', 'a1');
  expect(k1).toBe(k2);
  expect(k1 > 'a0' && k1 < 'a1').toBe(true);
});
