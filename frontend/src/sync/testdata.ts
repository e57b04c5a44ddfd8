// Test-only: reads the fixtures shared with the Go tests (a board's content
// in backend/board/testdata, the protocol in backend/realtime/testdata), so
// both implementations are checked against the same data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Vitest defines __dirname for test modules (import.meta.url is an http URL
// under jsdom).
const boardRoot = join(__dirname, '../../../backend/board/testdata');
/** The protocol's fixtures (messages, close codes). */
export const protocolRoot = join(__dirname, '../../../backend/realtime/testdata');

/** Reads a fixture of a board's content (text merge, fractional keys, replay). */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(boardRoot, name), 'utf8')) as T;
}

/** Reads a fixture of the protocol. */
export function readProtocolFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(protocolRoot, name), 'utf8')) as T;
}

/** mulberry32: a small seeded PRNG, so randomized tests can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for a randomized test: SYNC_SEED from the environment, or random. */
export function testSeed(): number {
  const env = typeof process !== 'undefined' ? process.env.SYNC_SEED : undefined;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 32);
}
