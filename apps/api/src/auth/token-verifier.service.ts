import { Injectable, Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { environment } from '@engine/config/environment';
import { AGENCY_CODE, AGENCY_ROLES, ROLES, type Principal, type Role } from './principal';

/** Only asymmetric algorithms: `none` and shared-secret HMAC tokens are refused. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'EdDSA'];

type KeySet = Parameters<typeof jwtVerify>[1];

/** Why a token was refused, in words safe to return to the caller and to audit. */
export class TokenRefusedError extends Error {}

/**
 * Verifies bearer JWTs against the configured public keys (AUTH_PUBLIC_KEYS, a JWKS document)
 * and/or the identity provider's JWKS URL: signature, issuer, audience, expiry; then reads the
 * engine's claims: `sub`, `role` and, for agency roles, `agency`.
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly keySets: KeySet[] = [];

  constructor() {
    const env = environment();
    if (env.AUTH_PUBLIC_KEYS) {
      this.keySets.push(createLocalJWKSet(JSON.parse(env.AUTH_PUBLIC_KEYS) as JSONWebKeySet));
    }
    if (env.AUTH_JWKS_URL) this.keySets.push(createRemoteJWKSet(new URL(env.AUTH_JWKS_URL)));
    if (this.keySets.length === 0) {
      this.logger.warn('no AUTH_PUBLIC_KEYS or AUTH_JWKS_URL: every bearer token is refused');
    }
  }

  async verify(token: string): Promise<Principal> {
    const env = environment();
    let payload: JWTPayload | undefined;
    let lastError: unknown = new TokenRefusedError('no verification keys are configured');
    for (const keys of this.keySets) {
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: env.AUTH_ISSUER,
          audience: env.AUTH_AUDIENCE,
          algorithms: ACCEPTED_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
        }));
        break;
      } catch (err) {
        lastError = err;
        if (!(err instanceof errors.JWKSNoMatchingKey)) break;
      }
    }
    if (!payload) throw new TokenRefusedError(refusal(lastError));
    return principalOf(payload);
  }
}

function refusal(err: unknown): string {
  if (err instanceof TokenRefusedError) return err.message;
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    return `the token's ${err.claim} claim is not accepted`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return `the token's algorithm is not accepted (only ${ACCEPTED_ALGORITHMS.join(', ')})`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return 'the token signature does not verify';
  }
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token was signed by an unknown key';
  return 'the token is malformed';
}

function principalOf(payload: JWTPayload): Principal {
  const role = payload.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new TokenRefusedError(`the token's role claim must be one of ${ROLES.join(', ')}`);
  }
  const agency = payload.agency;
  if (AGENCY_ROLES.includes(role as Role)) {
    if (typeof agency !== 'string' || !AGENCY_CODE.test(agency)) {
      throw new TokenRefusedError(`a ${role} token needs an agency claim such as caisi`);
    }
  }
  return {
    sub: payload.sub!,
    role: role as Role,
    agency: AGENCY_ROLES.includes(role as Role) ? (agency as string) : undefined,
    via: 'token',
  };
}
