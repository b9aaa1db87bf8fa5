import { AccessService } from '../../apps/api/src/auth/access.service';
import {
  POLICY,
  policyFor,
  type ObjectRule,
  type RoutePolicy,
} from '../../apps/api/src/auth/policy';
import { ROLES, type Principal, type Role } from '../../apps/api/src/auth/principal';
import { tokenFor } from '../support/auth';
import { IntakeFactory, ProtocolFactory, uniq } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { apiClient } from '../support/http';

/**
 * Generated from the policy table (apps/api/src/auth/policy.ts): every role against every route,
 * allowed or refused, and for object-level rules both the caller's own object and someone
 * else's (another developer's review, an agency with no part in it, a finding or extension for
 * another agency, another agency's inbox). Allowed calls carry a body the validation pipe refuses,
 * so passing the gate shows as 400 and nothing changes; refusals are 403 and audited.
 */
describe('authorization matrix (generated from the policy table)', () => {
  let h: Harness;
  let url: string;
  const tag = uniq();
  const agencyA = `a${tag}`; // has a workstream in the review
  const agencyB = `b${tag}`; // has one too
  const agencyC = `c${tag}`; // has none
  const protocol = ProtocolFactory.singleStep(agencyA).withAgency(agencyB).build();
  const owner = `dev-${tag}@lab.example.com`;
  const api = apiClient(() => url);
  let reviewId: string;
  const denials: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    const res = await api.post(
      '/reviews',
      IntakeFactory.body({ protocolKey: protocol.key }),
      tokenFor('developer', { sub: owner }),
    );
    expect(res.status).toBe(201);
    reviewId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await api.post(`/reviews/${reviewId}/withdraw`, { reason: 'matrix done' });
    await h.close();
  });

  interface Caller {
    label: string;
    token: Promise<string>;
    agency?: string;
  }
  const callerFor = (role: Role, agency = agencyA, sub?: string): Caller => ({
    label: `${role}${agency && role.startsWith('agency') ? ` of ${agency}` : ''}`,
    token: tokenFor(role, role.startsWith('agency') ? { agency, sub } : { sub }),
    agency: role.startsWith('agency') ? agency : undefined,
  });
  const own = (role: Role): Caller =>
    role === 'developer' ? callerFor(role, undefined, owner) : callerFor(role);

  /** Someone the object rule must refuse, and what they send, for each object-level rule. */
  const foreign: Partial<Record<ObjectRule, (role: Role) => { caller: Caller; body?: object }>> = {
    'own-review': (role) => ({
      caller: callerFor(role, undefined, `other-${tag}@lab.example.com`),
    }),
    'review-agency': (role) => ({ caller: callerFor(role, agencyC) }),
    // Agency B is in the review but may not write agency A's finding (IDOR by agency).
    'finding-agency': (role) => ({ caller: callerFor(role, agencyB), body: { agency: agencyA } }),
    'deadline-agency': (role) => ({
      caller: callerFor(role, agencyB),
      body: { deadlineId: `step:${agencyA}:review` },
    }),
    'path-agency': (role) => ({ caller: callerFor(role, agencyB), body: undefined }),
  };

  const pathFor = (route: string, caller: Caller, pathAgency?: string) =>
    route
      .replace(':id', reviewId)
      .replace(':agency', pathAgency ?? caller.agency ?? agencyA)
      .replace(':key', protocol.key)
      .replace(':version', '1')
      .replace(/:\w+/g, 'x');

  const call = async (key: string, caller: Caller, body: object = {}, pathAgency?: string) => {
    const [method, route] = key.split(' ');
    const path = pathFor(route, caller, pathAgency);
    // An unknown property: the validation pipe refuses it (400) once the guard has let it by.
    const probe = { ...body, matrixProbe: true };
    const res =
      method === 'GET'
        ? await api.get(path, caller.token)
        : method === 'PUT'
          ? await api.put(path, probe, caller.token)
          : await api.post(path, probe, caller.token);
    const text = await res.text();
    if (res.status === 403) denials.push(res.headers.get('x-request-id')!);
    return { status: res.status, text };
  };

  const routes = Object.entries(POLICY as Record<string, RoutePolicy>).filter(([, p]) => !p.public);

  describe.each(routes)('%s', (key, policy) => {
    it.each([...ROLES])('%s', async (role) => {
      const rule = policy.allow[role];
      const res = await call(key, own(role));
      if (!rule) {
        expect(res.status).toBe(403);
        return;
      }
      // Allowed: past the gate (a 400 from validation, or the endpoint's own answer).
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
      const other = foreign[rule]?.(role);
      if (other) {
        const pathAgency = rule === 'path-agency' ? agencyB : undefined;
        const refused = await call(
          key,
          rule === 'path-agency' ? own(role) : other.caller,
          other.body,
          pathAgency,
        );
        expect(refused.status).toBe(403);
      }
    });
  });

  it('covers every route the API serves (the OpenAPI document), and no other', async () => {
    const doc = (await (await api.get('/docs-json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(served.sort()).toEqual(Object.keys(POLICY).sort());
  });

  it('audits every refusal with the request id', async () => {
    expect(denials.length).toBeGreaterThan(50);
    const rows: { request_id: string; actor: string; role: string }[] = await h.db.query(
      `SELECT request_id, actor, role FROM audit_log
       WHERE action = 'authorization_denied' AND request_id = ANY($1)`,
      [denials],
    );
    expect(new Set(rows.map((r) => r.request_id))).toEqual(new Set(denials));
    expect(rows.every((r) => r.actor && r.role)).toBe(true);
  });

  it('lists only what each caller may see', async () => {
    const ids = async (token: Promise<string>) =>
      (
        (await (await api.get(`/reviews?limit=200`, token)).json()) as { items: { id: string }[] }
      ).items.map((i) => i.id);
    expect(await ids(own('developer').token)).toContain(reviewId);
    expect(await ids(tokenFor('developer', { sub: `other-${tag}@lab.example.com` }))).not.toContain(
      reviewId,
    );
    expect(await ids(callerFor('agency-analyst', agencyB).token)).toContain(reviewId);
    expect(await ids(callerFor('agency-analyst', agencyC).token)).not.toContain(reviewId);
    expect(await ids(own('coordinator').token)).toContain(reviewId);
  });

  it('asks PostgreSQL for an object grant once, and for a refusal every time', async () => {
    // The policy's object facts (a review's submitter, its workstreams' agencies) never change
    // once true, so the guard remembers the grants; a refusal may be a review not projected yet.
    const access = new AccessService(h.db);
    const asked = jest.spyOn(h.db, 'query');
    const decide = async (route: string, principal: Principal) => {
      const [method, path] = route.split(' ');
      const request = { params: { id: reviewId }, body: {} };
      return (await access.decide(policyFor(method, path)!, principal, request)).allowed;
    };
    const analyst = (agency: string): Principal => ({
      sub: `analyst@${agency}.example.gov`,
      role: 'agency-analyst',
      agency,
      via: 'token',
    });
    const developer = (sub: string): Principal => ({ sub, role: 'developer', via: 'token' });
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(
          await decide('GET /reviews/:id', analyst(agencyA)),
          await decide('GET /reviews/:id', analyst(agencyC)),
          await decide('POST /reviews/:id/withdraw', developer(owner)),
          await decide('POST /reviews/:id/withdraw', developer(`other-${tag}@lab.example.com`)),
        );
      }
      // The submitter and agency A are let in every time; the stranger and agency C never.
      const round = [true, false, true, false];
      expect(answers).toEqual([...round, ...round, ...round]);
      // Two grants asked once each; two refusals asked all three times. (The harness's core
      // worker shares the DataSource: only the policy's own queries are counted.)
      const policyQueries = asked.mock.calls.filter(([sql]) =>
        /FROM review_(submitters|workstreams)/.test(sql),
      );
      expect(policyQueries).toHaveLength(2 + 2 * 3);
    } finally {
      asked.mockRestore();
    }
  });
});
