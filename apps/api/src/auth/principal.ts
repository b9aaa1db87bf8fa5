import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '@engine/persistence';

export const ROLES = [
  'developer',
  'agency-analyst',
  'agency-lead',
  'coordinator',
  'operator',
  'auditor',
] as const;
/**
 * - developer: submits reviews; sees its own reviews' status and final report only.
 * - agency-analyst / agency-lead: their agency's workstreams (leads also designate, ask for
 *   extensions and raise escalations).
 * - coordinator: every review, consolidation, extensions, determination.
 * - operator: operations (registry, calendar closures, codec, service accounts).
 * - auditor: the audit log, read only.
 */
export type Role = (typeof ROLES)[number];

export const AGENCY_ROLES: readonly Role[] = ['agency-analyst', 'agency-lead'];
export const AGENCY_CODE = /^[a-z][a-z0-9-]{1,30}$/;

/** Who is calling, established from a verified token or API key only, never from the body. */
export interface Principal {
  /** Subject: the user id (`sub`) or `service:<api key id>`. */
  sub: string;
  role: Role;
  /** Agency the principal acts for (agency roles only). */
  agency?: string;
  via: 'token' | 'api-key';
  /** Service accounts: the policy scopes the key may use. */
  scopes?: string[];
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The calling principal (set by the global AuthGuard; routes without one are public). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal on a route without authentication');
    return principal;
  },
);

/** The calling principal as the actor of an audit entry, with the request id. */
export const CurrentAuditActor = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuditActor => {
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('CurrentAuditActor on a route without authentication');
    return {
      id: request.principal.sub,
      role: request.principal.role,
      requestId: String(request.id),
    };
  },
);

/** The workflow's notion of an actor: id and agency, from the principal. */
export const actorOf = (p: Principal): { id: string; agency?: string } =>
  p.agency ? { id: p.sub, agency: p.agency } : { id: p.sub };
