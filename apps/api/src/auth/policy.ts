import { ROLES, type Role } from './principal';

/**
 * How a role that may use a route is further limited to particular objects:
 * - `any`: every object.
 * - `filtered`: allowed; the service narrows what it returns to what the principal may see.
 * - `own-review`: the review `:id` was submitted by the principal.
 * - `review-agency`: the principal's agency has a workstream in review `:id`.
 * - `finding-agency`: as `review-agency`, and the finding is for the principal's own agency.
 * - `deadline-agency`: as `review-agency`, and the deadline is one of the agency's own steps.
 * - `path-agency`: the `:agency` in the path is the principal's agency.
 */
export type ObjectRule =
  | 'any'
  | 'filtered'
  | 'own-review'
  | 'review-agency'
  | 'finding-agency'
  | 'deadline-agency'
  | 'path-agency';

export interface RoutePolicy {
  /** What an API key must hold to use the route (service accounts). */
  scope: string;
  /** The roles that may call the route, each with its object-level rule. Absent = denied. */
  allow: Partial<Record<Role, ObjectRule>>;
  /** No authentication at all (health). */
  public?: true;
}

const everyone = (rule: ObjectRule = 'any'): Partial<Record<Role, ObjectRule>> =>
  Object.fromEntries(ROLES.map((r) => [r, rule]));

/**
 * THE access policy: every route of the API, keyed `METHOD /path` as Fastify routes it, with who
 * may call it. The global AuthGuard enforces it (a route missing here is refused), and
 * test/integration/authorization-matrix.test.ts is generated from it.
 */
export const POLICY = {
  // Probes for orchestrators and load balancers: no authentication, no review data.
  'GET /health': { scope: 'health:read', allow: {}, public: true },
  'GET /health/live': { scope: 'health:read', allow: {}, public: true },
  'GET /health/ready': { scope: 'health:read', allow: {}, public: true },
  // Aggregate counts only, but still operational detail: operators (a scraper uses an operator
  // service account's API key with this scope).
  'GET /metrics': { scope: 'metrics:read', allow: { operator: 'any' } },
  'GET /auth/me': { scope: 'auth:whoami', allow: everyone() },

  // Reviews
  'POST /reviews': { scope: 'reviews:create', allow: { developer: 'any', coordinator: 'any' } },
  'GET /reviews': {
    scope: 'reviews:read',
    allow: {
      developer: 'filtered',
      'agency-analyst': 'filtered',
      'agency-lead': 'filtered',
      coordinator: 'any',
    },
  },
  'GET /reviews/:id': {
    scope: 'reviews:read',
    allow: {
      developer: 'own-review',
      'agency-analyst': 'review-agency',
      'agency-lead': 'review-agency',
      coordinator: 'any',
    },
  },
  'GET /reviews.csv': { scope: 'reviews:export', allow: { coordinator: 'any' } },
  'POST /reviews/:id/findings': {
    scope: 'findings:submit',
    allow: { 'agency-analyst': 'finding-agency', 'agency-lead': 'finding-agency' },
  },
  'POST /reviews/:id/intake/accept': { scope: 'intake:decide', allow: { coordinator: 'any' } },
  'POST /reviews/:id/information-requests': {
    scope: 'information:request',
    allow: { coordinator: 'any' },
  },
  'POST /reviews/:id/information-requests/:requestId/answer': {
    scope: 'information:answer',
    allow: { developer: 'own-review' },
  },
  'POST /reviews/:id/designation': {
    scope: 'designation:decide',
    allow: { 'agency-lead': 'review-agency' },
  },
  'POST /reviews/:id/extensions': {
    scope: 'extensions:request',
    allow: { 'agency-lead': 'deadline-agency', coordinator: 'any' },
  },
  'POST /reviews/:id/extensions/:extensionId/decision': {
    scope: 'extensions:decide',
    allow: { coordinator: 'any' },
  },
  'POST /reviews/:id/clock-stops': { scope: 'clocks:manage', allow: { coordinator: 'any' } },
  'POST /reviews/:id/clock-resumptions': { scope: 'clocks:manage', allow: { coordinator: 'any' } },
  'POST /reviews/:id/escalations': {
    scope: 'escalations:raise',
    allow: { 'agency-lead': 'review-agency', coordinator: 'any' },
  },
  'POST /reviews/:id/escalations/:escalationId/acknowledge': {
    scope: 'escalations:acknowledge',
    allow: { 'agency-lead': 'review-agency', coordinator: 'any' },
  },
  'POST /reviews/:id/consolidation/decisions': {
    scope: 'consolidation:decide',
    allow: { coordinator: 'any' },
  },
  'POST /reviews/:id/determination': {
    scope: 'determination:issue',
    allow: { coordinator: 'any' },
  },
  'POST /reviews/:id/release-date': {
    scope: 'reviews:release-date',
    allow: { developer: 'own-review', coordinator: 'any' },
  },
  'POST /reviews/:id/withdraw': {
    scope: 'reviews:withdraw',
    allow: { developer: 'own-review', coordinator: 'any' },
  },

  // Coordinator views and agency inboxes
  'GET /agencies': {
    scope: 'agencies:read',
    allow: { 'agency-analyst': 'any', 'agency-lead': 'any', coordinator: 'any', operator: 'any' },
  },
  'GET /agencies/:agency/inbox': {
    scope: 'inbox:read',
    allow: { 'agency-analyst': 'path-agency', 'agency-lead': 'path-agency', coordinator: 'any' },
  },
  'GET /escalations': { scope: 'escalations:read', allow: { coordinator: 'any' } },
  'GET /deadlines': { scope: 'deadlines:read', allow: { coordinator: 'any' } },
  'GET /summary': { scope: 'summary:read', allow: { coordinator: 'any' } },

  // Protocols
  'GET /protocols': { scope: 'protocols:read', allow: everyone() },
  'GET /protocols/:key/versions/:version': { scope: 'protocols:read', allow: everyone() },
  'POST /protocols/validate': {
    scope: 'protocols:write',
    allow: { coordinator: 'any', operator: 'any' },
  },
  'POST /protocols/drafts': { scope: 'protocols:write', allow: { coordinator: 'any' } },
  'POST /protocols/:key/versions/:version/publish': {
    scope: 'protocols:publish',
    allow: { coordinator: 'any' },
  },

  // Operations
  'GET /registry/step-types': {
    scope: 'registry:read',
    allow: { operator: 'any', coordinator: 'any' },
  },
  'GET /registry/queues': {
    scope: 'registry:read',
    allow: { operator: 'any', coordinator: 'any' },
  },
  'GET /registry/queues/:agency': {
    scope: 'registry:read',
    allow: {
      operator: 'any',
      coordinator: 'any',
      'agency-analyst': 'path-agency',
      'agency-lead': 'path-agency',
    },
  },
  'GET /calendar': { scope: 'calendar:read', allow: everyone() },
  'POST /calendar/closures': {
    scope: 'calendar:write',
    allow: { operator: 'any', coordinator: 'any' },
  },
  'POST /codec/encode': { scope: 'codec:use', allow: { operator: 'any' } },
  'POST /codec/decode': { scope: 'codec:use', allow: { operator: 'any' } },
  'GET /service-accounts': { scope: 'service-accounts:manage', allow: { operator: 'any' } },
  'POST /service-accounts': { scope: 'service-accounts:manage', allow: { operator: 'any' } },
  'POST /service-accounts/:id/revoke': {
    scope: 'service-accounts:manage',
    allow: { operator: 'any' },
  },

  // Operators: stuck reviews, replay, repairs and the two-person rule (docs/operations.md)
  'GET /ops/stuck': { scope: 'ops:read', allow: { operator: 'any' } },
  'GET /ops/workflows': { scope: 'ops:read', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/replay': { scope: 'ops:replay', allow: { operator: 'any' } },
  'POST /ops/replay': { scope: 'ops:replay', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/reset/plan': { scope: 'ops:read', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/reset': { scope: 'ops:repair', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/activities/:action': { scope: 'ops:repair', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/steps/:agency/:stepId/retry': {
    scope: 'ops:repair',
    allow: { operator: 'any' },
  },
  'POST /ops/reviews/:id/steps/:agency/:stepId/reassign': {
    scope: 'ops:repair',
    allow: { operator: 'any' },
  },
  'POST /ops/reviews/:id/steps/:agency/:stepId/skip': {
    scope: 'ops:repair',
    allow: { operator: 'any' },
  },
  'POST /ops/reviews/:id/escalate': { scope: 'ops:repair', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/rebuild': { scope: 'ops:repair', allow: { operator: 'any' } },
  'POST /ops/reviews/:id/terminate': { scope: 'ops:repair', allow: { operator: 'any' } },
  'POST /ops/batch': { scope: 'ops:repair', allow: { operator: 'any' } },
  'GET /ops/requests': { scope: 'ops:read', allow: { operator: 'any' } },
  'GET /ops/requests/:id': { scope: 'ops:read', allow: { operator: 'any' } },
  'POST /ops/requests/:id/approve': { scope: 'ops:approve', allow: { operator: 'any' } },
  'POST /ops/requests/:id/reject': { scope: 'ops:approve', allow: { operator: 'any' } },

  // Notifications: each user their own email preference; an agency lead its agency's
  // recipients and webhook; coordinators every agency's.
  'GET /notifications/me': { scope: 'notifications:self', allow: everyone() },
  'PUT /notifications/me': { scope: 'notifications:self', allow: everyone() },
  'GET /notifications/agencies/:agency': {
    scope: 'notifications:manage',
    allow: { 'agency-lead': 'path-agency', coordinator: 'any' },
  },
  'PUT /notifications/agencies/:agency': {
    scope: 'notifications:manage',
    allow: { 'agency-lead': 'path-agency', coordinator: 'any' },
  },

  // Audit
  'GET /audit': { scope: 'audit:read', allow: { auditor: 'any' } },
  'GET /audit/verify': { scope: 'audit:verify', allow: { auditor: 'any' } },
  'GET /audit/checkpoints': { scope: 'audit:read', allow: { auditor: 'any' } },
  'POST /audit/checkpoints': {
    scope: 'audit:checkpoint',
    allow: { auditor: 'any', operator: 'any' },
  },
} satisfies Record<string, RoutePolicy>;

export type RouteKey = keyof typeof POLICY;

/** Every scope an API key may be given. */
export const SCOPES = [...new Set(Object.values(POLICY).map((p: RoutePolicy) => p.scope))].sort();

export function policyFor(method: string, url: string | undefined): RoutePolicy | undefined {
  // Fastify answers HEAD for every GET route: the same rule applies.
  const verb = method === 'HEAD' ? 'GET' : method;
  return url ? (POLICY as Record<string, RoutePolicy>)[`${verb} ${url}`] : undefined;
}
