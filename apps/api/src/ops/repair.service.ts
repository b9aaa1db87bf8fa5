import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import { deadlineDue } from '@engine/domain/review/deadlines';
import type {
  ReviewEvent,
  ReviewState,
  StepAssignee,
  StepRepairAction,
} from '@engine/domain/review/review.types';
import { appendAudit, ProtocolVersionEntity, ReviewEntity } from '@engine/persistence';
import { reviewWorkflowId, workstreamWorkflowId } from '@engine/temporal';
import {
  raiseEscalationUpdate,
  repairStepUpdate,
  restoreClocksUpdate,
  reviewStateQuery,
} from '../../../../workflows/definitions';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { mapUpdateError } from '../reviews/temporal-errors';
import type { ActivityAction, BatchAction, ResetPlanDto } from './dtos/repair.dto';
import {
  childrenStartedAfter,
  eventId,
  eventTimeMs,
  fetchEvents,
  lastProjectedState,
  projectedEvents,
  resetPoint,
  signalsAndUpdatesAfter,
} from './workflow-history';

/** Parameters of any repair, as stored on a request row and passed by batches. */
export interface RepairParams {
  agency?: string;
  stepId?: string;
  activityId?: string;
  analyst?: string;
  toAgency?: string;
  subject?: string;
  level?: number;
  beforeEventId?: number;
  reapplySignals?: boolean;
  reapplyUpdates?: boolean;
}

/** Who runs a repair: the operator, and for two-person actions the request and its approver. */
export interface RepairContext {
  by: string;
  reason: string;
  requestId?: string;
  approvedBy?: string;
}

interface Outcome {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

const fail = (field: string, message: string): never => {
  throw new DomainException(DomainExceptionCode.ACTION_REJECTED, `${field}: ${message}`, [
    { field, message },
  ]);
};

/** How long a repair waits for a workflow to take an update (a failing workflow never does). */
const UPDATE_WAIT_MS = 15_000;

/**
 * Operator repairs of one review. Each one runs against Temporal (reset, activity APIs, workflow
 * updates, terminate) or re-runs the projection, and is audited with its before and after.
 */
@Injectable()
export class RepairService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  private get namespace(): string {
    return environment().TEMPORAL_NAMESPACE;
  }

  async review(reviewId: string): Promise<ReviewEntity> {
    const row = await this.db.getRepository(ReviewEntity).findOne({ where: { id: reviewId } });
    if (!row)
      throw new DomainException(
        DomainExceptionCode.REVIEW_NOT_FOUND,
        `review ${reviewId} not found`,
      );
    return row;
  }

  /** Run one repair and audit it (`ops.<action>`) with its before and after. */
  async run(
    action: BatchAction,
    reviewId: string,
    params: RepairParams,
    ctx: RepairContext,
  ): Promise<Outcome> {
    const outcome = await this.dispatch(action, reviewId, params, ctx);
    await appendAudit(this.db, {
      actor: ctx.by,
      action: `ops.${action}`,
      target: `review:${reviewId}`,
      justification: ctx.reason,
      reviewId,
      details: {
        params,
        ...(ctx.requestId ? { requestId: ctx.requestId, approvedBy: ctx.approvedBy } : {}),
        before: outcome.before,
        after: outcome.after,
      },
    });
    return outcome;
  }

  private dispatch(
    action: BatchAction,
    reviewId: string,
    p: RepairParams,
    ctx: RepairContext,
  ): Promise<Outcome> {
    switch (action) {
      case 'reset':
        return this.reset(reviewId, p, ctx);
      case 'skip':
      case 'retry':
      case 'reassign':
        return this.repairStep(reviewId, action, p, ctx);
      case 'escalate':
        return this.escalate(reviewId, p, ctx);
      case 'rebuild':
        return this.rebuild(reviewId);
      case 'terminate':
        return this.terminate(reviewId, ctx);
      case 'activity-retry':
      case 'activity-pause':
      case 'activity-unpause':
      case 'activity-reset':
        return this.activity(reviewId, action.slice('activity-'.length) as ActivityAction, p, ctx);
    }
  }

  // ---- reset ---------------------------------------------------------------------------------

  /** The dry run of a reset: what would run again, what is reapplied, how deadlines move. */
  async resetPlan(reviewId: string, p: RepairParams): Promise<ResetPlanDto> {
    const row = await this.review(reviewId);
    const state = row.state as unknown as ReviewState;
    const handle = this.temporal.workflow.getHandle(row.workflowId);
    const { runId } = await handle.describe();
    const events = await fetchEvents(this.temporal, row.workflowId);
    const point = resetPoint(events, p.beforeEventId);
    if (!point)
      fail(
        'beforeEventId',
        p.beforeEventId
          ? `no completed workflow task before event ${p.beforeEventId}`
          : 'the workflow has no completed workflow task to reset to',
      );
    const pointId = eventId(point!);
    // The reset re-runs the workflow task that completed at the point: what it did, and
    // everything after, happened from the moment that task started.
    const started = events.find((e) => eventId(e) === pointId - 1);
    const pointAt = eventTimeMs(started ?? point!);
    const messages = signalsAndUpdatesAfter(events, pointId);
    const kept = (kind: 'signal' | 'update') =>
      kind === 'signal' ? p.reapplySignals !== false : p.reapplyUpdates !== false;
    const restarted = new Set(childrenStartedAfter(events, pointId));
    const timeline: { type: string; at: Date; details: Record<string, unknown> }[] =
      await this.db.query(
        `SELECT type, at, details FROM review_events WHERE review_id = $1 AND at >= $2 ORDER BY seq`,
        [reviewId, new Date(pointAt)],
      );
    const setAfter = new Set(
      timeline.filter((e) => e.type === 'deadline_set').map((e) => String(e.details.deadlineId)),
    );
    const cal = { nonBusinessDates: state.nonBusinessDates ?? [] };
    const now = Date.now();
    const at = (ms?: number) =>
      ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
    return {
      reviewId,
      workflowId: row.workflowId,
      runId,
      resetEventId: pointId,
      resetPointAt: new Date(pointAt).toISOString(),
      reapplied: messages.filter((m) => kept(m.kind)),
      dropped: messages.filter((m) => !kept(m.kind)),
      stepsRunAgain: state.workstreams
        .filter((w) => restarted.has(w.workflowId))
        .flatMap((w) =>
          w.steps
            .filter((s) => s.status !== 'blocked')
            .map((s) => ({ agency: w.agency, stepId: s.stepId, title: s.title, status: s.status })),
        ),
      deadlines: state.deadlines.map((d) => ({
        deadlineId: d.id,
        label: d.label,
        status: d.status,
        basisAt: new Date(d.basisMs).toISOString(),
        dueAt: at(d.dueMs),
        setAfterResetPoint: setAfter.has(d.id),
        dueAfterReset: at(deadlineDue(d, cal)),
        dueIfClockRestarted: setAfter.has(d.id)
          ? at(deadlineDue({ ...d, basisMs: now }, cal))
          : undefined,
      })),
      timelineRedone: timeline.map((e) => e.type),
    };
  }

  private async reset(reviewId: string, p: RepairParams, ctx: RepairContext): Promise<Outcome> {
    const plan = await this.resetPlan(reviewId, p);
    const row = await this.review(reviewId);
    const state = row.state as unknown as ReviewState;
    const Exclude = temporal.api.enums.v1.ResetReapplyExcludeType;
    const { runId } = await this.temporal.workflowService.resetWorkflowExecution({
      namespace: this.namespace,
      workflowExecution: { workflowId: row.workflowId, runId: plan.runId },
      reason: `${ctx.by}: ${ctx.reason}`,
      workflowTaskFinishEventId: Long.fromNumber(plan.resetEventId),
      requestId: randomUUID(),
      resetReapplyExcludeTypes: [
        ...(p.reapplySignals === false ? [Exclude.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL] : []),
        ...(p.reapplyUpdates === false ? [Exclude.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE] : []),
      ],
      identity: `ops:${ctx.by}`,
    });
    // The new run re-executes code now: give it back every deadline's legal basis.
    const basis = state.deadlines.map((d) => ({ id: d.id, basisMs: d.basisMs }));
    let clocks: Record<string, unknown>;
    try {
      await this.restoreClocks(row.workflowId, runId, basis, ctx);
      clocks = { restored: basis.length };
    } catch (err) {
      const e = err as Error & { cause?: Error };
      clocks = { restored: 0, error: e.cause?.message ?? e.message };
    }
    return {
      before: { runId: plan.runId, deadlines: plan.deadlines.map((d) => [d.deadlineId, d.dueAt]) },
      after: { runId, resetEventId: plan.resetEventId, clocks, stepsRunAgain: plan.stepsRunAgain },
    };
  }

  /**
   * Sends the original deadline bases to the reset run. Its first workflow task may not have
   * registered the handler yet (an update then fails as unknown): try again until it has.
   */
  private async restoreClocks(
    workflowId: string,
    runId: string,
    deadlines: { id: string; basisMs: number }[],
    ctx: RepairContext,
  ): Promise<void> {
    const handle = this.temporal.workflow.getHandle(workflowId, runId);
    const until = Date.now() + UPDATE_WAIT_MS;
    for (;;) {
      try {
        await withTimeout(
          handle.executeUpdate(restoreClocksUpdate, {
            args: [{ actor: { id: ctx.by }, reason: `after reset: ${ctx.reason}`, deadlines }],
          }),
          Math.max(until - Date.now(), 1),
        );
        return;
      } catch (err) {
        const cause = (err as { cause?: Error }).cause?.message ?? '';
        if (!/no registered handler|unknown update/i.test(cause) || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  // ---- activities ----------------------------------------------------------------------------

  async activity(
    reviewId: string,
    action: ActivityAction,
    p: RepairParams,
    ctx: RepairContext,
  ): Promise<Outcome> {
    const row = await this.review(reviewId);
    const workflowId = p.agency ? workstreamWorkflowId(reviewId, p.agency) : row.workflowId;
    const before = await this.pendingActivity(row, workflowId, p);
    const execution = { workflowId };
    const common = {
      namespace: this.namespace,
      execution,
      identity: `ops:${ctx.by}`,
      id: before.activityId,
    };
    const svc = this.temporal.workflowService;
    try {
      if (action === 'pause')
        await svc.pauseActivity({ ...common, reason: `${ctx.by}: ${ctx.reason}` });
      else if (action === 'unpause') await svc.unpauseActivity({ ...common, resetAttempts: true });
      else if (action === 'retry') await svc.resetActivity({ ...common, keepPaused: false });
      else
        await svc.resetActivity({
          ...common,
          resetHeartbeat: true,
          restoreOriginalOptions: true,
        });
    } catch (err) {
      fail('activityId', `Temporal refused to ${action} the activity: ${(err as Error).message}`);
    }
    const after = await this.pendingActivity(row, workflowId, {
      ...p,
      activityId: before.activityId,
    }).catch(() => ({ activityId: before.activityId, state: 'COMPLETED' }));
    return { before, after };
  }

  private async pendingActivity(
    row: ReviewEntity,
    workflowId: string,
    p: RepairParams,
  ): Promise<{
    activityId: string;
    activityType?: string;
    state?: string;
    attempt?: number;
    paused?: boolean;
  }> {
    let pending: temporal.api.workflow.v1.IPendingActivityInfo[];
    try {
      const d = await this.temporal.workflowService.describeWorkflowExecution({
        namespace: this.namespace,
        execution: { workflowId },
      });
      pending = d.pendingActivities ?? [];
    } catch {
      return fail(p.agency ? 'agency' : 'review', `no workflow ${workflowId}`);
    }
    let match = pending;
    if (p.activityId) match = pending.filter((a) => a.activityId === p.activityId);
    else if (p.stepId) {
      const stepType = await this.stepType(row, p.agency, p.stepId);
      match = pending.filter((a) => a.activityType?.name === stepType);
    }
    if (match.length !== 1)
      fail(
        p.activityId ? 'activityId' : 'stepId',
        match.length === 0
          ? `no pending activity matches in ${workflowId}`
          : `${match.length} activities are pending (${match.map((a) => a.activityId).join(', ')}); name one with activityId`,
      );
    const a = match[0];
    return {
      activityId: a.activityId ?? '',
      activityType: a.activityType?.name ?? undefined,
      state: temporal.api.enums.v1.PendingActivityState[a.state ?? 0]?.replace(
        'PENDING_ACTIVITY_STATE_',
        '',
      ),
      attempt: a.attempt ?? undefined,
      paused: a.paused ?? false,
    };
  }

  private async stepType(row: ReviewEntity, agency: string | undefined, stepId: string) {
    const protocol = await this.db
      .getRepository(ProtocolVersionEntity)
      .findOne({ where: { key: row.protocolKey, version: row.protocolVersion } });
    const definition = protocol?.definition as
      | { workstreams?: { agency: string; steps: { id: string; stepType?: string }[] }[] }
      | undefined;
    const step = definition?.workstreams
      ?.find((w) => w.agency === agency)
      ?.steps.find((s) => s.id === stepId);
    if (!step) fail('stepId', `no step "${stepId}" in the ${agency ?? '?'} workstream`);
    if (!step!.stepType) fail('stepId', `step "${stepId}" is manual; it runs no activity`);
    return step!.stepType!;
  }

  // ---- steps, escalations ---------------------------------------------------------------------

  private async repairStep(
    reviewId: string,
    action: StepRepairAction,
    p: RepairParams,
    ctx: RepairContext,
  ): Promise<Outcome> {
    if (!p.agency) fail('agency', 'name the agency whose step is repaired');
    if (!p.stepId) fail('stepId', 'name the step');
    const row = await this.review(reviewId);
    if (row.status === 'closed')
      throw new DomainException(DomainExceptionCode.REVIEW_CLOSED, `review ${reviewId} is closed`);
    const state = row.state as unknown as ReviewState;
    const before = state.workstreams
      .find((w) => w.agency === p.agency)
      ?.steps.find((s) => s.stepId === p.stepId);
    if (!before) fail('stepId', `no step "${p.stepId}" in the ${p.agency} workstream`);
    const assignee: StepAssignee | undefined =
      action === 'reassign' ? { analyst: p.analyst, agency: p.toAgency } : undefined;
    const handle = this.temporal.workflow.getHandle(workstreamWorkflowId(reviewId, p.agency!));
    try {
      const after = await handle.executeUpdate(repairStepUpdate, {
        args: [{ actor: { id: ctx.by }, reason: ctx.reason, stepId: p.stepId!, action, assignee }],
      });
      return { before: stepView(before!), after: stepView(after) };
    } catch (err) {
      return mapUpdateError(err, `step ${action}`);
    }
  }

  private async escalate(reviewId: string, p: RepairParams, ctx: RepairContext): Promise<Outcome> {
    if (!p.subject?.trim()) fail('subject', 'say what is escalated');
    const row = await this.review(reviewId);
    const state = row.state as unknown as ReviewState;
    try {
      const e = await this.temporal.workflow
        .getHandle(row.workflowId)
        .executeUpdate(raiseEscalationUpdate, {
          args: [
            { actor: { id: ctx.by }, subject: p.subject!, level: p.level, reason: ctx.reason },
          ],
        });
      return {
        before: { openEscalations: state.escalations.filter((x) => x.status === 'open').length },
        after: { escalationId: e.id, level: e.level, levelName: e.levelName },
      };
    } catch (err) {
      return mapUpdateError(err, 'escalation');
    }
  }

  // ---- read model, termination -----------------------------------------------------------------

  /** The review's state from the workflow (a query), else as its last projection recorded it. */
  private async workflowState(
    workflowId: string,
  ): Promise<{ state: ReviewState; events: ReviewEvent[]; source: string }> {
    const history = await fetchEvents(this.temporal, workflowId);
    const events = await projectedEvents(this.temporal, history);
    try {
      const state = await withTimeout(
        this.temporal.workflow.getHandle(workflowId).query(reviewStateQuery),
        UPDATE_WAIT_MS,
      );
      return { state, events, source: 'query' };
    } catch (err) {
      const last = await lastProjectedState(this.temporal, history);
      if (!last) throw err;
      return { state: last, events, source: 'history' };
    }
  }

  private async project(
    reviewId: string,
    workflowId: string,
    state: ReviewState,
    events: ReviewEvent[],
  ) {
    await this.temporal.workflow.execute('rebuildReadModelWorkflow', {
      taskQueue: environment().TEMPORAL_TASK_QUEUE,
      workflowId: `ops-rebuild-${reviewId}-${randomUUID()}`,
      args: [{ reviewId, workflowId, state, events }],
    });
  }

  private async readModelView(reviewId: string): Promise<Record<string, unknown>> {
    const row = await this.db.getRepository(ReviewEntity).findOne({ where: { id: reviewId } });
    const [{ count }] = (await this.db.query(
      `SELECT count(*)::int AS count FROM review_events WHERE review_id = $1`,
      [reviewId],
    )) as { count: number }[];
    return row
      ? { status: row.status, stage: row.stage, lastSeq: row.lastSeq, timelineEvents: count }
      : { missing: true, timelineEvents: count };
  }

  /**
   * Rebuilds the read model from the workflow: the state from a query (or the last projection in
   * the history when the workflow cannot answer), the timeline from the history, written by the
   * review's own projection activity. The projection only moves forward, so the fence is lowered
   * first; the rows are then exactly what the workflow holds.
   */
  async rebuild(reviewId: string): Promise<Outcome> {
    const before = await this.readModelView(reviewId);
    const workflowId = reviewWorkflowId(reviewId);
    let found: Awaited<ReturnType<RepairService['workflowState']>>;
    try {
      found = await this.workflowState(workflowId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5)
        throw new DomainException(
          DomainExceptionCode.REVIEW_NOT_FOUND,
          `no workflow ${workflowId}`,
        );
      throw err;
    }
    // The review row's sequence number is the projection's only fence: its child rows are
    // replaced whenever the row is.
    await this.db.query(`UPDATE reviews SET last_seq = -1 WHERE id = $1`, [reviewId]);
    await this.project(reviewId, workflowId, found.state, found.events);
    return {
      before,
      after: { ...(await this.readModelView(reviewId)), source: found.source },
    };
  }

  private async terminate(reviewId: string, ctx: RepairContext): Promise<Outcome> {
    const row = await this.review(reviewId);
    const handle = this.temporal.workflow.getHandle(row.workflowId);
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING')
      fail('review', `the review workflow is ${status.name.toLowerCase()}, not running`);
    const { state } = await this.workflowState(row.workflowId);
    await handle.terminate(`${ctx.by}: ${ctx.reason}`);
    // The workflow cannot record its own end: project it, so the record says who and why.
    const at = new Date().toISOString();
    for (const d of state.deadlines) if (d.status === 'open') d.status = 'cancelled';
    state.status = 'closed';
    state.stage = 'closed';
    state.closure = { reason: 'terminated', by: ctx.by, justification: ctx.reason, at };
    state.seq += 1;
    const event: ReviewEvent = {
      seq: state.seq,
      type: 'review_terminated',
      actor: ctx.by,
      reason: ctx.reason,
      at,
      details: { approvedBy: ctx.approvedBy, requestId: ctx.requestId },
    };
    await this.project(reviewId, row.workflowId, state, [event]);
    return {
      before: { workflow: status.name, status: row.status, stage: row.stage },
      after: { workflow: 'TERMINATED', ...(await this.readModelView(reviewId)) },
    };
  }
}

const stepView = (s: ReviewState['workstreams'][number]['steps'][number]) => ({
  agency: s.agency,
  stepId: s.stepId,
  status: s.status,
  assignee: s.assignee,
  failure: s.failure,
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the workflow within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // a late failure after the timeout is not unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
