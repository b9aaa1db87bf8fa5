import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/internal-non-workflow';
import { IntakeFactory, ProtocolFactory, secondsClock } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { readModelDifferences } from '../support/read-model';
import {
  repairStepUpdate,
  submitFindingUpdate,
  type WorkstreamProgress,
} from '../../workflows/definitions';
import { workstreamWorkflow, type WorkstreamInput } from '../../workflows/workstream.workflow';
import { environment } from '../../config/environment';
import { dataConverter } from '../../libs/temporal/src/connection';
import { startReview, stateOf } from '../support/reviews';

const { EventType } = temporal.api.enums.v1;

/**
 * Engine v4 and v5: a workstream holds progress that needs nobody's attention (an automated step
 * settled, the next one started) for PROGRESS_HOLD (3 s) before it reports it to the review; what
 * settles meanwhile travels with it, or in the workstream's result. Anything a person should see
 * is reported at once; since v5 so is anything a person did (a finding, a repair), and all of a
 * workstream with a clocked step. The lead agency's workstream runs two steps in sequence here.
 */
describe('held progress (engine v5)', () => {
  process.env.TEMPORAL_TASK_QUEUE = `held-${randomUUID()}`;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  // A slow step still running when its test ends returns at once then: the worker's shutdown
  // waits for its activities, and the steps' cancellation reaches no activity that never
  // heartbeats.
  const slowSteps = new Set<() => void>();
  afterEach(() => {
    for (const finish of slowSteps) finish();
    slowSteps.clear();
  });

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
  /**
   * Each agency's worker: every step low at once, except the lead's second after `slowMs`, or
   * failing at once (without retries: the step fails on its first attempt) when `slowMs` is
   * 'fail'.
   */
  const agencies = async (p: Protocol, slowMs: number | 'fail') => {
    const second = p.workstreams[0].steps[1];
    if (slowMs === 'fail') second.retry = { maximumAttempts: 1 };
    for (const ws of p.workstreams)
      await h.addAgencyWorker(ws.agency, {
        [`${ws.agency}.noop`]: async (input: { stepId: string }) => {
          if (ws === p.workstreams[0] && input.stepId === second.id) {
            if (slowMs === 'fail') throw new Error('the scan tool crashed');
            await new Promise<void>((r) => {
              const finish = () => {
                clearTimeout(timer);
                r();
              };
              const timer = setTimeout(finish, slowMs);
              slowSteps.add(finish);
            });
          }
          return { riskLevel: 'low', summary: 'no-op step' };
        },
      });
  };
  const eventsOf = async (reviewId: string, type: string) =>
    (
      await h.db.query('SELECT seq FROM review_events WHERE review_id = $1 AND type = $2', [
        reviewId,
        type,
      ])
    ).length as number;
  const operator = { actor: { id: 'olive@example.com', agency: 'ops' }, reason: 'scripted' };
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

  it('reports a retried step that fails again at once, and escalates it again', async () => {
    const p = protocolWith('automated');
    await agencies(p, 'fail');
    const r = await startReview(h.client, p);
    const reviewId = r.workflowId.replace(/^review-/, '');
    const second = p.workstreams[0].steps[1].id;
    const escalated = async (n: number) =>
      eventually(
        async () =>
          (await eventsOf(reviewId, 'step_failed')) === n &&
          (await stateOf(r)).escalations.filter((e) => e.trigger === 'failed_step').length === n
            ? true
            : undefined,
        `the step's failure number ${n}, escalated`,
      );
    await escalated(1);
    // The retry starts the step again (nobody needs to see that: engine v4 held it), and it fails
    // again within the hold: v4 then reported failed after failed, and the review saw no change.
    await leadOf(r, p).executeUpdate(repairStepUpdate, {
      args: [{ ...operator, stepId: second, action: 'retry' }],
    });
    await escalated(2);
    expect(await eventsOf(reviewId, 'step_repaired')).toBe(1);
    await r.cancel();
  });

  it('reports each repair at once, so two quick repairs are two on record', async () => {
    const p = protocolWith('automated');
    await agencies(p, 30_000);
    const r = await startReview(h.client, p);
    const reviewId = r.workflowId.replace(/^review-/, '');
    const second = p.workstreams[0].steps[1].id;
    await eventually(
      async () => ((await stepStatus(reviewId, second)) === 'running' ? true : undefined),
      'the second step running',
    );
    // Two reassignments of the running step in a row: each restarts it on the named agency's
    // queue (the first has no worker), which nobody needs to see, but each is an operator's act
    // the timeline must keep.
    for (const agency of ['idle-agency', p.workstreams[0].agency])
      await leadOf(r, p).executeUpdate(repairStepUpdate, {
        args: [{ ...operator, stepId: second, action: 'reassign', assignee: { agency } }],
      });
    await eventually(
      async () => ((await eventsOf(reviewId, 'step_repaired')) === 2 ? true : undefined),
      'both repairs on record',
    );
    await r.cancel();
  });

  it('reports a finding at once while an automated step still runs', async () => {
    // The lead's first step becomes an analyst's, and its second (the one `agencies` slows) waits
    // for nothing: both are open from the start.
    const p = protocolWith('automated');
    const [manual, slow] = p.workstreams[0].steps;
    manual.kind = 'manual';
    delete manual.stepType;
    slow.dependsOn = [];
    await agencies(p, 60_000);
    const r = await startReview(h.client, p);
    const reviewId = r.workflowId.replace(/^review-/, '');
    await eventually(
      async () => ((await stepStatus(reviewId, slow.id)) === 'running' ? true : undefined),
      'the automated step running',
    );
    await leadOf(r, p).executeUpdate(submitFindingUpdate, {
      args: [
        {
          stepId: manual.id,
          riskLevel: 'low',
          summary: 'nothing of note',
          actor: { id: 'ana@example.com', agency: p.workstreams[0].agency },
        },
      ],
    });
    await eventually(
      async () => ((await stepStatus(reviewId, manual.id)) === 'done' ? true : undefined),
      'the finding in the read model',
    );
    const lead = await eventTypes(leadOf(r, p));
    expect(lead).toContain(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
    expect(lead).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    expect(await stepStatus(reviewId, slow.id)).toBe('running');
    await r.cancel();
  });

  it('holds nothing in a workstream with a clocked step', async () => {
    const p = protocolWith('automated');
    p.workstreams[0].steps[0].clock = secondsClock(600);
    await agencies(p, 4_000);
    const r = await startReview(h.client, p);
    const final = await r.result();
    expect(final.closure?.reason).toBe('completed');
    const lead = await eventTypes(leadOf(r, p));
    expect(lead).toContain(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
    expect(lead).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    expect(final.deadlines.find((d) => d.stepId === p.workstreams[0].steps[0].id)?.status).toBe(
      'met',
    );
    expect(await readModelDifferences(h.db, final)).toEqual([]);
  });

  it("reports a finding that came with the workstream's first task at once", async () => {
    // A manual step and a slow automated one, both open from the start. The finding is sent with
    // the workstream's start (update-with-start), so it is in the workflow's first task and its
    // handler runs as the handler is set. Before the `first-task-news` patch the workstream took
    // the review to know everything it opened itself, and told it nothing until the next change.
    const p = protocolWith('automated');
    const [manual, automated] = p.workstreams[0].steps;
    manual.kind = 'manual';
    delete manual.stepType;
    automated.dependsOn = [];
    // The review this workstream reports to: a workflow nobody runs (its queue has no worker), so
    // the progress signals wait in its history, to be read there.
    const parent = await h.client.workflow.start(workstreamWorkflow, {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId: `parent-${randomUUID()}`,
      args: [{} as WorkstreamInput],
    });
    const intake = IntakeFactory.build();
    const input: WorkstreamInput = {
      reviewId: randomUUID(),
      parentWorkflowId: parent.workflowId,
      agency: p.workstreams[0].agency,
      // Nobody runs the automated step either: it stays running, which needs nobody.
      taskQueue: `agency-nobody-${randomUUID()}`,
      steps: p.workstreams[0].steps,
      riskLevels: p.riskLevels,
      rationaleRequiredFrom: 'high',
      model: { name: intake.modelName, version: intake.modelVersion },
      access: intake.accessArrangement,
      engineVersion: 5,
      startedAt: new Date().toISOString(),
    };
    const start = new WithStartWorkflowOperation(workstreamWorkflow, {
      taskQueue: environment().TEMPORAL_TASK_QUEUE,
      workflowId: `first-task-${randomUUID()}`,
      workflowIdConflictPolicy: 'FAIL',
      args: [input],
    });
    const step = await h.client.workflow.executeUpdateWithStart(submitFindingUpdate, {
      args: [
        {
          stepId: manual.id,
          riskLevel: 'low',
          summary: 'nothing of note',
          actor: { id: 'ana@example.com', agency: input.agency },
        },
      ],
      startWorkflowOperation: start,
    });
    expect(step.status).toBe('done');
    const ws = await start.workflowHandle();
    try {
      const events = (await ws.fetchHistory()).events ?? [];
      const types = events.map((e) => e.eventType);
      // The update was accepted in the first workflow task.
      expect(types.slice(0, 5)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      ]);
      // That same task reported it: no hold, and the review hears the step done.
      const firstTask = types.slice(
        0,
        types.indexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 2),
      );
      expect(firstTask).toContain(
        EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
      );
      expect(types).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
      const told = await eventually(async () => {
        const signals = ((await parent.fetchHistory()).events ?? []).filter(
          (e) => e.workflowExecutionSignaledEventAttributes,
        );
        return signals.length ? signals : undefined;
      }, 'the progress signal in the review');
      expect(told).toHaveLength(1);
      const [payload] = told[0].workflowExecutionSignaledEventAttributes!.input!.payloads!;
      const [plain] = await decode(dataConverter().payloadCodecs ?? [], [payload]);
      const progress = defaultPayloadConverter.fromPayload<WorkstreamProgress>(plain);
      expect(progress.steps.map((s) => [s.stepId, s.status])).toEqual([
        [manual.id, 'done'],
        [automated.id, 'running'],
      ]);
    } finally {
      await ws.terminate('test over');
      await parent.terminate('test over');
    }
  });
});
