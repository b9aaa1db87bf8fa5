import { canonicalJson, entryHash, GENESIS_HASH, type ChainedFields } from './audit-chain';

const entry: ChainedFields = {
  position: 1,
  prevHash: GENESIS_HASH,
  actor: 'analyst@caisi.example.gov',
  role: 'agency-analyst',
  action: 'step_done',
  target: 'review:0b6c',
  justification: null,
  reviewId: null,
  seq: 7,
  requestId: 'req-1',
  at: '2026-11-27T05:00:00.000Z',
  details: { agency: 'caisi', riskLevel: 'alert' },
};

describe('audit chain hashing', () => {
  it('is independent of key order, as jsonb returns it', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(entryHash({ ...entry, details: { riskLevel: 'alert', agency: 'caisi' } })).toBe(
      entryHash(entry),
    );
  });

  it('changes with every field, the position and the previous hash', () => {
    const base = entryHash(entry);
    const changed: Partial<ChainedFields>[] = [
      { position: 2 },
      { prevHash: 'f'.repeat(64) },
      { actor: 'someone-else' },
      { role: 'coordinator' },
      { action: 'step_failed' },
      { target: 'review:other' },
      { justification: 'because' },
      { reviewId: '00000000-0000-4000-8000-000000000000' },
      { seq: 8 },
      { requestId: 'req-2' },
      { at: '2026-11-27T05:00:00.001Z' },
      { details: { agency: 'caisi', riskLevel: 'high' } },
    ];
    for (const change of changed) expect(entryHash({ ...entry, ...change })).not.toBe(base);
  });
});
