import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { protocolFixtures } from './fixtures.gen';
import {
  CLOSE_CODES,
  OP_KINDS,
  ProtocolError,
  decodeServerMessage,
  encodeClientMessage,
  shouldReconnect,
  type ClientMessage,
  type OpMessage,
} from './protocol';
import { protocolRoot, readProtocolFixture } from './testdata';

const files = readdirSync(join(protocolRoot, 'protocol')).filter(
  (f) => f.startsWith('client-') || f.startsWith('server-'),
);

describe('shared protocol fixtures (backend/realtime/testdata/protocol)', () => {
  it('fixtures.gen.ts holds exactly the fixture files (else run go test ./backend/realtime -update)', () => {
    expect(Object.keys(protocolFixtures).sort()).toEqual([...files].sort());
    for (const f of files) {
      expect(protocolFixtures[f as keyof typeof protocolFixtures], f).toEqual(readProtocolFixture(`protocol/${f}`));
    }
  });

  it('each file holds messages of its type', () => {
    for (const [file, messages] of Object.entries(protocolFixtures)) {
      const type = file.replace(/^(client|server)-/, '').replace(/\.json$/, '');
      for (const m of messages) expect(m.type, file).toBe(type);
    }
  });

  it('server messages decode', () => {
    for (const [file, messages] of Object.entries(protocolFixtures)) {
      if (!file.startsWith('server-')) continue;
      for (const m of messages) expect(decodeServerMessage(JSON.stringify(m))).toEqual(m);
    }
  });

  it('client messages encode to the fixture JSON', () => {
    for (const [file, messages] of Object.entries(protocolFixtures)) {
      if (!file.startsWith('client-')) continue;
      for (const m of messages) expect(JSON.parse(encodeClientMessage(m as ClientMessage))).toEqual(m);
    }
  });

  it('client-op.json covers every op kind', () => {
    const kinds = new Set((protocolFixtures['client-op.json'] as OpMessage[]).map((m) => m.op.kind));
    expect([...kinds].sort()).toEqual([...OP_KINDS].sort());
  });
});

describe('decodeServerMessage', () => {
  it.each(['not json', '[]', 'null', '{"type":"join","protocol":1,"boardId":"b"}', '{"seq":1}'])(
    'rejects %s',
    (text) => {
      expect(() => decodeServerMessage(text)).toThrow(ProtocolError);
    },
  );
});

describe('close codes', () => {
  it('match the server (testdata/close-codes.json)', () => {
    const { cases } = readProtocolFixture<{ cases: { code: number; name: string; reconnect: boolean }[] }>('close-codes.json');
    const ours = Object.entries(CLOSE_CODES).map(([code, v]) => ({ code: Number(code), ...v }));
    expect(ours).toEqual(cases);
  });

  it.each([
    [1006, true],
    [1001, true],
    [4001, true],
    [4009, true],
    [4003, false],
    [4401, false],
    [4999, false],
  ])('shouldReconnect(%i) is %s', (code, want) => {
    expect(shouldReconnect(code)).toBe(want);
  });
});
