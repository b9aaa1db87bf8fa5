import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type KeyLike } from 'jose';
import { TokenRefusedError, TokenVerifier, VERIFIED_TOKEN_TTL_MS } from './token-verifier.service';

// The real verification, counted: the verifier may skip it only for a token it verified lately.
jest.mock('jose', () => {
  const actual = jest.requireActual<typeof import('jose')>('jose');
  return { ...actual, jwtVerify: jest.fn(actual.jwtVerify) };
});
const signatureChecks = () => (jwtVerify as jest.Mock).mock.calls.length;

const ISSUER = 'https://idp.spec.invalid';
const AUDIENCE = 'review-engine-spec';

/** The verifier against real keys of both accepted kinds, RS256 and EdDSA. */
describe('TokenVerifier', () => {
  let verifier: TokenVerifier;
  const keys: Record<'RS256' | 'EdDSA', KeyLike | Uint8Array> = {} as never;
  let stranger: Awaited<ReturnType<typeof generateKeyPair>>;
  const saved = { ...process.env };
  afterAll(() => {
    for (const k of ['AUTH_PUBLIC_KEYS', 'AUTH_ISSUER', 'AUTH_AUDIENCE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  beforeAll(async () => {
    const jwks: JWK[] = [];
    for (const alg of ['RS256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      keys[alg] = pair.privateKey as KeyLike;
      jwks.push({ ...(await exportJWK(pair.publicKey)), kid: `spec-${alg}`, alg });
    }
    stranger = await generateKeyPair('EdDSA');
    process.env.AUTH_PUBLIC_KEYS = JSON.stringify({ keys: jwks });
    process.env.AUTH_ISSUER = ISSUER;
    process.env.AUTH_AUDIENCE = AUDIENCE;
    verifier = new TokenVerifier();
  });

  const sign = (
    alg: 'RS256' | 'EdDSA',
    claims: Record<string, unknown> = { role: 'coordinator' },
    opts: { iss?: string; aud?: string; exp?: number | string; key?: KeyLike | Uint8Array } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, kid: `spec-${alg}` })
      .setSubject('someone@example.gov')
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? keys[alg]);

  const refusal = (token: string) =>
    verifier.verify(token).then(
      () => 'accepted',
      (e: unknown) => (e instanceof TokenRefusedError ? e.message : `crashed: ${String(e)}`),
    );

  it.each(['RS256', 'EdDSA'] as const)(
    'accepts a good %s token and reads its claims',
    async (alg) => {
      await expect(
        verifier.verify(await sign(alg, { role: 'agency-lead', agency: 'nsa' })),
      ).resolves.toEqual({
        sub: 'someone@example.gov',
        role: 'agency-lead',
        agency: 'nsa',
        via: 'token',
      });
    },
  );

  it('refuses alg none, HMAC, wrong issuer, wrong audience, expired and unknown keys', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        sub: 'x',
        role: 'coordinator',
        iss: ISSUER,
        aud: AUDIENCE,
        exp: 9999999999,
      }),
    ).toString('base64url');
    expect(await refusal(`${header}.${payload}.`)).toMatch(/algorithm is not accepted|malformed/);
    const hmac = await new SignJWT({ role: 'coordinator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length-123456'));
    expect(await refusal(hmac)).toMatch(/algorithm is not accepted/);
    expect(await refusal(await sign('EdDSA', undefined, { iss: 'https://evil.invalid' }))).toMatch(
      /iss claim/,
    );
    expect(await refusal(await sign('RS256', undefined, { aud: 'another-api' }))).toMatch(
      /aud claim/,
    );
    expect(
      await refusal(await sign('EdDSA', undefined, { exp: Math.floor(Date.now() / 1000) - 120 })),
    ).toMatch(/expired/);
    expect(await refusal(await sign('EdDSA', undefined, { key: stranger.privateKey }))).toMatch(
      /signature does not verify/,
    );
    expect(await refusal('not.a.token')).toMatch(/malformed/);
  });

  describe('remembering verified tokens', () => {
    // Only Date moves: the WebCrypto calls underneath need the real timers and ticks.
    beforeEach(() =>
      jest.useFakeTimers({
        doNotFake: [
          'nextTick',
          'setImmediate',
          'queueMicrotask',
          'setTimeout',
          'setInterval',
          'hrtime',
          'performance',
        ],
      }),
    );
    afterEach(() => jest.useRealTimers());

    it('checks a token once, then again after VERIFIED_TOKEN_TTL_MS', async () => {
      const token = await sign('EdDSA', { role: 'agency-analyst', agency: 'cisa' }, { exp: '1h' });
      const before = signatureChecks();
      const first = await verifier.verify(token);
      // A caller changing its principal changes nothing for the next request.
      first.agency = 'nsa';
      await expect(verifier.verify(token)).resolves.toMatchObject({ agency: 'cisa' });
      expect(signatureChecks()).toBe(before + 1);
      jest.setSystemTime(Date.now() + VERIFIED_TOKEN_TTL_MS + 1000);
      await expect(verifier.verify(token)).resolves.toMatchObject({ agency: 'cisa' });
      expect(signatureChecks()).toBe(before + 2);
    });

    it('refuses a remembered token once it has expired', async () => {
      const token = await sign('EdDSA', undefined, { exp: Math.floor(Date.now() / 1000) + 5 });
      expect(await refusal(token)).toBe('accepted');
      jest.setSystemTime(Date.now() + 6000);
      expect(await refusal(token)).toMatch(/expired/);
    });

    it('remembers no refusal: a refused token is checked every time', async () => {
      const token = await sign('EdDSA', { role: 'admin' });
      const before = signatureChecks();
      expect(await refusal(token)).toMatch(/role claim/);
      expect(await refusal(token)).toMatch(/role claim/);
      expect(signatureChecks()).toBe(before + 2);
    });
  });

  it('refuses tokens whose role or agency the engine does not know', async () => {
    expect(await refusal(await sign('EdDSA', { role: 'admin' }))).toMatch(/role claim/);
    expect(await refusal(await sign('EdDSA', { role: 'agency-analyst' }))).toMatch(/agency claim/);
    expect(await refusal(await sign('EdDSA', { role: 'agency-analyst', agency: 'NSA!' }))).toMatch(
      /agency claim/,
    );
  });
});
