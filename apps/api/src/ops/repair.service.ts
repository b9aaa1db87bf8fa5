import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import type {
  ProjectionFeed,
  ReviewEvent,
  ReviewState,
  StepAssignee,
  StepRepairAction,
} from '@engine/domain/review/review.types';
import { ProtocolVersionEntity, ReviewEntity } from '@engine/persistence';
import { auditOps } from './ops-audit';
import { reviewWorkflowId, taskOutcome, workstreamWorkflowId } from '@engine/temporal';
import {
  raiseEscalationUpdate,
  repairStepUpdate,
  reviewStateQuery,
  projectionFeedQuery,
} from '../../../../workflows/definitions';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { mapUpdateError } from '../reviews/temporal-errors';
import type { ActivityAction, BatchAction } from './dtos/repair.dto';
import {
  fail,
  findReview,
  UPDATE_WAIT_MS,
  withTimeout,
  type Outcome,
  type RepairContext,
  type RepairParams,
} from './repair-context';
import { ResetService } from './reset.service';
import { fetchEvents, projected } from './workflow-history';

/**
 * Operator repairs of one review. Each one runs against Temporal (reset, activity APIs, workflow
 * updates, terminate) or re-runs the projection, and is audited with its before and after.
 */
@Injectable()
export class RepairService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly resets: ResetService,
  ) {}

  private get namespace(): string {
    return environment().TEMPORAL_NAMESPACE;
  }

  review(reviewId: string): Promise<ReviewEntity> {
    return findReview(this.db, reviewId);
  }

  /** Run one repair and audit it (`ops.<action>`) with its before and after. */
  async run(
    action: BatchAction,
    reviewId: string,
    params: RepairParams,
    ctx: RepairContext,
  ): Promise<Outcome> {
    const outcome = await this.dispatch(action, reviewId, params, ctx);
    await auditOps(this.db, {
      actor: ctx.by,
      role: ctx.role,
      requestId: ctx.httpRequestId,
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
        return this.resets.reset(reviewId, p, ctx);
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

  /**
   * The review's state from the workflow (a query), else as its last projection recorded it, and
   * every event up to that state. In this order: the state, then the events the review still holds
   * unprojected (engine v3's feed: a following projection may have written them without reporting
   * back yet), then the history, which by then holds whatever was reported back in between.
   *
   * A worker can answer a query from a workflow task the server then throws away. The feed names
   * the task it answered from, so it is read before and after the state: the same task both times,
   * and the history showing that task completed, prove the state committed. Otherwise (a feed read
   * failed, too) the state is the history's. A worker from before engine v3 has no feed query; its
   * answer is taken as it is, as before.
   */
  private async workflowState(
    workflowId: string,
  ): Promise<{ state: ReviewState; events: ReviewEvent[]; source: string }> {
    const handle = this.temporal.workflow.getHandle(workflowId);
    // 'none': the worker has no feed query (it predates engine v3); undefined: no answer.
    const feed = () =>
      withTimeout(handle.query(projectionFeedQuery, 0), UPDATE_WAIT_MS).catch((err: unknown) =>
        err instanceof QueryNotRegisteredError ? ('none' as const) : undefined,
      );
    let state: ReviewState | undefined;
    let before: ProjectionFeed | 'none' | undefined;
    let after: ProjectionFeed | 'none' | undefined;
    let queryError: unknown;
    try {
      before = await feed();
      state = await withTimeout(handle.query(reviewStateQuery), UPDATE_WAIT_MS);
      after = await feed();
    } catch (err) {
      queryError = err;
    }
    const history = await fetchEvents(this.temporal, workflowId);
    const { events, newestState } = await projected(this.temporal, history);
    const trusted =
      before === 'none'
        ? after === 'none'
        : !!before?.task &&
          after !== 'none' &&
          before.task.startedEventId === after?.task?.startedEventId &&
          before.task.timeMs === after.task.timeMs &&
          taskOutcome(history, after.task) === 'completed';
    if (state && trusted) {
      const pending = after && after !== 'none' ? after.events : [];
      const upTo = state.seq;
      const seqs = new Set(events.map((e) => e.seq));
      const all = [...events, ...pending.filter((e) => !seqs.has(e.seq))]
        .filter((e) => e.seq <= upTo)
        .sort((a, b) => a.seq - b.seq);
      return { state, events: all, source: 'query' };
    }
    if (!newestState) {
      if (queryError || !state) throw queryError;
      // It answered, from a task not shown committed yet (one running now, most likely).
      throw new DomainException(
        DomainExceptionCode.DEPENDENCY_UNAVAILABLE,
        'the review answered from a workflow task its history does not show completed; try again',
      );
    }
    return { state: newestState, events, source: 'history' };
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
