import fc from 'fast-check';
import { POLICY, type RoutePolicy } from '../../apps/api/src/auth/policy';
import type { Role } from '../../apps/api/src/auth/principal';
import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';
import { reviewStateQuery } from '../../workflows/definitions';

/**
 * fast-check's settings: FUZZ_RUNS cases per route (25 by default: the suite's time is budgeted),
 * a new seed every run unless FUZZ_SEED (and FUZZ_PATH) replay the one a failure printed.
 */
const FUZZ = fuzzSettings(process.env);

function fuzzSettings(env: NodeJS.ProcessEnv): fc.Parameters<unknown> {
  const integer = (name: string, min: number): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new Error(`${name} must be an integer of at least ${min}, not ${JSON.stringify(text)}`);
    }
    return value;
  };
  return {
    numRuns: integer('FUZZ_RUNS', 1) ?? 25,
    seed: integer('FUZZ_SEED', Number.MIN_SAFE_INTEGER),
    path: env.FUZZ_PATH || undefined,
  };
}

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
  'email',
  'emailEnabled',
  'emailRecipients',
  'webhookUrl',
  'webhookSecret',
  'kinds',
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
 * writes nothing (read model, timeline, audit log, protocols, calendar, keys, notification
 * preferences all unchanged). POST and PUT routes alike.
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

  /** Every caller of this file has its own subject, so its writes can be told from others'. */
  const subject = (role: Role) => (role === 'developer' ? developer : `${role}-${tag}@example.gov`);
  const subjects = [
    developer,
    ...['agency-analyst', 'agency-lead', 'coordinator', 'operator', 'auditor'].map((r) =>
      subject(r as Role),
    ),
  ];
  /**
   * What this file's callers have written (other test files may share the database): the
   * fixture review's state, timeline and audit entries, and the API's own writes. Reviews an
   * accepted intake started keep projecting for a while; their entries are not counted.
   */
  const snapshot = async () =>
    JSON.stringify(
      await h.db.query(
        `SELECT
          (SELECT count(*) FROM review_submitters WHERE subject = ANY($1)) AS submitters,
          (SELECT count(*) FROM reviews r JOIN review_submitters s ON s.review_id = r.id
            WHERE s.subject = ANY($1)) AS reviews,
          (SELECT last_seq FROM reviews WHERE id = $2) AS seq,
          (SELECT count(*) FROM review_events WHERE review_id = $2) AS events,
          (SELECT count(*) FROM audit_log
            WHERE (actor = ANY($1) AND review_id IS NULL) OR target = 'review:' || $2) AS audit,
          (SELECT count(*) FROM protocol_versions WHERE created_by = ANY($1)) AS protocols,
          (SELECT count(*) FROM closure_days WHERE created_by = ANY($1)) AS closures,
          (SELECT count(*) FROM api_keys WHERE created_by = ANY($1)) AS keys,
          (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY subject), ''))
            FROM notification_user_preferences p WHERE subject = ANY($1)) AS user_preferences,
          (SELECT md5(coalesce(string_agg(p::text, ','), ''))
            FROM notification_agency_preferences p WHERE agency = $3) AS agency_preferences`,
        [subjects, reviewId, agency],
      ),
    );
  /**
   * After an accepted write, wait for its projection to land before the next comparison: the
   * read model has caught up with the sequence number the workflow itself reports, and nothing
   * moves for a second (a finding reaches the review through its workstream's signal, a moment
   * after the Update returns). On a loaded machine a fixed short pause alone was not enough.
   */
  const settled = () =>
    eventually(async () => {
      const { seq } = await h.client.workflow
        .getHandle(`review-${reviewId}`)
        .query(reviewStateQuery);
      const first = await snapshot();
      if ((JSON.parse(first) as { seq: number }[])[0].seq !== seq) return undefined;
      await new Promise((r) => setTimeout(r, 1000));
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
    /^(POST|PUT) /.test(key),
  );

  it.each(writes)('%s: no 5xx, nothing written when refused', async (key, policy) => {
    const role = Object.keys(policy.allow)[0] as Role;
    const token = tokenFor(role, {
      agency: role.startsWith('agency') ? agency : undefined,
      sub: subject(role),
    });
    const [method, route] = key.split(' ') as ['POST' | 'PUT', string];
    // Path segments: any text a URL can carry (lone surrogates cannot be percent-encoded).
    const segment = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('..'));
    const params = fc.record({
      id: fc.oneof(fc.constant(reviewId), fc.uuid(), segment),
      // The caller's own agency too, so agency routes get past the policy sometimes.
      other: fc.oneof(segment, fc.constant(agency)),
    });
    let before = await settled();
    await fc.assert(
      fc.asyncProperty(body, params, async (payload, p) => {
        const path = route
          .replace(':id', encodeURIComponent(route.startsWith('/reviews/') ? reviewId : p.id))
          .replace(/:\w+/g, encodeURIComponent(p.other) || 'x');
        const res = await (method === 'PUT' ? api.put : api.post)(path, payload, token);
        const answer = await res.text();
        if (res.status >= 500)
          throw new Error(`${res.status} for ${JSON.stringify(payload)}: ${answer}`);
        const requestId = res.headers.get('x-request-id');
        const audited = async () =>
          (
            (await h.db.query(`SELECT action FROM audit_log WHERE request_id = $1`, [
              requestId,
            ])) as { action: string }[]
          ).map((r) => r.action);
        if (res.status === 403) {
          // A refused authorisation is itself audited (issue #7), and that entry is the only
          // thing the request wrote.
          expect(await audited()).toEqual(['authorization_denied']);
          const expected = JSON.parse(before) as { audit: string }[];
          expected[0].audit = String(Number(expected[0].audit) + 1);
          before = JSON.stringify(expected);
          expect(await snapshot()).toBe(before);
        } else if (res.status >= 400) {
          expect(await snapshot()).toBe(before);
          expect(await audited()).toEqual([]);
        } else {
          before = await settled();
        }
      }),
      FUZZ,
    );
  });

  it('refuses text with a lone surrogate with a 400 naming the field (a case the fuzzing found)', async () => {
    // JSON can carry "\ud800"; the email validator threw on it (encodeURI), which was a 500.
    const before = await settled();
    const res = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, contactEmail: '\ud800' }),
      tokenFor('developer', { sub: developer }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      errors: [
        {
          field: 'contactEmail',
          message: 'must be well-formed Unicode text (it holds a lone surrogate)',
        },
      ],
    });
    expect(await settled()).toBe(before);
  });
});
