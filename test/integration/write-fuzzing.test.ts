import fc from 'fast-check';
import { POLICY, type RoutePolicy } from '../../apps/api/src/auth/policy';
import type { Role } from '../../apps/api/src/auth/principal';
import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

/** Every field name some write endpoint reads, so generated bodies reach the validators. */
const FIELDS = [
  'reason',
  'question',
  'answer',
  'designation',
  'rationale',
  'deadlineId',
  'clock',
  'unit',
  'amount',
  'iso',
  'justification',
  'grant',
  'reasonCode',
  'subject',
  'level',
  'domain',
  'riskLevel',
  'determination',
  'recommendation',
  'plannedReleaseDate',
  'agency',
  'stepId',
  'summary',
  'reference',
  'definition',
  'date',
  'name',
  'role',
  'scopes',
  'payloads',
  'metadata',
  'data',
  'protocolKey',
  'developerOrg',
  'contactName',
  'contactEmail',
  'modelName',
  'modelVersion',
  'accessArrangement',
  'type',
  'endpointUrl',
  'apiKey',
  'idempotencyKey',
  'refiledFrom',
  'trustedPartnerReleaseDate',
  'key',
  'version',
  'workstreams',
  'steps',
];

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '2027-02-30',
    '2027-01-01',
    'low',
    'critical',
    'covered',
    'P1D',
    'x'.repeat(6000),
    '\u0000',
    '\ud800',
    '{"a":1}',
    '../../etc',
    "'; DROP TABLE reviews; --",
  ),
);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('v'), { maxKeys: 4 }),
  ),
})).v;
/** Bodies: anything at all, objects of known fields, and a valid intake with one field broken. */
const body = fc.oneof(
  fc.anything(),
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }),
  fc
    .tuple(fc.constantFrom(...Object.keys(IntakeFactory.body())), value)
    .map(([k, v]) => ({ ...IntakeFactory.body(), [k]: v })),
);

/**
 * Property-based fuzzing of every write endpoint of the policy table, as a caller allowed to use
 * it: whatever the body and path parameters, the answer is never a 5xx, and a refused request
 * writes nothing (read model, timeline, audit log, protocols, calendar, keys all unchanged).
 */
describe('write endpoints under fuzzing', () => {
  let h: Harness;
  let url: string;
  const tag = uniq();
  const agency = `a${tag}`;
  const protocol = ProtocolFactory.singleStep(agency).build();
  const developer = `dev-${tag}@lab.example.com`;
  const api = apiClient(() => url);
  let reviewId: string;

  const snapshot = async () =>
    JSON.stringify(
      await h.db.query(`SELECT
        (SELECT count(*) FROM reviews) AS reviews,
        (SELECT coalesce(sum(last_seq), 0) FROM reviews) AS seqs,
        (SELECT count(*) FROM review_events) AS events,
        (SELECT count(*) FROM review_submitters) AS submitters,
        (SELECT count(*) FROM audit_log) AS audit,
        (SELECT count(*) FROM protocol_versions) AS protocols,
        (SELECT count(*) FROM closure_days) AS closures,
        (SELECT count(*) FROM api_keys) AS keys`),
    );
  /** After an accepted write, wait for its projection to land before the next comparison. */
  const settled = () =>
    eventually(async () => {
      const first = await snapshot();
      await new Promise((r) => setTimeout(r, 300));
      return first === (await snapshot()) ? first : undefined;
    }, 'the database to settle');

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    const res = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key }),
      tokenFor('developer', { sub: developer }),
    );
    reviewId = ((await res.json()) as { id: string }).id;
  });
  afterAll(() => h.close());

  const writes = Object.entries(POLICY as Record<string, RoutePolicy>).filter(([key]) =>
    key.startsWith('POST '),
  );

  it.each(writes)('%s: no 5xx, nothing written when refused', async (key, policy) => {
    const role = Object.keys(policy.allow)[0] as Role;
    const token = tokenFor(role, {
      agency: role.startsWith('agency') ? agency : undefined,
      sub: role === 'developer' ? developer : undefined,
    });
    const route = key.slice('POST '.length);
    // Path segments: any text a URL can carry (lone surrogates cannot be percent-encoded).
    const segment = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('..'));
    const params = fc.record({
      id: fc.oneof(fc.constant(reviewId), fc.uuid(), segment),
      other: segment,
    });
    let before = await settled();
    await fc.assert(
      fc.asyncProperty(body, params, async (payload, p) => {
        const path = route
          .replace(':id', encodeURIComponent(route.startsWith('/reviews/') ? reviewId : p.id))
          .replace(/:\w+/g, encodeURIComponent(p.other) || 'x');
        const res = await api.post(path, payload, token);
        const answer = await res.text();
        if (res.status >= 500)
          throw new Error(`${res.status} for ${JSON.stringify(payload)}: ${answer}`);
        if (res.status >= 400) {
          expect(await snapshot()).toBe(before);
        } else {
          before = await settled();
        }
      }),
      { numRuns: 40 },
    );
  });
});
