import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import { deadlineDue } from '@engine/domain/review/deadlines';
import type { ReviewState } from '@engine/domain/review/review.types';
import { ReviewEntity } from '@engine/persistence';
import { restoreClocksUpdate } from '../../../../workflows/definitions';
import type { ResetPlanDto } from './dtos/repair.dto';
import {
  fail,
  findReview,
  UPDATE_WAIT_MS,
  withTimeout,
  type Outcome,
  type RepairContext,
  type RepairParams,
} from './repair-context';
import { eventId, eventTimeMs } from '@engine/temporal';
import {
  childrenStartedAfter,
  fetchEvents,
  resetPoint,
  signalsAndUpdatesAfter,
} from './workflow-history';

/**
 * Resets a review's workflow: the dry run (what runs again, what is reapplied, how deadlines
 * move) and the reset itself, after which the new run gets every deadline's legal basis back.
 */
@Injectable()
export class ResetService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  private review(reviewId: string): Promise<ReviewEntity> {
    return findReview(this.db, reviewId);
  }

  /** The dry run of a reset: what would run again, what is reapplied, how deadlines move. */
  async plan(reviewId: string, p: RepairParams): Promise<ResetPlanDto> {
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

  async reset(reviewId: string, p: RepairParams, ctx: RepairContext): Promise<Outcome> {
    const plan = await this.plan(reviewId, p);
    const row = await this.review(reviewId);
    const state = row.state as unknown as ReviewState;
    const Exclude = temporal.api.enums.v1.ResetReapplyExcludeType;
    const { runId } = await this.temporal.workflowService.resetWorkflowExecution({
      namespace: environment().TEMPORAL_NAMESPACE,
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
}
