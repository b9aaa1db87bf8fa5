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

/**
 * How long a verified token is taken on trust before its signature is checked again (never past
 * its expiry). Short next to the remote key set's own cache (jose keeps a fetched JWKS for up to
 * 10 minutes): a key the identity provider withdraws keeps working at most this much longer.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** At most this many verified tokens are remembered; the oldest are forgotten first. */
export const VERIFIED_TOKEN_CACHE_SIZE = 5_000;

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
  /**
   * Tokens verified in the last VERIFIED_TOKEN_TTL_MS, by their exact text: a client sends the
   * same token with every request, and its signature check (an asynchronous WebCrypto call) was
   * a measurable part of each request's latency on a busy event loop.
   */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

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
    const now = Date.now();
    const known = this.verified.get(token);
    if (known && known.until > now) return { ...known.principal };
    if (known) this.verified.delete(token);
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
    const principal = principalOf(payload);
    this.remember(token, principal, Math.min(payload.exp! * 1000, now + VERIFIED_TOKEN_TTL_MS));
    return { ...principal };
  }

  private remember(token: string, principal: Principal, until: number): void {
    // The oldest entry goes first (a Map iterates in insertion order); entries expire within
    // VERIFIED_TOKEN_TTL_MS of insertion anyway.
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, { principal, until });
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
