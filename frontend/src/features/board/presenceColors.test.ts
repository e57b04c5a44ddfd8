import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { personColor, preferredColor, presentColors, PRESENCE_PALETTE } from './presenceColors';

describe('presence colours', () => {
  it('use the room’s palette, in its order', () => {
    const go = readFileSync(join(__dirname, '../../../../backend/realtime/presence.go'), 'utf8');
    const line = /var palette = \[\]string\{([^}]*)\}/.exec(go);
    expect(line, 'the palette in presence.go').not.toBeNull();
    expect(line![1]!.split(',').map((s) => s.trim().replace(/"/g, ''))).toEqual([...PRESENCE_PALETTE]);
  });

  it('give someone absent the colour the room would give them alone (its FNV-1a slot)', () => {
    // Slots computed with Go's hash/fnv New32a, as presence.go's preferredColor does.
    expect(preferredColor('0193a5b2-7c1e-7d00-8f00-000000000001')).toBe(PRESENCE_PALETTE[6]);
    expect(preferredColor('guest:abc:Dana')).toBe(PRESENCE_PALETTE[3]);
    expect(preferredColor('Zoë')).toBe(PRESENCE_PALETTE[4]);
  });

  it('prefer the colour the room assigned to someone present', () => {
    const present = presentColors([
      { userId: 'u1', color: '#0090ff' },
      { userId: 'u2', color: '' },
    ]);
    expect(personColor('u1', present)).toBe('#0090ff');
    expect(personColor('u2', present)).toBe(preferredColor('u2'));
    expect(personColor('u3', undefined)).toBe(preferredColor('u3'));
  });
});
