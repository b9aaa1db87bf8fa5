import { temporal } from '@temporalio/proto';
import { bearer, tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

/**
 * The HTTP edge: security headers, CORS only for configured origins, body limits, errors without
 * internals and with the request id, the rate limit, and the Temporal UI's codec endpoint.
 */
describe('hardening and the codec endpoint', () => {
  let h: Harness;
  let url: string;
  const api = apiClient(() => url);
  const operator = tokenFor('operator');
  const allowed = 'https://temporal-ui.example.gov';
  const saved = { ...process.env };

  beforeAll(async () => {
    // Read when this file's API is built (the environment is read once per test file).
    process.env.CORS_ORIGINS = allowed;
    process.env.RATE_LIMIT_MAX = '200';
    process.env.RATE_LIMIT_MAX_PER_CLIENT = '1000';
    process.env.RATE_LIMIT_WINDOW_SECONDS = '60';
    h = await startHarness({ api: true });
    url = h.api!.url;
  });
  afterAll(async () => {
    for (const k of [
      'CORS_ORIGINS',
      'RATE_LIMIT_MAX',
      'RATE_LIMIT_MAX_PER_CLIENT',
      'RATE_LIMIT_WINDOW_SECONDS',
    ]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await h.close();
  });

  it('sends security headers', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
    // HEAD follows the GET route's rule.
    expect((await fetch(`${url}/health`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${url}/summary`, { method: 'HEAD' })).status).toBe(401);
  });

  it('allows cross-origin calls from configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(allowed);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers every error with the request id and no internals', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 10);
    const cases: [string, Promise<Response>, number][] = [
      ['unauthenticated', fetch(`${url}/reviews`), 401],
      ['forbidden', api.get('/audit', tokenFor('developer')), 403],
      ['not found', api.get('/reviews/00000000-0000-4000-8000-000000000000'), 404],
      [
        'bad json',
        fetch(`${url}/reviews`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await tokenFor('coordinator')}`,
          },
          body: '{"protocolKey":',
        }),
        400,
      ],
      ['too large', api.post('/reviews', { ...IntakeFactory.body(), contactName: huge }), 413],
      ['NUL character', api.post('/reviews', IntakeFactory.body({ contactName: 'a\u0000b' })), 400],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      const text = await res.text();
      expect({ what, status: res.status }).toEqual({ what, status });
      const body = JSON.parse(text) as { requestId?: string };
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      expect(text).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+|QueryFailedError|stack/);
    }
    const traced = await fetch(`${url}/summary`, {
      headers: { 'x-request-id': 'gateway-1234-abcd' },
    });
    expect(traced.headers.get('x-request-id')).toBe('gateway-1234-abcd');
    expect(((await traced.json()) as { requestId: string }).requestId).toBe('gateway-1234-abcd');
  });

  it("decodes the engine's own encrypted history payloads for operators, and encodes", async () => {
    const protocol = ProtocolFactory.singleStep().build();
    await h.publishProtocol(protocol);
    const created = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key, developerOrg: 'Codec Test Lab' }),
    );
    const { id, workflowId } = (await created.json()) as { id: string; workflowId: string };
    const history = await h.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
    });
    const input =
      history.history!.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const asJson = (p: temporal.api.common.v1.IPayload): PayloadJson => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    });
    const encrypted = asJson(input);
    expect(unb64(encrypted.metadata.encoding)).toBe('binary/encrypted');
    expect(unb64(encrypted.data)).not.toContain('Codec Test Lab');

    const decoded = await api.post('/codec/decode', { payloads: [encrypted] }, operator);
    expect(decoded.status).toBe(200);
    const [plain] = ((await decoded.json()) as { payloads: PayloadJson[] }).payloads;
    expect(unb64(plain.metadata.encoding)).toBe('json/plain');
    expect(unb64(plain.data)).toContain('Codec Test Lab');

    const original = { metadata: { encoding: b64('json/plain') }, data: b64('{"hello":"ui"}') };
    const encoded = await api.post('/codec/encode', { payloads: [original] }, operator);
    const [sealed] = ((await encoded.json()) as { payloads: PayloadJson[] }).payloads;
    expect(unb64(sealed.metadata.encoding)).toBe('binary/encrypted');
    expect(sealed.metadata['encryption-key-id']).toBeTruthy();
    const roundTrip = await api.post('/codec/decode', { payloads: [sealed] }, operator);
    expect(((await roundTrip.json()) as { payloads: PayloadJson[] }).payloads[0]).toEqual(original);

    // Tampered ciphertext and bad base64 are the caller's error, named.
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[bytes.length - 1] ^= 0xff;
    const tampered = await api.post(
      '/codec/decode',
      { payloads: [{ ...sealed, data: bytes.toString('base64') }] },
      operator,
    );
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { code: string }).code).toBe('CODEC_FAILED');
    const notBase64 = await api.post(
      '/codec/decode',
      { payloads: [{ metadata: { encoding: '%%%' }, data: '' }] },
      operator,
    );
    expect(notBase64.status).toBe(400);
    await api.post(`/reviews/${id}/withdraw`, { reason: 'cleanup' });
  });

  // Last: it spends this file's request budget.
  it('limits the request rate per client address and per principal, with 429 and the request id', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 260 && !limited; i++) {
      const res = await fetch(`${url}/health`);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(100);
    const body = (await limited!.json()) as { requestId: string; statusCode: number };
    expect(body).toMatchObject({
      statusCode: 429,
      requestId: limited!.headers.get('x-request-id'),
    });
    expect(limited!.headers.get('retry-after')).toBeTruthy();

    // Per principal: the address's anonymous budget is spent, yet each signed-in user has their
    // own, and spending one user's leaves another's alone.
    const as = (token: Promise<string>) => async () =>
      (await fetch(`${url}/reviews?limit=1`, { headers: bearer(await token) })).status;
    const coordinator = as(tokenFor('coordinator', { sub: `coord-${uniq()}@example.gov` }));
    const auditor = as(tokenFor('auditor', { sub: `audit-${uniq()}@example.gov` }));
    expect(await coordinator()).toBe(200);
    let spent = 1;
    while ((await coordinator()) === 200) spent++;
    expect(spent).toBeLessThanOrEqual(200);
    expect(await coordinator()).toBe(429);
    expect(await auditor()).not.toBe(429);

    // Per client address, before authentication: bad credentials from the address count too,
    // until the address is refused whoever it claims to be.
    const refusals = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const res = await fetch(`${url}/reviews`, { headers: { authorization: 'Bearer nonsense' } });
      refusals.add(res.status);
      if (res.status === 429) break;
    }
    expect(refusals).toEqual(new Set([401, 429]));
    expect(await auditor()).toBe(429);
  });
});
