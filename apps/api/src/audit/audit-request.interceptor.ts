import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/principal';
import { policyFor } from '../auth/policy';
import { AuditService } from './audit.service';

const AUDITED_WITH_CHANGE = 'auditedWithChange';
/**
 * Marks a route whose request travels with the state change it causes (a `RequestRef` in the
 * Update) and is audited with it, in the review's order, by the projection: no entry of its own.
 */
export const AuditedWithChange = () => SetMetadata(AUDITED_WITH_CHANGE, true);

/**
 * Audits every accepted write request: who (subject and role from the token), what (the policy
 * scope), which object, why (the reason, justification or rationale given) and the request id.
 * The state change itself is audited again, in order, by the review's projection.
 */
@Injectable()
export class AuditRequestInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    if (request.method === 'GET' || !principal) return next.handle();
    if (this.reflector.get<boolean>(AUDITED_WITH_CHANGE, context.getHandler()))
      return next.handle();
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
