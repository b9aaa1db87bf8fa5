import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  InvalidEnvironmentError,
  loadEnvironment,
  trustProxy,
  webhookPrivateNetworks,
} from './environment';
import { temporalTarget } from '../libs/temporal/src/connection';
import { databaseSsl } from '../libs/persistence/src/data-source';
import { generateCodecKey } from '../libs/temporal/src/codec/aes-gcm-payload-codec';

const problemsOf = (source: Record<string, string>): string[] => {
  try {
    loadEnvironment(source);
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) return err.problems;
    throw err;
  }
  return [];
};

describe('loadEnvironment (production configuration)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-spec-'));
  const pem = path.join(dir, 'client.pem');
  fs.writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a complete production configuration for Temporal Cloud with mTLS', () => {
    const env = loadEnvironment({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://engine:secret@db.internal:5432/engine',
      DATABASE_SSL_MODE: 'verify-full',
      DATABASE_CA_FILE: pem,
      TEMPORAL_ADDRESS: 'engine.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'engine.a1b2c',
      TEMPORAL_TLS_CERT_FILE: pem,
      TEMPORAL_TLS_KEY_FILE: pem,
      PAYLOAD_CODEC_KEYS: generateCodecKey('2026-q4'),
      AUTH_JWKS_URL: 'https://login.example.gov/.well-known/jwks.json',
      AUDIT_SIGNING_KEY: Buffer.alloc(48, 7).toString('base64'),
    });
    expect(env.TEMPORAL_NAMESPACE).toBe('engine.a1b2c');
    expect(env.DATABASE_SSL_MODE).toBe('verify-full');
  });

  it('lists every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      TEMPORAL_TLS_CERT_FILE: pem,
      TEMPORAL_TLS_CA_FILE: path.join(dir, 'missing-ca.pem'),
      TEMPORAL_API_KEY: 'key-123',
      DATABASE_SSL_MODE: 'verify-everything',
      WORKER_HEALTH_PORT: 'eighty',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PAYLOAD_CODEC_KEYS: required in production/),
        expect.stringMatching(/^DATABASE_URL: required in production/),
        expect.stringMatching(/^TEMPORAL_TLS_CA_FILE: cannot read the file .*missing-ca\.pem/),
        expect.stringMatching(/^TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE: .*needs both/),
        expect.stringMatching(/^TEMPORAL_API_KEY: set either an API key or an mTLS/),
        expect.stringMatching(/^DATABASE_SSL_MODE: /),
        expect.stringMatching(/^WORKER_HEALTH_PORT: /),
        expect.stringMatching(/^AUTH_JWKS_URL or AUTH_PUBLIC_KEYS: one is required in production/),
        expect.stringMatching(/^AUDIT_SIGNING_KEY: required in production/),
      ]),
    );
    expect(problems).toHaveLength(9);
    expect(() => loadEnvironment({ NODE_ENV: 'production' })).toThrow(
      /^Invalid environment variables:\n {2}- /,
    );
  });

  it('takes the projection write timeout in its range only, naming the variable', () => {
    expect(loadEnvironment({}).PROJECTION_WRITE_TIMEOUT_MS).toBe(5_000);
    expect(
      loadEnvironment({ PROJECTION_WRITE_TIMEOUT_MS: '250' }).PROJECTION_WRITE_TIMEOUT_MS,
    ).toBe(250);
    for (const bad of ['99', '30001', '2.5', 'soon']) {
      expect(problemsOf({ PROJECTION_WRITE_TIMEOUT_MS: bad })).toEqual([
        expect.stringMatching(/^PROJECTION_WRITE_TIMEOUT_MS: /),
      ]);
    }
  });

  it('refuses TLS settings given both in DATABASE_URL and in DATABASE_SSL_MODE', () => {
    expect(
      problemsOf({
        DATABASE_URL: 'postgres://db.internal/engine?sslmode=verify-full',
        DATABASE_SSL_MODE: 'require',
      }),
    ).toEqual([expect.stringMatching(/^DATABASE_SSL_MODE: DATABASE_URL already sets sslmode/)]);
    expect(problemsOf({ DATABASE_SSL_MODE: 'verify-ca' })).toEqual([
      'DATABASE_CA_FILE: required with DATABASE_SSL_MODE=verify-ca',
    ]);
  });

  it('builds the Temporal connection: plaintext locally, mTLS or API key over TLS otherwise', () => {
    expect(temporalTarget(loadEnvironment({})).tls).toBeUndefined();

    const mtls = temporalTarget(
      loadEnvironment({
        TEMPORAL_TLS_CERT_FILE: pem,
        TEMPORAL_TLS_KEY_FILE: pem,
        TEMPORAL_TLS_CA_FILE: pem,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    expect(mtls.tls?.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(mtls.tls!.clientCertPair!.crt).toString()).toContain('BEGIN CERTIFICATE');
    expect(mtls.tls?.serverRootCACertificate).toBeDefined();
    expect(mtls.apiKey).toBeUndefined();

    const cloud = temporalTarget(loadEnvironment({ TEMPORAL_API_KEY: 'key-123' }));
    expect(cloud).toMatchObject({ tls: {}, apiKey: 'key-123' });
  });

  it('maps DATABASE_SSL_MODE to pg TLS options with libpq meanings', () => {
    expect(databaseSsl({})).toBeUndefined();
    expect(databaseSsl({ DATABASE_SSL_MODE: 'disable' })).toBe(false);
    expect(databaseSsl({ DATABASE_SSL_MODE: 'require' })).toEqual({ rejectUnauthorized: false });
    const full = databaseSsl({ DATABASE_SSL_MODE: 'verify-full', DATABASE_CA_FILE: pem });
    expect(full).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN') });
    expect(full).not.toHaveProperty('checkServerIdentity');
    const ca = databaseSsl({ DATABASE_SSL_MODE: 'verify-ca', DATABASE_CA_FILE: pem });
    expect(ca).toHaveProperty('checkServerIdentity');
  });
});

describe('proxy and webhook settings', () => {
  it('reads TRUST_PROXY as off, any, a hop count or a list, and refuses anything else', () => {
    const trust = (v?: string) =>
      trustProxy(loadEnvironment(v === undefined ? {} : { TRUST_PROXY: v }));
    expect(trust()).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8,192.168.1.7')).toBe('10.0.0.0/8,192.168.1.7');
    expect(() => trust('everyone')).toThrow(/TRUST_PROXY must be true, false, a hop count/);
  });

  it('lets webhooks reach private networks outside production only, unless configured', () => {
    expect(webhookPrivateNetworks(loadEnvironment({}))).toBe(true);
    expect(webhookPrivateNetworks(loadEnvironment({ WEBHOOK_PRIVATE_NETWORKS: 'false' }))).toBe(
      false,
    );
    // The rule alone (a whole production configuration is exercised above).
    const production = Object.assign(loadEnvironment({}), { NODE_ENV: 'production' as const });
    expect(webhookPrivateNetworks(production)).toBe(false);
    expect(webhookPrivateNetworks({ ...production, WEBHOOK_PRIVATE_NETWORKS: true })).toBe(true);
  });
});
