import { defineAssessmentStep, registerStepTypes, toActivity } from '../../libs/agency-sdk/src';
import { tokenFor } from '../support/auth';
import { ProtocolFactory, uniq } from '../support/factories';
import { apiClient } from '../support/http';
import { eventually, startHarness, type Harness } from '../support/harness';
import { expectRejected, startReview, stepOf, waitForState } from '../support/reviews';

/** Step registry, publication gate and queue liveness, against the real Temporal server. */
describe('step registry and agency liveness', () => {
  let h: Harness;
  let url: string;
  const api = apiClient(() => url, tokenFor('operator'));
  const get = async <T>(p: string) => (await (await api.get(p)).json()) as T;
  const coordinator = tokenFor('coordinator');
  const post = (p: string, body: unknown) => api.post(p, body, coordinator);

  beforeAll(async () => {
    h = await startHarness({ api: true });
    url = h.api!.url;
  });
  afterAll(() => h.close());

  const noop = (kind: string) =>
    defineAssessmentStep({
      kind,
      version: '2.1.0',
      description: 'scripted',
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object', required: ['riskLevel'] },
      run: async () => ({ riskLevel: 'low', summary: 'nothing found' }),
    });

  it('refuses to publish a protocol naming an unregistered step kind, until a worker registers it', async () => {
    const p = ProtocolFactory.singleAutomatedStep().build();
    const agency = p.workstreams[0].agency;
    expect((await post('/protocols/drafts', { definition: p })).status).toBe(201);

    const refused = await post(`/protocols/${p.key}/versions/1/publish`, {});
    expect(refused.status).toBe(422);
    expect(
      ((await refused.json()) as { errors: { field: string; message: string }[] }).errors,
    ).toEqual([
      {
        field: `workstreams.${agency}.steps[0].stepType`,
        message: `step kind "${agency}.scan" is not registered by any agency worker`,
      },
    ]);

    const kinds = await registerStepTypes({
      client: h.client,
      agency,
      steps: [noop(`${agency}.scan`)],
    });
    expect(kinds).toEqual([`${agency}.scan`]);
    const registry =
      await get<{ kind: string; agency: string; version: string; outputSchema: unknown }[]>(
        '/registry/step-types',
      );
    expect(registry.find((s) => s.kind === `${agency}.scan`)).toMatchObject({
      agency,
      version: '2.1.0',
      outputSchema: { type: 'object', required: ['riskLevel'] },
    });
    expect((await post(`/protocols/${p.key}/versions/1/publish`, {})).status).toBe(200);

    // A kind belongs to the agency it is named after.
    const other = `o${uniq()}`;
    await expectRejected(
      registerStepTypes({ client: h.client, agency: other, steps: [noop(`${agency}.scan`)] }),
      /must be named/,
    );
  });

  it('reports pollers per agency queue, and flags and escalates a step nobody picks up', async () => {
    const p = ProtocolFactory.singleAutomatedStep(undefined, {
      noPollerTimeout: 'PT2S',
      startToCloseTimeout: 'PT30S',
    }).build();
    const agency = p.workstreams[0].agency;

    expect(await get<{ live: boolean }>(`/registry/queues/${agency}`)).toMatchObject({
      taskQueue: `agency-${agency}`,
      live: false,
      pollers: [],
    });
    expect((await api.get('/registry/queues/NOT_AN_AGENCY')).status).toBe(400);

    const r = await startReview(h.client, p);
    const stalled = await waitForState(
      r,
      (s) => stepOf(s, agency, 'scan').stalled === true,
      'the step to be flagged as stalled',
      20_000,
    );
    expect(stalled.escalations.map((e) => e.trigger)).toContain('no_poller');
    expect(stepOf(stalled, agency, 'scan').failure).toMatch(/no worker on agency-/);

    await h.addAgencyWorker(agency, { [`${agency}.scan`]: toActivity(noop(`${agency}.scan`)) });
    const live = await eventually(async () => {
      const q = await get<{ live: boolean; pollers: unknown[] }>(`/registry/queues/${agency}`);
      return q.live ? q : undefined;
    }, 'a poller on the queue');
    expect(live.pollers.length).toBeGreaterThan(0);
    const final = await r.result();
    expect(final.closure!.reason).toBe('completed');
    expect(stepOf(final, agency, 'scan')).toMatchObject({ status: 'done' });
  }, 60_000);
});
