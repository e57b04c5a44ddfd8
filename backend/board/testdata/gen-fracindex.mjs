// Generates fracindex.json from the reference implementation, the npm package
// fractional-indexing, so that the Go port (fracindex.go) and the TypeScript
// port (frontend/src/sync/fracindex.ts) are both checked against the real
// library's output. The library is not a dependency of the app; fetch it into
// a scratch folder and pass its entry point:
//
//   cd "$(mktemp -d)" && npm pack fractional-indexing@4.0.0 && tar xzf fractional-indexing-4.0.0.tgz
//   node backend/board/testdata/gen-fracindex.mjs "$PWD/package/src/index.js" > backend/board/testdata/fracindex.json
//
// The output is deterministic (seeded PRNG), so regenerating it is a no-op
// unless the library changed.

import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node gen-fracindex.mjs <path to fractional-indexing/src/index.js>');
  process.exit(2);
}
const lib = await import(pathToFileURL(entry).href);
const pkg = JSON.parse(
  await (await import('node:fs/promises')).readFile(new URL('../package.json', pathToFileURL(entry)), 'utf8'),
);

// mulberry32: a small seeded PRNG, so the random walks are reproducible.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = [];
const seen = new Set();
function keyCase(a, b) {
  const id = JSON.stringify([a, b]);
  if (seen.has(id)) return;
  seen.add(id);
  try {
    between.push({ a, b, key: lib.generateKeyBetween(a, b) });
  } catch {
    between.push({ a, b, error: true });
  }
}

const nBetween = [];
function nCase(a, b, n) {
  try {
    nBetween.push({ a, b, n, keys: lib.generateNKeysBetween(a, b, n) });
  } catch {
    nBetween.push({ a, b, n, error: true });
  }
}

// Hand-picked cases: the library's own test table plus the edges.
const largest = 'z' + 'z'.repeat(26);
const smallest = 'A' + '0'.repeat(26);
const picked = [
  [null, null], [null, 'a0'], [null, 'b0000'], ['a0', null], ['a0', 'a1'], ['a1', 'a2'],
  ['a0V', 'a1'], ['Zz', 'a0'], ['Zz', 'a01'], [null, 'a0V'], [null, 'b999'],
  ['a0', 'a0V'], ['a0', 'a0G'], ['b125', 'b129'], ['a0', 'a1V'], ['Zz', 'a01'],
  [null, 'A00000000000000000000000000'], [null, 'A000000000000000000000000001'],
  ['zzzzzzzzzzzzzzzzzzzzzzzzzzy', null], ['zzzzzzzzzzzzzzzzzzzzzzzzzzz', null],
  ['a0x', 'a1'], ['a0xz', 'a1'], ['a0', 'a0000001'], ['az', 'b00'], ['b0z', 'b1'],
  ['Zz', 'a0'], ['Yzz', null], ['Xzzz', 'Y000'], [null, 'Xzzz'], ['a00', null],
  ['a0', 'a0'], ['a1', 'a0'], ['b00', 'a0'], ['a0', 'A'], ['a', null], [null, 'A'],
  ['a00', 'a1'], ['0', '1'], ['a1', null], ['a1', '2'], ['a1', 'a1z'], ['a1a', 'a1b'],
  ['a1', 'a10'], [smallest, null], [largest, null], [null, largest],
  ['Y00', null], ['Y00', 'Yzz'], [null, 'Y00'], ['Z0', null], [null, 'Z0'], ['a0', 'az'],
  ['dABCDE', 'dABCDF'], ['dABCDEz', 'dABCDF'], ['ay', 'az'],
];
for (const [a, b] of picked) keyCase(a, b);

// Random walks: build lists by inserting at random places, as editors do, and
// record every generateKeyBetween call on the way.
for (let walk = 0; walk < 6; walk++) {
  const rand = prng(1000 + walk);
  const keys = [];
  for (let step = 0; step < 120; step++) {
    // Later walks favour the ends and one hot spot, which grows long keys.
    const r = rand();
    let i;
    if (walk >= 3 && r < 0.3) i = 0;
    else if (walk >= 3 && r < 0.6) i = keys.length;
    else if (walk >= 4 && r < 0.9) i = Math.min(1, keys.length);
    else i = Math.floor(rand() * (keys.length + 1));
    const a = i > 0 ? keys[i - 1] : null;
    const b = i < keys.length ? keys[i] : null;
    keyCase(a, b);
    keys.splice(i, 0, lib.generateKeyBetween(a, b));
  }
  // Reversed bounds for a few neighbours (the library swaps them).
  for (let j = 0; j + 1 < keys.length; j += 17) keyCase(keys[j + 1], keys[j]);
}

for (const [a, b, n] of [
  [null, null, 0], [null, null, 1], [null, null, 5], ['a0', null, 10], [null, 'a0', 10],
  ['a0', 'a1', 10], ['a0', 'a1', 2], ['a0', 'b0', 65], ['Zz', 'a0', 7], ['a0', 'a0V', 30],
  ['a1', 'a0', 4], ['a0', 'a0', 2], ['a00', null, 3], ['zzzzzzzzzzzzzzzzzzzzzzzzzzy', null, 4],
  [null, 'A000000000000000000000000001', 3], ['dABCDE', 'dABCDF', 100],
]) nCase(a, b, n);

// One case per line keeps diffs readable.
const rows = (cases) => cases.map((c) => '  ' + JSON.stringify(c)).join(',\n');
process.stdout.write(
  `{\n"generator": "backend/board/testdata/gen-fracindex.mjs",\n"library": ${JSON.stringify(`${pkg.name}@${pkg.version}`)},\n` +
    `"between": [\n${rows(between)}\n],\n"nBetween": [\n${rows(nBetween)}\n]\n}\n`,
);
