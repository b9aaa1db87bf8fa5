import { POLICY, policyFor, SCOPES, type ObjectRule, type RoutePolicy } from './policy';
import { AGENCY_ROLES, type Role } from './principal';

const rows = Object.entries(POLICY as Record<string, RoutePolicy>);

/** Rules that only make sense for some roles: an agency rule needs an agency in the token. */
const RULE_ROLES: Partial<Record<ObjectRule, readonly Role[]>> = {
  'own-review': ['developer'],
  'review-agency': AGENCY_ROLES,
  'finding-agency': AGENCY_ROLES,
  'deadline-agency': AGENCY_ROLES,
  'path-agency': AGENCY_ROLES,
};

describe('the policy table', () => {
  it('keys every route as METHOD /path, public or with at least one role', () => {
    for (const [key, policy] of rows) {
      expect(key).toMatch(/^(GET|POST|PUT) \/[\w\-./:]*$/);
      expect(policy.public || Object.keys(policy.allow).length > 0).toBe(true);
      expect(policy.scope).toMatch(/^[a-z-]+:[a-z-]+$/);
    }
    expect(rows.filter(([, p]) => p.public).map(([k]) => k)).toEqual([
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
    ]);
  });

  it('gives object rules only to roles that can satisfy them', () => {
    for (const [key, policy] of rows) {
      for (const [role, rule] of Object.entries(policy.allow)) {
        const allowed = RULE_ROLES[rule];
        if (allowed)
          expect({ key, role, ok: allowed.includes(role as Role) }).toEqual({
            key,
            role,
            ok: true,
          });
      }
    }
  });

  it('keeps the auditor read-only and agency internals away from developers', () => {
    for (const [key, policy] of rows) {
      if (policy.allow.auditor && key.startsWith('POST '))
        expect(key).toBe('POST /audit/checkpoints');
    }
    expect(POLICY['GET /agencies/:agency/inbox'].allow).not.toHaveProperty('developer');
    expect(POLICY['GET /reviews.csv'].allow).not.toHaveProperty('developer');
    expect(POLICY['POST /reviews/:id/findings'].allow).not.toHaveProperty('developer');
  });

  it('finds a row by method and route, HEAD as GET', () => {
    expect(policyFor('GET', '/reviews/:id')).toBe(POLICY['GET /reviews/:id']);
    expect(policyFor('HEAD', '/reviews/:id')).toBe(POLICY['GET /reviews/:id']);
    expect(policyFor('DELETE', '/reviews/:id')).toBeUndefined();
    expect(policyFor('GET', undefined)).toBeUndefined();
    expect(SCOPES).toContain('findings:submit');
  });
});
