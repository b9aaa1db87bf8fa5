import { Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { Principal } from './principal';

/** The throttler of tier one (per client address, before authentication). */
export const CLIENT_THROTTLER = 'client';
/** The throttler of tier two (per principal, after authentication): the `default` one. */
export const PRINCIPAL_THROTTLER = 'default';

/**
 * Tier one, before any authentication work: a ceiling per client address (the real client's
 * behind a proxy, see TRUST_PROXY), so a flood of bad credentials is refused cheaply.
 */
@Injectable()
export class ClientRateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    return request.throttler.name === CLIENT_THROTTLER ? super.handleRequest(request) : true;
  }

  /** `Retry-After`, not `Retry-After-client`: clients know the standard header. */
  protected override setResponseHeader(
    res: Record<string, unknown>,
    name: string,
    value: string | number,
  ): void {
    super.setResponseHeader(res, name.replace(`-${CLIENT_THROTTLER}`, ''), value);
  }
}

/**
 * Tier two, once the caller is known: a budget per principal, so users behind one address (an
 * agency's gateway) do not share one, and one user cannot spend another's. Anonymous requests
 * (public routes) count per client address.
 */
@Injectable()
export class PrincipalRateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    return request.throttler.name === PRINCIPAL_THROTTLER ? super.handleRequest(request) : true;
  }
}

/** The principal's subject, set by the AuthGuard; else the client address. */
export function principalTracker(req: Record<string, unknown>): Promise<string> {
  const principal = req.principal as Principal | undefined;
  return Promise.resolve(principal ? `principal:${principal.sub}` : `ip:${String(req.ip)}`);
}
