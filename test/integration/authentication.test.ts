import { generateDevSigningKey } from '../../apps/api/src/auth/dev-signing-key';
import { bearer, tokenFor, TEST_AUDIENCE, TEST_ISSUER } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

/**
 * Who may call at all: bearer tokens refused for every reason a token can be wrong (each refusal
 * audited as a failed login), identity from the token only (bodies and forwarded headers cannot
 * change it), and service accounts with hashed, scoped, revocable API keys.
 */
describe('authentication', () => {
  let h: Harness;
  let url: string;
  const api = apiClient(() => url);
  const tag = uniq();
  const agency = `a${tag}`;
  const protocol = ProtocolFactory.singleStep(agency).build();

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
  });
  afterAll(() => h.close());

  const raw = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers });

  it('answers who the token says the caller is', async () => {
    const res = await api.get('/auth/me', tokenFor('agency-lead', { agency, sub: `lead-${tag}` }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      sub: `lead-${tag}`,
      role: 'agency-lead',
      agency,
      via: 'token',
    });
  });

  it('refuses missing, forged, expired and misaddressed tokens with 401, and audits each', async () => {
    const stranger = await generateDevSigningKey('test-1'); // same kid, another key
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({
        sub: 'x',
        role: 'coordinator',
        iss: TEST_ISSUER,
        aud: TEST_AUDIENCE,
        exp: 9e9,
      }),
    ).toString('base64url')}.`;
    const cases: [string, Record<string, string>, RegExp][] = [
      ['no token', {}, /no bearer token/],
      ['alg none', bearer(none), /not accepted|malformed/],
      [
        'wrong issuer',
        bearer(await tokenFor('coordinator', { issuer: 'https://evil.invalid' })),
        /iss/,
      ],
      ['wrong audience', bearer(await tokenFor('coordinator', { audience: 'other-api' })), /aud/],
      [
        'expired',
        bearer(await tokenFor('coordinator', { expiresIn: Math.floor(Date.now() / 1000) - 60 })),
        /expired/,
      ],
      [
        'wrong key',
        bearer(await tokenFor('coordinator', { privateJwk: stranger.privateJwk })),
        /signature/,
      ],
      ['unknown API key', bearer('rek_not-a-real-key'), /API key/],
      ['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }, /no bearer token/],
    ];
    for (const [what, headers, reason] of cases) {
      const res = await raw('/summary', headers);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
      const body = (await res.json()) as { code: string; message: string; requestId: string };
      expect(body.code).toBe('UNAUTHENTICATED');
      expect(body.message).toMatch(reason);
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      const [audited] = (await h.db.query(
        `SELECT actor, action, justification FROM audit_log WHERE request_id = $1`,
        [body.requestId],
      )) as { actor: string; action: string; justification: string }[];
      expect(audited).toMatchObject({ actor: 'anonymous', action: 'authentication_failed' });
      expect(audited.justification).toMatch(reason);
    }
  });

  it('takes identity from the token alone: forwarded headers and body fields change nothing', async () => {
    const developer = tokenFor('developer', { sub: `dana-${tag}@lab.example.com` });
    const spoofed = await fetch(`${url}/summary`, {
      headers: {
        ...bearer(await developer),
        'x-forwarded-user': 'coordinator@ostp.example.gov',
        'x-remote-user': 'coordinator@ostp.example.gov',
        'x-user-role': 'coordinator',
        'x-forwarded-for': '10.0.0.1',
      },
    });
    expect(spoofed.status).toBe(403);

    const withActor = await api.post(
      '/reviews',
      {
        ...IntakeFactory.body({ protocolKey: protocol.key }),
        submittedBy: { id: 'coordinator@ostp.example.gov' },
      },
      developer,
    );
    expect(withActor.status).toBe(400);
    expect(((await withActor.json()) as { message: string[] }).message).toEqual([
      'submittedBy: property submittedBy should not exist',
    ]);

    const created = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key }),
      developer,
    );
    expect(created.status).toBe(201);
    const { id, timeline } = (await created.json()) as {
      id: string;
      timeline: { type: string; actor: string }[];
    };
    // The developer's own view carries no timeline; the coordinator's names the token's subject.
    expect(timeline).toEqual([]);
    const full = (await (await api.get(`/reviews/${id}`)).json()) as {
      timeline: { type: string; actor: string }[];
    };
    expect(full.timeline.find((e) => e.type === 'review_submitted')?.actor).toBe(
      `dana-${tag}@lab.example.com`,
    );
    const withdraw = await api.post(
      `/reviews/${id}/withdraw`,
      { reason: 'done', actor: { id: 'someone-else' } },
      developer,
    );
    expect(withdraw.status).toBe(400);
    expect((await api.post(`/reviews/${id}/withdraw`, { reason: 'done' }, developer)).status).toBe(
      200,
    );
  });

  it('refuses an idempotency key another submitter already used', async () => {
    const body = IntakeFactory.body({ protocolKey: protocol.key, idempotencyKey: `k-${tag}` });
    const first = await api.post('/reviews', body, tokenFor('developer', { sub: `one-${tag}` }));
    expect(first.status).toBe(201);
    const other = await api.post('/reviews', body, tokenFor('developer', { sub: `two-${tag}` }));
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    const { id } = (await first.json()) as { id: string };
    await api.post(`/reviews/${id}/withdraw`, { reason: 'cleanup' });
  });

  it('gives service accounts hashed, scoped, revocable API keys', async () => {
    const operator = tokenFor('operator', { sub: `ops-${tag}` });
    const bad = await api.post(
      '/service-accounts',
      { name: 'x', role: 'agency-analyst', scopes: ['reviews:read', 'everything'] },
      operator,
    );
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field),
    ).toEqual(expect.arrayContaining(['agency', 'scopes']));

    const created = await api.post(
      '/service-accounts',
      {
        name: `uploader-${tag}`,
        role: 'agency-analyst',
        agency,
        scopes: ['reviews:read', 'auth:whoami'],
      },
      operator,
    );
    expect(created.status).toBe(201);
    const account = (await created.json()) as { id: string; key: string; keyPrefix: string };
    expect(account.key).toMatch(/^rek_/);
    const stored: { key_hash: string }[] = await h.db.query(
      `SELECT key_hash FROM api_keys WHERE id = $1`,
      [account.id],
    );
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(account.key);

    const key = account.key;
    expect(await (await api.get('/auth/me', key)).json()).toEqual({
      sub: `service:${account.id}`,
      role: 'agency-analyst',
      agency,
      via: 'api-key',
      scopes: ['reviews:read', 'auth:whoami'],
    });
    expect((await api.get('/reviews?limit=1', key)).status).toBe(200);
    // The role would allow it, the key's scopes do not.
    expect((await api.get(`/agencies/${agency}/inbox`, key)).status).toBe(403);
    const listed = (await (await api.get('/service-accounts', operator)).json()) as object[];
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await api.post(`/service-accounts/${account.id}/revoke`, {}, operator)).status).toBe(
      200,
    );
    expect((await api.get('/reviews?limit=1', key)).status).toBe(401);
  });
});
