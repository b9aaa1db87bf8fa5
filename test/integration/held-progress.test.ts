import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { ProtocolFactory } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { readModelDifferences } from '../support/read-model';
import { startReview } from '../support/reviews';

const { EventType } = temporal.api.enums.v1;

/**
 * Engine v4: a workstream holds progress that needs nobody's attention (an automated step settled,
 * the next one started) for PROGRESS_HOLD (3 s) before it reports it to the review; what settles
 * meanwhile travels with it, or in the workstream's result. Anything a person should see is
 * reported at once. The lead agency's workstream runs two steps in sequence here.
 */
describe('held progress (engine v4)', () => {
  process.env.TEMPORAL_TASK_QUEUE = `held-${randomUUID()}`;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** The default shape, all automated, started at the assessment; the lead's two steps. */
  const protocolWith = (second: 'automated' | 'manual'): Protocol => {
    const p = ProtocolFactory.defaultShape()
      .withoutStage('intake')
      .withoutStage('designation')
      .allAutomated()
      .build();
    if (second === 'manual') {
      const step = p.workstreams[0].steps[1];
      step.kind = 'manual';
      delete step.stepType;
    }
    return p;
  };
  /** Each agency's worker: every step low at once, except the lead's second after `slowMs`. */
  const agencies = async (p: Protocol, slowMs: number) => {
    const second = p.workstreams[0].steps[1].id;
    for (const ws of p.workstreams)
      await h.addAgencyWorker(ws.agency, {
        [`${ws.agency}.noop`]: async (input: { stepId: string }) => {
          if (ws === p.workstreams[0] && input.stepId === second)
            await new Promise((r) => setTimeout(r, slowMs));
          return { riskLevel: 'low', summary: 'no-op step' };
        },
      });
  };
  const eventTypes = async (handle: WorkflowHandle) =>
    ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
  const leadOf = (r: WorkflowHandle, p: Protocol) =>
    h.client.workflow.getHandle(`${r.workflowId}-ws-${p.workstreams[0].agency}`);
  const stepStatus = async (reviewId: string, stepId: string) => {
    const rows: { status: string }[] = await h.db.query(
      'SELECT status FROM review_steps WHERE review_id = $1 AND step_id = $2',
      [reviewId, stepId],
    );
    return rows[0]?.status;
  };

  it('sends no progress signal for a chain of automated steps that settles within the hold', async () => {
    const p = protocolWith('automated');
    await agencies(p, 0);
    const r = await startReview(h.client, p);
    const final = await r.result();
    expect(final.closure?.reason).toBe('completed');
    expect(final.workstreams[0].steps.map((s) => s.status)).toEqual(['done', 'done']);
    const lead = await eventTypes(leadOf(r, p));
    expect(lead).not.toContain(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
    // The hold's timer was started and left when the workstream ended: not fired, not cancelled.
    expect(lead).toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    expect(lead).not.toContain(EventType.EVENT_TYPE_TIMER_FIRED);
    expect(lead).not.toContain(EventType.EVENT_TYPE_TIMER_CANCELED);
    expect(await eventTypes(r)).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    // The result carried the first step's end: the read model has everything.
    expect(await readModelDifferences(h.db, final)).toEqual([]);
  });

  it('reports once the hold ends when the next automated step takes longer', async () => {
    const p = protocolWith('automated');
    await agencies(p, 8_000);
    const r = await startReview(h.client, p);
    const reviewId = r.workflowId.replace(/^review-/, '');
    const [first, second] = p.workstreams[0].steps.map((s) => s.id);
    // The first step's end reaches the read model while the second still runs.
    await eventually(
      async () =>
        (await stepStatus(reviewId, first)) === 'done' &&
        (await stepStatus(reviewId, second)) === 'running'
          ? true
          : undefined,
      'the first step done and the second running in the read model',
    );
    const final = await r.result();
    expect(final.closure?.reason).toBe('completed');
    const lead = await eventTypes(leadOf(r, p));
    const fired = lead.indexOf(EventType.EVENT_TYPE_TIMER_FIRED);
    const signalled = lead.indexOf(
      EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    );
    expect(fired).toBeGreaterThan(0);
    expect(signalled).toBeGreaterThan(fired);
    expect(
      lead.filter((t) => t === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    ).toHaveLength(1);
    expect(await readModelDifferences(h.db, final)).toEqual([]);
  });

  it('reports at once when the next step waits for an analyst', async () => {
    const p = protocolWith('manual');
    await agencies(p, 0);
    const r = await startReview(h.client, p);
    const reviewId = r.workflowId.replace(/^review-/, '');
    const second = p.workstreams[0].steps[1].id;
    await eventually(
      async () => ((await stepStatus(reviewId, second)) === 'open' ? true : undefined),
      'the manual step open in the read model',
    );
    const lead = await eventTypes(leadOf(r, p));
    expect(lead).toContain(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
    expect(lead).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    await r.cancel();
  });
});
