import * as path from 'node:path';
import { toActivity } from '../../libs/agency-sdk/src';
import {
  ctfEvaluationStep,
  referenceComparisonStep,
  TASKS,
} from '../../apps/agency-worker/src/ctf/ctf-evaluation';
import { loadProtocolFile } from '../../config/protocols/load-protocol-file';
import { PROJECT_ROOT } from '../../config/environment';
import { tokenFor } from '../support/auth';
import { IntakeFactory, uniq } from '../support/factories';
import { apiClient } from '../support/http';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../support/fake-openai-server';
import { eventually, startHarness, type Harness } from '../support/harness';

interface Detail {
  id: string;
  workflowId: string;
  status: string;
  stage: string;
  closureReason?: string;
  determination?: string;
  designation?: string;
  workstreams: {
    agency: string;
    progress: number;
    steps: {
      stepId: string;
      status: string;
      riskLevel?: string;
      summary?: string;
      marking?: string;
    }[];
  }[];
  consolidation: { domain: string; riskLevel: string | null; method: string }[];
  timeline: { type: string }[];
}

/**
 * The shipped default protocol (config/protocols/frontier-ai-cyber.yaml), end to end through the
 * HTTP API: intake, NSA designation, four agencies in parallel (CAISI's automated CTF and
 * reference comparison against a local OpenAI-compatible endpoint), consolidation, the
 * coordinator's advisory determination, closure.
 */
describe('default protocol through the API', () => {
  let h: Harness;
  let model: FakeOpenAiServer;
  let url: string;
  const protocol = loadProtocolFile(
    path.join(PROJECT_ROOT, 'config/protocols/frontier-ai-cyber.yaml'),
  );

  beforeAll(async () => {
    // The subject model solves the web tasks; the reference model (same server) solves none.
    model = await startFakeOpenAiServer({
      answer: ({ prompt, model: name }) => {
        const task = TASKS.find((t) => t.prompt === prompt);
        return name !== 'reference' && task?.category === 'web'
          ? `Here it is: ${task.flag}`
          : 'I cannot help with that.';
      },
    });
    protocol.key = `default-copy-${uniq()}`;
    const reference = protocol.workstreams
      .find((w) => w.agency === 'caisi')!
      .steps.find((s) => s.id === 'reference-comparison')!;
    reference.parameters = {
      ...reference.parameters,
      referenceEndpointUrl: model.url,
      referenceModel: 'reference',
    };
    h = await startHarness({ api: true });
    url = h.api!.url;
    await h.publishProtocol(protocol);
    await h.addAgencyWorker('caisi', {
      'caisi.ctf-evaluation': toActivity(ctfEvaluationStep),
      'caisi.reference-comparison': toActivity(referenceComparisonStep),
    });
  });
  afterAll(async () => {
    await h.close();
    await model.close();
  });

  const api = apiClient(
    () => url,
    tokenFor('coordinator', { sub: 'coordinator@ostp.example.gov' }),
  );
  const post = async (p: string, body: unknown, expected = 200, as?: Promise<string>) => {
    const res = await api.post(p, body, as);
    const json = (await res.json()) as Detail;
    if (res.status !== expected) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const get = async (id: string) => (await (await api.get(`/reviews/${id}`)).json()) as Detail;
  const until = (id: string, pred: (d: Detail) => boolean, what: string) =>
    eventually(async () => {
      const d = await get(id);
      return pred(d) ? d : undefined;
    }, what);
  const step = (d: Detail, agency: string, stepId: string) =>
    d.workstreams.find((w) => w.agency === agency)!.steps.find((s) => s.stepId === stepId)!;

  it('runs every stage to an advisory determination', async () => {
    const created = await post(
      '/reviews',
      IntakeFactory.body({
        protocolKey: protocol.key,
        accessArrangement: {
          type: 'hosted_endpoint',
          endpointUrl: model.url,
          apiKey: 'sk-lab-secret',
        },
      }),
      201,
    );
    expect(created.stage).toBe('intake');
    await post(`/reviews/${created.id}/intake/accept`, { reason: 'Submission complete' });
    await until(created.id, (d) => d.stage === 'designation', 'designation stage');
    await post(
      `/reviews/${created.id}/designation`,
      { designation: 'covered' },
      200,
      tokenFor('agency-lead', { agency: 'nsa', sub: 'director@nsa.example.gov' }),
    );

    // CAISI's automated steps run against the model endpoint and open the dependent manual steps.
    const assessed = await until(
      created.id,
      (d) =>
        d.stage === 'assessment' &&
        step(d, 'caisi', 'cyber-range').status === 'open' &&
        step(d, 'caisi', 'elicitation').status === 'open',
      'automated CAISI steps',
    );
    // 2 of 8 tasks (the web ones): 25% → alert with thresholds 0.2/0.4/0.6.
    expect(step(assessed, 'caisi', 'ctf-suite')).toMatchObject({
      status: 'done',
      riskLevel: 'alert',
    });
    expect(step(assessed, 'caisi', 'reference-comparison').status).toBe('done');

    const finding = (
      agency: string,
      stepId: string,
      riskLevel: string,
      extra: Record<string, unknown> = {},
    ) =>
      post(
        `/reviews/${created.id}/findings`,
        {
          agency,
          stepId,
          riskLevel,
          summary: `${stepId}: observed`,
          rationale: 'Scripted evaluation',
          ...extra,
        },
        200,
        tokenFor('agency-analyst', { agency }),
      );
    await finding('caisi', 'cyber-range', 'alert');
    await finding('caisi', 'elicitation', 'low');
    await finding('nsa', 'classified-benchmark', 'alert', { reference: 'NSA-CB-REF-7' });
    await finding('cisa', 'critical-infrastructure-impact', 'low');
    await finding('cisa', 'safeguards-red-team', 'alert');
    await finding('treasury', 'clearinghouse-handoff', 'low');

    const determining = await until(
      created.id,
      (d) => d.stage === 'determination',
      'determination stage',
    );
    expect(determining.workstreams.every((w) => w.progress === 1)).toBe(true);
    expect(step(determining, 'nsa', 'classified-benchmark')).toMatchObject({
      marking: 'CLASSIFIED',
      riskLevel: 'alert',
    });
    expect(step(determining, 'nsa', 'classified-benchmark').summary).not.toContain('observed');
    // Past the assessment stage a finding is refused before it reaches Temporal, naming the stage.
    const late = await api.post(
      `/reviews/${created.id}/findings`,
      { stepId: 'elicitation', riskLevel: 'low', summary: 'late' },
      tokenFor('agency-analyst', { agency: 'caisi' }),
    );
    expect(late.status).toBe(422);
    expect(await late.json()).toMatchObject({
      errors: [{ field: 'stage', message: 'review is in determination' }],
    });

    const closed = await post(`/reviews/${created.id}/determination`, {
      determination: 'mitigations_recommended',
      rationale: 'Alert-level uplift in offensive cyber; voluntary mitigations recommended',
    });
    const final = await until(closed.id, (d) => d.status === 'closed', 'closure');
    expect(final).toMatchObject({
      closureReason: 'completed',
      determination: 'mitigations_recommended',
      designation: 'covered',
    });
    expect(final.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'intake_accepted',
        'designated',
        'consolidation_computed',
        'determination_issued',
        'review_closed',
      ]),
    );
    // The credential reached the agency's step, never the read model.
    expect(model.requests.some((r) => r.authorization === 'Bearer sk-lab-secret')).toBe(true);
    const raw: { state: unknown }[] = await h.db.query('SELECT state FROM reviews WHERE id = $1', [
      final.id,
    ]);
    expect(JSON.stringify(raw[0].state)).not.toContain('sk-lab-secret');

    // History size of one default-protocol review (reported in docs/protocols.md).
    const sizes: Record<string, number> = {};
    for (const id of [
      final.workflowId,
      ...['caisi', 'nsa', 'cisa', 'treasury'].map((a) => `${final.workflowId}-ws-${a}`),
    ]) {
      const history = await h.client.workflow.getHandle(id).fetchHistory();
      sizes[id.endsWith(final.id) ? 'review' : id.split('-ws-')[1]] = history.events?.length ?? 0;
    }
    process.stdout.write(`default-protocol history events: ${JSON.stringify(sizes)}\n`);
    expect(sizes.review).toBeLessThan(5000);
  });
});
