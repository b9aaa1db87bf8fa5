import type { JWK } from 'jose';
import { generateDevSigningKey, signDevToken } from '../../apps/api/src/auth/dev-signing-key';
import type { Role } from '../../apps/api/src/auth/principal';

/** Where the test run's private signing key travels from the global setup to the test files. */
const SIGNING_KEY_VARIABLE = 'REVIEW_ENGINE_TEST_SIGNING_KEY';
export const TEST_ISSUER = 'https://login.test.invalid';
export const TEST_AUDIENCE = 'interagency-review-engine-test';

/**
 * Give this process (and the jest workers it forks) a signing key: the API verifies with
 * AUTH_PUBLIC_KEYS, tokenFor signs with the private half. Called by the global setup.
 */
export async function configureTestAuth(): Promise<void> {
  const key = await generateDevSigningKey('test-1');
  process.env.AUTH_PUBLIC_KEYS = JSON.stringify(key.jwks);
  process.env.AUTH_ISSUER = TEST_ISSUER;
  process.env.AUTH_AUDIENCE = TEST_AUDIENCE;
  process.env[SIGNING_KEY_VARIABLE] = JSON.stringify(key.privateJwk);
}

export interface TokenOptions {
  /** Agency code; required for agency-analyst and agency-lead. */
  agency?: string;
  /** Subject; `<role>@example.gov` (or `<role>@<agency>.example.gov`) by default. */
  sub?: string;
  issuer?: string;
  audience?: string;
  /** jose time span (`1h`) or an absolute epoch-seconds expiry (a past one for expired tokens). */
  expiresIn?: string | number;
  /** Sign with this key instead of the test run's (a key the API does not know). */
  privateJwk?: JWK;
}

/** A bearer token for `role`, signed with the test run's key unless told otherwise. */
export function tokenFor(role: Role, opts: TokenOptions = {}): Promise<string> {
  const raw = process.env[SIGNING_KEY_VARIABLE];
  if (!raw && !opts.privateJwk) {
    throw new Error(`${SIGNING_KEY_VARIABLE} is not set: call configureTestAuth() first`);
  }
  const sub =
    opts.sub ?? (opts.agency ? `${role}@${opts.agency}.example.gov` : `${role}@example.gov`);
  return signDevToken(
    opts.privateJwk ?? (JSON.parse(raw!) as JWK),
    { sub, role, agency: opts.agency },
    {
      issuer: opts.issuer ?? TEST_ISSUER,
      audience: opts.audience ?? TEST_AUDIENCE,
      expiresIn: opts.expiresIn,
    },
  );
}

export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});
