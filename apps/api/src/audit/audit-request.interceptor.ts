import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, mergeMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/principal';
import { policyFor } from '../auth/policy';
import { AuditService } from './audit.service';

/**
 * Audits every accepted write request: who (subject and role from the token), what (the policy
 * scope), which object, why (the reason, justification or rationale given) and the request id.
 * The state change itself is audited again, in order, by the review's projection.
 */
@Injectable()
export class AuditRequestInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    if (request.method === 'GET' || !principal) return next.handle();
    const route = request.routeOptions.url;
    const params = request.params as Record<string, string | undefined>;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const why = [body.reason, body.justification, body.rationale].find(
      (v): v is string => typeof v === 'string',
    );
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        from(
          this.audit
            .record({
              actor: principal.sub,
              role: principal.role,
              action: `request:${policyFor(request.method, route)?.scope ?? 'unknown'}`,
              target:
                route?.startsWith('/reviews/:id') && params.id
                  ? `review:${params.id}`
                  : request.url,
              justification: why ?? null,
              requestId: String(request.id),
              details: {
                route: `${request.method} ${route}`,
                ...(principal.agency ? { agency: principal.agency } : {}),
                via: principal.via,
              },
            })
            .then(() => result),
        ),
      ),
    );
  }
}
