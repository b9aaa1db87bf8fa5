import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Role } from './principal';

/**
 * A local signing key and tokens for development and tests, where there is no identity provider:
 * `npm start` keeps one under .data/auth/ and prints a token per role; the tests make their own.
 * Production verifies the identity provider's tokens and never signs any.
 */
export interface DevSigningKey {
  privateJwk: JWK;
  /** The JWKS document for AUTH_PUBLIC_KEYS. */
  jwks: { keys: JWK[] };
}

export async function generateDevSigningKey(kid: string): Promise<DevSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const common = { kid, alg: 'EdDSA', use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...common },
    jwks: { keys: [{ ...(await exportJWK(publicKey)), ...common }] },
  };
}

export interface DevTokenClaims {
  sub: string;
  role: Role | string;
  agency?: string;
  name?: string;
}

export async function signDevToken(
  privateJwk: JWK,
  claims: DevTokenClaims,
  opts: { issuer: string; audience: string; expiresIn?: string | number },
): Promise<string> {
  const key = await importJWK(privateJwk, 'EdDSA');
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '12h')
    .sign(key);
}
