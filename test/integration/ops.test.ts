import * as fs from 'node:fs';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { Protocol, ProtocolStep } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { run as runCli } from '../../apps/cli/src/reviewctl';
import { coreActivities } from '../../apps/worker/src/core-worker';
import { projectionFeedSinks } from '../../activities/projection/projection-feeds';
import { dataConverter } from '../../libs/temporal/src/connection';
import { calendarChangedSignal } from '../../workflows/definitions';
import type { reviewWorkflow } from '../../workflows/review.workflow';
import { IntakeFactory, ProtocolFactory, secondsClock, uniq } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { tokenFor } from '../support/auth';
import { apiClient } from '../support/http';
import { startReview, stepOf, waitForState } from '../support/reviews';
import { quietBundlerLogger } from '../support/scratch-database';
import { readTestRun } from '../support/test-run';

interface StuckReason {
  kind: string;
  detail: string;
  agency?: string;
  stepId?: string;
  activityId?: string;
  attempts?: number;
  suggested: { action: string; command: string };
}
interface StuckReport {
  items: { reviewId: string; reasons: StuckReason[] }[];
}
interface OpsRequest {
  id: string;
  status: string;
  action: string;
  requestedBy: string;
  approvedBy?: string;
  result?: Record<string, unknown>;
  error?: string;
}

/** One automated step on `agency`'s queue; the review closes by itself once it is done. */
const automatedProtocol = (agency: string, step: Partial<ProtocolStep> = {}): Protocol =>
  ProtocolFactory.singleAutomatedStep(agency, { startToCloseTimeout: 'PT10S', ...step }).build();

const execFileAsync = promisify(execFile);

const OP_A = { id: 'operator-a@ops.example.gov' };
const OP_B = { id: 'operator-b@ops.example.gov' };
type Operator = typeof OP_A;

/**
 * Operators against the real Temporal server and PostgreSQL: each kind of stuck review is
 * created for real, found by GET /ops/stuck, and repaired through the API.
 */
describe('operators: stuck reviews found and repaired', () => {
  let h: Harness;
  const tokens = new Map<string, Promise<string>>();
  /** An operator's bearer token: the API takes who acts from it. */
  const tokenOf = (op: Operator) => {
    if (!tokens.has(op.id)) tokens.set(op.id, tokenFor('operator', { sub: op.id }));
    return tokens.get(op.id)!;
  };
  const http = apiClient(() => h.api!.url, tokenOf(OP_A));
  /** Requests made as one operator. */
  const as = (op: Operator) => ({
    post: (path: string, body: Record<string, unknown>) => http.post(path, body, tokenOf(op)),
  });
  const json = async <T>(res: Response | Promise<Response>, status: number): Promise<T> => {
    const r = await res;
    const body = (await r.json()) as T;
    if (r.status !== status)
      throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(body)}`);
    return body;
  };
  const stuck = (query = '') => json<StuckReport>(http.get(`/ops/stuck${query}`), 200);
  const reasonsOf = async (reviewId: string, query = '') =>
    (await stuck(query)).items.find((i) => i.reviewId === reviewId)?.reasons ?? [];
  const waitForReason = (reviewId: string, kind: string, query = '') =>
    eventually(
      async () => (await reasonsOf(reviewId, query)).find((r) => r.kind === kind),
      `${kind} for ${reviewId}`,
    );
  const readModel = async (reviewId: string) =>
    (
      await h.db.query(`SELECT status, stage, last_seq, state FROM reviews WHERE id = $1`, [
        reviewId,
      ])
    )[0] as { status: string; stage: string; last_seq: number; state: ReviewState } | undefined;

  beforeAll(async () => {
    h = await startHarness({ api: true });
  });
  afterAll(() => h.close());

  it('an agency worker that keeps failing: found with its attempts, paused, unpaused, retried now', async () => {
    const agency = `f${uniq()}`;
    // A minute between attempts: the review closes within the test only if "retry now" works.
    const protocol = automatedProtocol(agency, {
      retry: { maximumAttempts: 100, initialInterval: 'PT60S', backoffCoefficient: 1 },
    });
    await h.publishProtocol(protocol);
    let healthy = false;
    let calls = 0;
    await h.addAgencyWorker(agency, {
      [`${agency}.scan`]: async () => {
        calls += 1;
        if (!healthy) throw new Error('model endpoint refused the connection');
        return { riskLevel: 'low', summary: 'nothing found' };
      },
    });
    const review = await startReview(h.client, protocol);
    const reviewId = review.workflowId.replace('review-', '');

    const failing = await waitForReason(reviewId, 'activity_failing');
    expect(failing).toMatchObject({ agency, stepId: 'scan', suggested: { action: 'retry' } });
    expect(failing.attempts).toBeGreaterThan(1);
    expect(failing.detail).toMatch(/model endpoint refused the connection/);

    // No reason, no repair.
    const noReason = await as(OP_A).post(`/ops/reviews/${reviewId}/activities/pause`, {
      agency,
      stepId: 'scan',
    });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(await noReason.json())).toMatch(/reason/);

    const paused = await json<{ before: { paused: boolean }; after: { paused: boolean } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/activities/pause`, {
        agency,
        stepId: 'scan',
        reason: 'stop hammering the endpoint',
      }),
      200,
    );
    expect(paused.before.paused).toBe(false);
    expect(paused.after.paused).toBe(true);
    await waitForReason(reviewId, 'activity_paused');

    const unpaused = await json<{ after: { paused: boolean } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/activities/unpause`, {
        agency,
        stepId: 'scan',
        reason: 'let it try again',
      }),
      200,
    );
    expect(unpaused.after.paused).toBe(false);
    await eventually(async () => (calls >= 2 ? true : undefined), 'an attempt after unpausing');
    // A reset starts the attempts over (scheduled now: it fails again while the endpoint is down).
    const reset = await json<{ before: { attempt: number }; after: { attempt: number } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/activities/reset`, {
        agency,
        stepId: 'scan',
        reason: 'start the attempts over',
      }),
      200,
    );
    expect(reset.before.attempt).toBeGreaterThan(1);
    await eventually(async () => (calls >= 3 ? true : undefined), 'an attempt after the reset');

    healthy = true;
    await json(
      as(OP_A).post(`/ops/reviews/${reviewId}/activities/retry`, {
        agency,
        stepId: 'scan',
        reason: 'endpoint fixed, retry now',
      }),
      200,
    );
    const done = await waitForState(review, (s) => s.status === 'closed', 'the review to close');
    expect(stepOf(done, agency, 'scan').status).toBe('done');
    expect((await reasonsOf(reviewId)).filter((r) => r.kind.startsWith('activity'))).toEqual([]);

    const audit = await h.db.query(
      `SELECT actor, action, justification, details FROM audit_log WHERE review_id = $1 AND action LIKE 'ops.%' ORDER BY id`,
      [reviewId],
    );
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'ops.activity-pause',
      'ops.activity-unpause',
      'ops.activity-reset',
      'ops.activity-retry',
    ]);
    expect(audit[0]).toMatchObject({
      actor: OP_A.id,
      justification: 'stop hammering the endpoint',
      details: { before: { paused: false }, after: { paused: true } },
    });
  });

  it('a step that failed for good: reported as failed, then retried through the API and done', async () => {
    const agency = `g${uniq()}`;
    const protocol = automatedProtocol(agency, {
      retry: { maximumAttempts: 2, initialInterval: 'PT1S' },
    });
    await h.publishProtocol(protocol);
    let healthy = false;
    await h.addAgencyWorker(agency, {
      [`${agency}.scan`]: async () => {
        if (!healthy) throw new Error('CTF harness crashed');
        return { riskLevel: 'alert', summary: 'uplift on web exploitation' };
      },
    });
    const review = await startReview(h.client, protocol);
    const reviewId = review.workflowId.replace('review-', '');
    const failed = await waitForReason(reviewId, 'step_failed');
    expect(failed).toMatchObject({ agency, stepId: 'scan', suggested: { action: 'retry' } });

    healthy = true;
    const retried = await json<{ before: { status: string }; after: { status: string } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/scan/retry`, {
        reason: 'harness redeployed',
      }),
      200,
    );
    expect(retried.before.status).toBe('failed');
    expect(retried.after.status).toBe('running');
    const done = await waitForState(review, (s) => s.status === 'closed', 'the review to close');
    expect(stepOf(done, agency, 'scan')).toMatchObject({
      status: 'done',
      finding: { riskLevel: 'alert' },
    });
    // The read model follows the workflow: wait until it has projected the closure.
    await eventually(
      async () => ((await readModel(reviewId))?.last_seq === done.seq ? true : undefined),
      'the closure projected',
    );
    const events = await h.db.query(
      `SELECT type, actor, reason FROM review_events WHERE review_id = $1 AND type = 'step_repaired'`,
      [reviewId],
    );
    expect(events).toEqual([
      { type: 'step_repaired', actor: OP_A.id, reason: 'harness redeployed' },
    ]);
    // Retrying a step that is done is refused, naming the field.
    const again = await as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/scan/retry`, {
      reason: 'again',
    });
    expect([409, 422]).toContain(again.status);
  });

  it('a queue with no poller: found, then the step reassigned to an agency whose worker runs it', async () => {
    const agency = `q${uniq()}`;
    const backup = `b${uniq()}`;
    const protocol = automatedProtocol(agency, { noPollerTimeout: 'PT2S' });
    await h.publishProtocol(protocol);
    await h.addAgencyWorker(backup, {
      [`${agency}.scan`]: async () => ({ riskLevel: 'low', summary: 'run by the backup agency' }),
    });
    const review = await startReview(h.client, protocol);
    const reviewId = review.workflowId.replace('review-', '');
    const noPoller = await waitForReason(reviewId, 'no_poller');
    expect(noPoller).toMatchObject({ agency, stepId: 'scan', suggested: { action: 'reassign' } });
    expect(noPoller.detail).toMatch(new RegExp(`agency-${agency}`));

    const bad = await as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/scan/reassign`, {
      analyst: 'someone@example.gov',
      reason: 'analyst cannot run an automated step',
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0].field).toBe(
      'assignee.agency',
    );

    const moved = await json<{ after: { assignee: { agency: string } } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/scan/reassign`, {
        toAgency: backup,
        reason: 'no worker at the owning agency this week',
      }),
      200,
    );
    expect(moved.after.assignee.agency).toBe(backup);
    const done = await waitForState(review, (s) => s.status === 'closed', 'the review to close');
    expect(stepOf(done, agency, 'scan')).toMatchObject({
      status: 'done',
      assignee: { agency: backup },
      finding: { summary: 'run by the backup agency', submittedBy: `worker:agency-${agency}` },
    });
  });

  it('an ignored escalation: found once it climbed unacknowledged, then forced to a higher level', async () => {
    const p = ProtocolFactory.singleStep().build();
    const agency = p.workstreams[0].agency;
    p.workstreams[0].steps[0].clock = secondsClock(1);
    p.escalation.levels = [
      { level: 0, name: 'Staff leads', clock: secondsClock(2) },
      { level: 1, name: 'Senior agency officials', clock: secondsClock(600) },
      { level: 2, name: 'Vote of member agencies', clock: secondsClock(600) },
    ];
    await h.publishProtocol(p);
    const review = await startReview(h.client, p);
    const reviewId = review.workflowId.replace('review-', '');
    const ignored = await waitForReason(reviewId, 'escalation_ignored');
    expect(ignored.detail).toMatch(/Senior agency officials/);
    expect(ignored.suggested.action).toBe('escalate');

    const forced = await json<{ after: { level: number; levelName: string } }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/escalate`, {
        subject: 'Manual review overdue and L1 silent',
        level: 2,
        reason: 'nobody acknowledged for two levels',
      }),
      200,
    );
    expect(forced.after).toMatchObject({ level: 2, levelName: 'Vote of member agencies' });
    expect((await reasonsOf(reviewId)).map((r) => r.kind)).not.toContain('escalation_ignored');
    const [raised] = await h.db.query(
      `SELECT actor, reason FROM review_events WHERE review_id = $1 AND type = 'escalation_raised' AND actor = $2`,
      [reviewId, OP_A.id],
    );
    expect(raised).toEqual({ actor: OP_A.id, reason: 'nobody acknowledged for two levels' });

    // Two-person rule: a skip is a request; its requester cannot approve it.
    const request = await json<OpsRequest>(
      as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/review/skip`, {
        reason: 'the agency withdrew from this review; no analyst will submit',
      }),
      202,
    );
    expect(request).toMatchObject({ status: 'pending', action: 'skip', requestedBy: OP_A.id });
    const self = await as(OP_A).post(`/ops/requests/${request.id}/approve`, {});
    expect(self.status).toBe(403);
    expect(((await self.json()) as { code: string }).code).toBe('OPS_SAME_OPERATOR');
    expect(stepOf(await waitForState(review, () => true, 'state'), agency, 'review').status).toBe(
      'open',
    );
    const pending = await json<{ items: OpsRequest[] }>(
      http.get('/ops/requests?status=pending'),
      200,
    );
    expect(pending.items.map((r) => r.id)).toContain(request.id);

    const approved = await json<OpsRequest>(
      as(OP_B).post(`/ops/requests/${request.id}/approve`, { reason: 'confirmed with the agency' }),
      200,
    );
    expect(approved).toMatchObject({ status: 'executed', approvedBy: OP_B.id });
    const again = await as({ id: 'operator-c@ops.example.gov' }).post(
      `/ops/requests/${request.id}/approve`,
      {},
    );
    expect(again.status).toBe(409);

    const closed = await waitForState(review, (s) => s.status === 'closed', 'the review to close');
    const step = stepOf(closed, agency, 'review');
    expect(step).toMatchObject({ status: 'skipped', skip: { by: OP_A.id } });
    expect(step.finding).toBeUndefined();
    expect(closed.deadlines.find((d) => d.id === `step:${agency}:review`)?.status).toBe('missed');
    const skipped = await eventually(async () => {
      const rows = await h.db.query(
        `SELECT actor, reason FROM review_events WHERE review_id = $1 AND type = 'step_skipped'`,
        [reviewId],
      );
      return rows.length ? rows : undefined;
    }, 'the step_skipped event');
    expect(skipped).toEqual([
      { actor: OP_A.id, reason: 'the agency withdrew from this review; no analyst will submit' },
    ]);
    const [audit] = await h.db.query(
      `SELECT actor, justification, details FROM audit_log WHERE review_id = $1 AND action = 'ops.skip'`,
      [reviewId],
    );
    expect(audit).toMatchObject({
      actor: OP_A.id,
      details: {
        requestId: request.id,
        approvedBy: OP_B.id,
        before: { status: 'open' },
        after: { status: 'skipped' },
      },
    });

    // A batch by visibility query: also two operators, then rate-limited over what it selects.
    const batch = await json<OpsRequest>(
      as(OP_B).post('/ops/batch', {
        action: 'rebuild',
        query: `LeadAgency = "${agency}"`,
        ratePerSecond: 2,
        reason: 'read model migration',
      }),
      202,
    );
    expect(batch.action).toBe('batch:rebuild');
    expect((await as(OP_B).post(`/ops/requests/${batch.id}/approve`, {})).status).toBe(403);
    const ran = await json<OpsRequest>(as(OP_A).post(`/ops/requests/${batch.id}/approve`, {}), 200);
    expect(ran.status).toBe('executed');
    expect(ran.result).toMatchObject({
      matched: 1,
      succeeded: 1,
      failed: 0,
      results: [{ reviewId, ok: true }],
    });
  });

  it('a non-deterministic code change: found, replayed, reset to before it (clocks kept), rebuilt, terminated', async () => {
    const run = readTestRun();
    const protocol = ProtocolFactory.defaultShape().build();
    await h.publishProtocol(protocol);
    const queue = `ops-nd-${uniq()}`;
    const { NativeConnection } = await import('@temporalio/worker');
    const connection = await NativeConnection.connect({ address: run.temporalAddress });
    const workerOn = async (code: string) => {
      const w = await Worker.create({
        connection,
        taskQueue: queue,
        workflowBundle: { code },
        activities: coreActivities(h.db),
        dataConverter: dataConverter(),
        sinks: projectionFeedSinks(),
      });
      return { w, running: w.run() };
    };
    const good = await workerOn(fs.readFileSync(run.workflowBundlePath, 'utf8'));
    const reviewId = randomUUID();
    const handle = await h.client.workflow.start<typeof reviewWorkflow>('reviewWorkflow', {
      workflowId: `review-${reviewId}`,
      taskQueue: queue,
      args: [
        {
          reviewId,
          protocol,
          intake: IntakeFactory.build(),
          nonBusinessDates: [],
          submittedBy: { id: 'dana@example.com' },
        },
      ],
    });
    const before = await eventually(async () => {
      const row = await readModel(reviewId);
      return row?.state.deadlines.some((d) => d.id === 'intake') ? row : undefined;
    }, 'the intake deadline in the read model');
    const intake = before.state.deadlines.find((d) => d.id === 'intake')!;

    // Deploy a change without patched(): the next workflow task replays and fails.
    good.w.shutdown();
    await good.running;
    const { code: incompatible } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../support/incompatible-workflows'),
      logger: quietBundlerLogger,
    });
    const bad = await workerOn(incompatible);
    try {
      await handle.signal(calendarChangedSignal, {
        actor: { id: 'calendar-admin' },
        nonBusinessDates: ['2099-12-24'],
      });
      const failing = await waitForReason(reviewId, 'workflow_task_failing');
      expect(failing.detail).toMatch(/non-determinism/);
      expect(failing.suggested.action).toBe('reset');

      // The history replays against the engine's current code: it is the deployed worker that differs.
      const replay = await json<{ replayed: number; failed: number }>(
        http.post(`/ops/reviews/${reviewId}/replay`, {}),
        200,
      );
      expect(replay).toMatchObject({ replayed: 1, failed: 0 });

      const plan = await json<{
        resetEventId: number;
        reapplied: { kind: string; name: string }[];
        deadlines: {
          deadlineId: string;
          basisAt: string;
          setAfterResetPoint: boolean;
          dueAfterReset: string;
          dueIfClockRestarted?: string;
        }[];
      }>(
        as(OP_A).post(`/ops/reviews/${reviewId}/reset/plan`, {
          reason: 'undo the change',
          beforeEventId: 5,
        }),
        200,
      );
      expect(plan.resetEventId).toBeLessThan(5);
      expect(plan.reapplied).toEqual([
        expect.objectContaining({ kind: 'signal', name: 'calendarChanged' }),
      ]);
      const planned = plan.deadlines.find((d) => d.deadlineId === 'intake')!;
      expect(planned.setAfterResetPoint).toBe(true);
      expect(planned.basisAt).toBe(new Date(intake.basisMs).toISOString());
      expect(planned.dueAfterReset).toBe(new Date(intake.dueMs).toISOString());
      expect(Date.parse(planned.dueIfClockRestarted!)).toBeGreaterThan(intake.dueMs);

      const withoutSignals = await json<{ reapplied: unknown[]; dropped: { name: string }[] }>(
        as(OP_A).post(`/ops/reviews/${reviewId}/reset/plan`, {
          reason: 'undo the change',
          beforeEventId: 5,
          reapplySignals: false,
        }),
        200,
      );
      expect(withoutSignals.reapplied).toEqual([]);
      expect(withoutSignals.dropped.map((m) => m.name)).toEqual(['calendarChanged']);

      const request = await json<OpsRequest>(
        as(OP_A).post(`/ops/reviews/${reviewId}/reset`, {
          reason: 'undo the change',
          beforeEventId: 5,
        }),
        202,
      );
      expect((await as(OP_A).post(`/ops/requests/${request.id}/approve`, {})).status).toBe(403);
      const done = await json<OpsRequest>(
        as(OP_B).post(`/ops/requests/${request.id}/approve`, {}),
        200,
      );
      expect(done.status).toBe('executed');
      expect(done.result).toMatchObject({ after: { clocks: { restored: 1 } } });

      // The new run's clock counts from the original basis, not from the reset.
      const state = await waitForState(
        h.client.workflow.getHandle(handle.workflowId),
        (s) =>
          s.deadlines.some((d) => d.id === 'intake') && s.nonBusinessDates.includes('2099-12-24'),
        'the reset run with the signal reapplied',
      );
      const after = state.deadlines.find((d) => d.id === 'intake')!;
      expect(after.basisMs).toBe(intake.basisMs);
      expect(after.dueMs).toBe(intake.dueMs);
      await eventually(
        async () =>
          (await reasonsOf(reviewId)).some((r) => r.kind === 'workflow_task_failing')
            ? undefined
            : true,
        'the review no longer failing',
      );

      const rebuilt = await json<{ after: { lastSeq: number; source: string } }>(
        as(OP_B).post(`/ops/reviews/${reviewId}/rebuild`, {
          reason: 'align the read model with the reset run',
        }),
        200,
      );
      expect(rebuilt.after.source).toBe('query');
      expect(rebuilt.after.lastSeq).toBe((await waitForState(handle, () => true, 'state')).seq);

      // Every review history against the current code: the reset run was made by other code.
      const all = await json<{
        replayed: number;
        failed: number;
        results: { workflowId: string; ok: boolean; errorType?: string }[];
      }>(http.post('/ops/replay', { query: "WorkflowType = 'reviewWorkflow'" }), 200);
      expect(all.replayed).toBeGreaterThanOrEqual(1);
      expect(all.results.filter((r) => !r.ok)).toEqual([
        expect.objectContaining({
          workflowId: handle.workflowId,
          errorType: 'DeterminismViolationError',
        }),
      ]);

      const terminate = await json<OpsRequest>(
        as(OP_B).post(`/ops/reviews/${reviewId}/terminate`, {
          reason: 'test review, no longer needed',
        }),
        202,
      );
      expect(
        (await json<OpsRequest>(as(OP_A).post(`/ops/requests/${terminate.id}/approve`, {}), 200))
          .status,
      ).toBe('executed');
      expect((await handle.describe()).status.name).toBe('TERMINATED');
      const closed = await readModel(reviewId);
      expect(closed).toMatchObject({
        status: 'closed',
        state: { closure: { reason: 'terminated', by: OP_B.id } },
      });
    } finally {
      bad.w.shutdown();
      await bad.running;
      await connection.close();
    }
  });

  it('a lost read model: found from Temporal, rebuilt from the workflow state and its history', async () => {
    const review = await startReview(h.client, ProtocolFactory.singleStep().build());
    const reviewId = review.workflowId.replace('review-', '');
    const before = await eventually(async () => {
      const row = await readModel(reviewId);
      return row && row.state.workstreams[0].steps[0].status === 'open' ? row : undefined;
    }, 'the step open in the read model');
    const timeline = await h.db.query(
      `SELECT seq, type, actor FROM review_events WHERE review_id = $1 ORDER BY seq`,
      [reviewId],
    );
    await h.db.query(`DELETE FROM reviews WHERE id = $1`, [reviewId]); // cascades to steps and timeline

    const missing = await waitForReason(reviewId, 'read_model_missing');
    expect(missing.suggested.action).toBe('rebuild');
    const rebuilt = await json<{
      before: { missing: boolean };
      after: { status: string; lastSeq: number; timelineEvents: number };
    }>(
      as(OP_A).post(`/ops/reviews/${reviewId}/rebuild`, {
        reason: 'read model restored from an old backup',
      }),
      200,
    );
    expect(rebuilt.before.missing).toBe(true);
    expect(rebuilt.after).toMatchObject({
      status: 'open',
      lastSeq: before.last_seq,
      timelineEvents: timeline.length,
    });
    expect(
      await h.db.query(
        `SELECT seq, type, actor FROM review_events WHERE review_id = $1 ORDER BY seq`,
        [reviewId],
      ),
    ).toEqual(timeline);
    expect((await readModel(reviewId))?.state).toEqual(before.state);
    expect((await reasonsOf(reviewId)).map((r) => r.kind)).not.toContain('read_model_missing');

    // A pending request can be turned down; it then never runs.
    const request = await json<OpsRequest>(
      as(OP_A).post(`/ops/reviews/${reviewId}/terminate`, { reason: 'mistaken' }),
      202,
    );
    const rejected = await json<OpsRequest>(
      as(OP_A).post(`/ops/requests/${request.id}/reject`, { reason: 'wrong review' }),
      200,
    );
    expect(rejected.status).toBe('rejected');
    expect((await as(OP_B).post(`/ops/requests/${request.id}/approve`, {})).status).toBe(409);
    expect((await review.describe()).status.name).toBe('RUNNING');
  });

  it('a manual step reassigned to another analyst: only that analyst may submit its finding', async () => {
    const protocol = ProtocolFactory.singleStep().build();
    const agency = protocol.workstreams[0].agency;
    const review = await startReview(h.client, protocol);
    const reviewId = review.workflowId.replace('review-', '');
    await eventually(async () => {
      const row = await readModel(reviewId);
      return row && row.state.workstreams[0].steps[0].status === 'open' ? row : undefined;
    }, 'the step open in the read model');
    await json(
      as(OP_A).post(`/ops/reviews/${reviewId}/steps/${agency}/review/reassign`, {
        analyst: 'analyst-2@agency.example.gov',
        reason: 'analyst-1 is on leave',
      }),
      200,
    );
    const finding = (id: string) =>
      http.post(
        `/reviews/${reviewId}/findings`,
        { agency, stepId: 'review', riskLevel: 'low', summary: 'no uplift found' },
        tokenFor('agency-analyst', { agency, sub: id }),
      );
    const refused = await json<{ errors: { field: string; message: string }[] }>(
      finding('analyst-1@agency.example.gov'),
      422,
    );
    expect(refused.errors).toEqual([
      { field: 'actor.id', message: 'step "review" is assigned to analyst-2@agency.example.gov' },
    ]);
    await json(finding('analyst-2@agency.example.gov'), 200);
    const closed = await waitForState(review, (s) => s.status === 'closed', 'the review to close');
    expect(stepOf(closed, agency, 'review').finding?.submittedBy).toBe(
      'analyst-2@agency.example.gov',
    );
  });

  it('refuses bad operator input with a 4xx naming the field, and documents /ops in OpenAPI', async () => {
    const fieldsOf = async (res: Promise<Response>, status: number) =>
      (await json<{ errors: { field: string }[] }>(res, status)).errors.map((e) => e.field);
    expect(await fieldsOf(http.get('/ops/stuck?noProgressSeconds=soon'), 400)).toEqual([
      'noProgressSeconds',
    ]);
    expect(
      await fieldsOf(
        as(OP_A).post('/ops/batch', { action: 'explode', query: 'x', reason: 'r' }),
        400,
      ),
    ).toEqual(['action']);
    expect(
      await fieldsOf(
        as(OP_A).post(`/ops/reviews/${randomUUID()}/activities/explode`, { reason: 'r' }),
        400,
      ),
    ).toEqual(['action']);
    expect(await fieldsOf(as(OP_A).post(`/ops/reviews/${randomUUID()}/rebuild`, {}), 400)).toEqual([
      'reason',
    ]);
    expect(
      (await as(OP_A).post(`/ops/reviews/${randomUUID()}/rebuild`, { reason: 'r' })).status,
    ).toBe(404);
    expect((await as(OP_B).post(`/ops/requests/${randomUUID()}/approve`, {})).status).toBe(404);
    const bad = await json<{ errors: { field: string }[] }>(
      http.post('/ops/replay', { query: 'this is not a query (' }),
      422,
    );
    expect(bad.errors[0].field).toBe('query');

    const doc = await json<{ paths: Record<string, unknown> }>(http.get('/docs-json'), 200);
    for (const path of [
      '/ops/stuck',
      '/ops/replay',
      '/ops/reviews/{id}/reset/plan',
      '/ops/batch',
      '/ops/requests/{id}/approve',
    ])
      expect(doc.paths).toHaveProperty([path]);
  });

  describe('reviewctl against the API', () => {
    /** reviewctl as `op`: its token in the CLI's environment, as an operator would set it. */
    const cliAs = async (op: Operator, ...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['--api', h.api!.url, ...args], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { REVIEWCTL_TOKEN: await tokenOf(op) },
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const cli = (...args: string[]) => cliAs(OP_A, ...args);

    it('lists stuck reviews, requests a termination, and refuses the same operator approving it', async () => {
      const review = await startReview(h.client, ProtocolFactory.singleStep().build());
      const reviewId = review.workflowId.replace('review-', '');
      await eventually(async () => (await readModel(reviewId)) ?? undefined, 'the read model');
      await new Promise((r) => setTimeout(r, 1100));

      const stuckNow = await cli('--json', 'stuck', '--stale-after', '1');
      expect(stuckNow.code).toBe(0);
      const report = JSON.parse(stuckNow.out) as StuckReport;
      expect(report.items.find((i) => i.reviewId === reviewId)?.reasons.map((r) => r.kind)).toEqual(
        ['no_progress'],
      );
      const readable = await cli('stuck', '--stale-after', '1');
      expect(readable.out).toMatch(/no_progress/);
      expect(readable.out).toMatch(/reviewctl rebuild/);

      const noReason = await cli('terminate', reviewId);
      expect(noReason.code).toBe(1);
      expect(noReason.err).toMatch(/--reason/);

      const requested = await cli('terminate', reviewId, '-r', 'duplicate submission');
      expect(requested.code).toBe(0);
      expect(requested.out).toMatch(/waiting for a second operator: reviewctl approve/);
      const [, requestId] = /reviewctl approve (\S+)/.exec(requested.out)!;

      const listed = JSON.parse(
        (await cli('--json', 'requests', '--status', 'pending')).out,
      ) as OpsRequest[];
      expect(listed.find((r) => r.id === requestId)).toMatchObject({
        action: 'terminate',
        requestedBy: OP_A.id,
      });

      const self = await cli('approve', requestId);
      expect(self.code).toBe(1);
      expect(self.err).toMatch(/error \(403\).*second operator must approve/);

      const approved = JSON.parse(
        (await cliAs(OP_B, '--json', 'approve', requestId)).out,
      ) as OpsRequest;
      expect(approved).toMatchObject({ status: 'executed', approvedBy: OP_B.id });
      expect((await review.describe()).status.name).toBe('TERMINATED');
    });

    it('runs as its own process (the entry `npm run reviewctl` runs), replaying a review', async () => {
      const review = await startReview(h.client, ProtocolFactory.singleStep().build());
      const reviewId = review.workflowId.replace('review-', '');
      await eventually(async () => (await readModel(reviewId)) ?? undefined, 'the read model');
      const { stdout } = await execFileAsync(
        process.execPath,
        [
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          'apps/cli/src/main.ts',
          '--json',
          'replay',
          reviewId,
        ],
        {
          cwd: path.resolve(__dirname, '../..'),
          env: {
            ...process.env,
            REVIEWCTL_API_URL: h.api!.url,
            REVIEWCTL_TOKEN: await tokenOf(OP_A),
          },
        },
      );
      const report = JSON.parse(stdout) as {
        replayed: number;
        failed: number;
        results: { workflowId: string }[];
      };
      expect(report).toMatchObject({ replayed: 2, failed: 0 });
      expect(report.results.map((r) => r.workflowId)).toContain(review.workflowId);
    });
  });
});
