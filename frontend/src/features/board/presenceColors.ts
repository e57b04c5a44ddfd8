// People's colours, as pure functions: the colour the room gives each
// person on a board (presence), and for someone not on the board now (a
// comment's author who left) the colour they would get there alone.

/**
 * The room's presence palette, in its order (backend/realtime/presence.go;
 * presenceColors.test.ts reads that file so the two cannot drift). Each is
 * readable with dark initials (AVATAR_TEXT) on it.
 */
export const PRESENCE_PALETTE = ['#e5484d', '#f76b15', '#ffc53d', '#46a758', '#12a594', '#0090ff', '#8e7cf0', '#d6409f'] as const;

/** The initials' colour on any palette colour (4.5:1 or more, WCAG AA). */
export const AVATAR_TEXT = '#0b0d10';

/** FNV-1a, 32 bits, over the id's UTF-8 bytes: the hash the room uses. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The colour a person gets on a board where nobody else has it: the same everywhere. */
export function preferredColor(userId: string): string {
  return PRESENCE_PALETTE[fnv1a(userId) % PRESENCE_PALETTE.length]!;
}

/** Colours of the people on the board now, by user id, as the room assigned them. */
export function presentColors(peers: readonly { userId: string; color: string }[]): Map<string, string> {
  return new Map(peers.filter((p) => p.color).map((p) => [p.userId, p.color]));
}

/** A person's colour: the one the room gave them if they are here, else their preferred one. */
export function personColor(userId: string, present: ReadonlyMap<string, string> | undefined): string {
  return present?.get(userId) ?? preferredColor(userId);
}
