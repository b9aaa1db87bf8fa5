import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { AuditService } from '../audit/audit.service';
import { AccessService } from './access.service';
import { API_KEY_PREFIX, ApiKeyService } from './api-key.service';
import { policyFor } from './policy';
import type { AuthenticatedRequest, Principal } from './principal';
import { TokenRefusedError, TokenVerifier } from './token-verifier.service';

/**
 * The one gate of every route: finds the route's row in the policy table (none = refused),
 * authenticates the bearer token or API key (identity comes from nowhere else: bodies and
 * forwarded headers are not read), and checks role, scope and object rules. Every refusal is
 * audited with the request id.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly apiKeys: ApiKeyService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const route = request.routeOptions.url;
    const policy = policyFor(request.method, route);
    if (policy?.public) return true;
    const principal = await this.authenticate(request);
    request.principal = principal;
    const decision = policy
      ? await this.access.decide(policy, principal, {
          params: request.params as Record<string, string | undefined>,
          body: request.body,
        })
      : ({ allowed: false, reason: 'the route has no access policy' } as const);
    if (!policy) this.logger.error(`no policy for ${request.method} ${route}: refused`);
    if (decision.allowed) return true;
    await this.audit.record({
      actor: principal.sub,
      role: principal.role,
      action: 'authorization_denied',
      target: `${request.method} ${request.url}`,
      justification: decision.reason,
      requestId: String(request.id),
      details: { route: `${request.method} ${route}`, agency: principal.agency ?? null },
    });
    throw new DomainException(
      DomainExceptionCode.FORBIDDEN,
      `forbidden: ${request.method} ${route} is not allowed for this caller`,
    );
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    let refusal = 'no bearer token';
    if (match) {
      const credential = match[1];
      try {
        if (credential.startsWith(API_KEY_PREFIX)) {
          const principal = await this.apiKeys.authenticate(credential);
          if (principal) return principal;
          refusal = 'unknown or revoked API key';
        } else {
          return await this.tokens.verify(credential);
        }
      } catch (err) {
        if (!(err instanceof TokenRefusedError)) throw err;
        refusal = err.message;
      }
    }
    await this.audit.record({
      actor: 'anonymous',
      role: null,
      action: 'authentication_failed',
      target: `${request.method} ${request.url}`,
      justification: refusal,
      requestId: String(request.id),
      details: { ip: request.ip, presented: match ? 'credential' : 'none' },
    });
    throw new DomainException(
      DomainExceptionCode.UNAUTHENTICATED,
      `authentication required: ${refusal}`,
    );
  }
}
