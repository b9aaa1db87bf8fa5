import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import type { ProjectionBatch, ReviewState } from '../../libs/domain/src/review/review.types';

/** What the review workflow may call on the core task queue. */
export interface ProjectionActivities {
  projectReview(batch: ProjectionBatch): Promise<void>;
}

/**
 * Projects review state changes into the read model, the timeline and the audit log in one
 * transaction. Idempotent: rows are keyed by (review, seq) and the review row only moves
 * forward, so a retried or replayed projection converges to the same rows.
 */
@Injectable()
export class ProjectionActivitiesService implements ProjectionActivities {
  constructor(private readonly dataSource: DataSource) {}

  async projectReview(batch: ProjectionBatch): Promise<void> {
    const { state, events } = batch;
    const lastSeq = events.length ? events[events.length - 1].seq : state.seq;
    await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO reviews (id, workflow_id, idempotency_key, protocol_key, protocol_version, developer_org,
           model_name, model_version, planned_release_date, status, stage, closure_reason, determination,
           lead_agency, next_deadline, escalation_level, refiled_from, last_seq, state, closed_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
         ON CONFLICT (id) DO UPDATE SET
           planned_release_date = EXCLUDED.planned_release_date, status = EXCLUDED.status,
           stage = EXCLUDED.stage, closure_reason = EXCLUDED.closure_reason,
           determination = EXCLUDED.determination, next_deadline = EXCLUDED.next_deadline,
           escalation_level = EXCLUDED.escalation_level, last_seq = EXCLUDED.last_seq,
           state = EXCLUDED.state, closed_at = EXCLUDED.closed_at, updated_at = now()
         WHERE reviews.last_seq < EXCLUDED.last_seq`,
        [
          state.reviewId,
          batch.workflowId,
          state.idempotencyKey ?? null,
          state.protocolKey,
          state.protocolVersion,
          state.developerOrg,
          state.modelName,
          state.modelVersion,
          state.plannedReleaseDate,
          state.status,
          state.stage,
          state.closure?.reason ?? null,
          state.determination?.determination ?? null,
          state.leadAgency,
          nextDeadline(state),
          escalationLevel(state),
          state.refiledFrom ?? null,
          lastSeq,
          JSON.stringify(state),
          state.closure ? state.closure.at : null,
        ],
      );

      for (const ws of state.workstreams) {
        for (const step of ws.steps) {
          const due = state.deadlines.find((d) => d.id === `step:${ws.agency}:${step.stepId}`);
          await tx.query(
            `INSERT INTO review_steps (review_id, agency, step_id, title, kind, status, domain, risk_level, due_at, completed_at, last_seq)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
             ON CONFLICT (review_id, agency, step_id) DO UPDATE SET
               status = EXCLUDED.status, risk_level = EXCLUDED.risk_level, due_at = EXCLUDED.due_at,
               completed_at = EXCLUDED.completed_at, last_seq = EXCLUDED.last_seq
             WHERE review_steps.last_seq < EXCLUDED.last_seq`,
            [
              state.reviewId,
              ws.agency,
              step.stepId,
              step.title,
              step.kind,
              step.status,
              step.domain,
              step.finding?.riskLevel ?? null,
              due && Number.isFinite(due.dueMs) ? new Date(due.dueMs).toISOString() : null,
              step.completedAt ?? null,
              lastSeq,
            ],
          );
        }
      }

      for (const e of events) {
        await tx.query(
          `INSERT INTO review_events (review_id, seq, type, actor, reason, at, details)
           VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (review_id, seq) DO NOTHING`,
          [
            state.reviewId,
            e.seq,
            e.type,
            e.actor,
            e.reason ?? null,
            e.at,
            JSON.stringify(e.details),
          ],
        );
        await tx.query(
          `INSERT INTO audit_log (actor, action, target, justification, review_id, seq, at, details)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
           ON CONFLICT (review_id, seq) WHERE review_id IS NOT NULL AND seq IS NOT NULL DO NOTHING`,
          [
            e.actor,
            e.type,
            `review:${state.reviewId}`,
            e.reason ?? null,
            state.reviewId,
            e.seq,
            e.at,
            JSON.stringify(e.details),
          ],
        );
      }
    });
    log.debug('projected review', {
      reviewId: state.reviewId,
      seq: lastSeq,
      events: events.length,
    });
  }
}

function nextDeadline(state: ReviewState): string | null {
  const dues = [
    ...state.deadlines
      .filter((d) => d.status === 'open' && !d.stops.some((s) => s.toMs === undefined))
      .map((d) => d.dueMs),
    ...state.escalations.filter((e) => e.status === 'open').map((e) => e.dueMs),
  ].filter(Number.isFinite);
  return dues.length ? new Date(Math.min(...dues)).toISOString() : null;
}

function escalationLevel(state: ReviewState): number | null {
  const open = state.escalations.filter((e) => e.status === 'open').map((e) => e.level);
  return open.length ? Math.max(...open) : null;
}
