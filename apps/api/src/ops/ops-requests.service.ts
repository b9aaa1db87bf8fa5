import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import { OpsRequestEntity, type AuditActor } from '@engine/persistence';
import { auditOps } from './ops-audit';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import type { BatchAction } from './dtos/repair.dto';
import { toOpsRequestDto, type OpsRequestDto } from './dtos/ops-request.dto';
import type { RepairParams } from './repair-context';
import { RepairService } from './repair.service';
import { ReplayService } from './replay.service';

/** Repairs that change a review's record irreversibly, and every batch, need two operators. */
export const TWO_PERSON_ACTIONS = ['reset', 'skip', 'terminate'] as const;

interface BatchParams extends RepairParams {
  ratePerSecond?: number;
  limit?: number;
}

/**
 * The two-person rule: one operator requests, a different operator approves, and only then the
 * repair runs (as the requester, with the approver on the record). Every step is audited.
 */
@Injectable()
export class OpsRequestsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repairs: RepairService,
    private readonly replay: ReplayService,
  ) {}

  async request(
    action: BatchAction,
    target: { reviewId?: string; query?: string },
    params: BatchParams,
    actor: AuditActor,
    reason: string,
  ): Promise<OpsRequestDto> {
    const by = actor.id;
    if (target.reviewId) await this.repairs.review(target.reviewId);
    const repo = this.db.getRepository(OpsRequestEntity);
    const row = await repo.save(
      repo.create({
        action: target.query ? `batch:${action}` : action,
        reviewId: target.reviewId ?? null,
        query: target.query ?? null,
        params: params as Record<string, unknown>,
        reason,
        requestedBy: by,
        requestedAt: new Date(),
        status: 'pending',
      }),
    );
    await auditOps(this.db, {
      actor: by,
      role: actor.role,
      requestId: actor.requestId,
      action: 'ops.request_created',
      target: `ops-request:${row.id}`,
      justification: reason,
      reviewId: row.reviewId,
      details: { action: row.action, query: row.query, params, after: { status: 'pending' } },
    });
    return toOpsRequestDto(row);
  }

  async list(status?: string): Promise<OpsRequestDto[]> {
    const rows = await this.db.getRepository(OpsRequestEntity).find({
      where: status ? { status: status as OpsRequestEntity['status'] } : {},
      order: { requestedAt: 'DESC' },
      take: 200,
    });
    return rows.map(toOpsRequestDto);
  }

  async get(id: string): Promise<OpsRequestDto> {
    return toOpsRequestDto(await this.row(id));
  }

  private async row(id: string): Promise<OpsRequestEntity> {
    const row = await this.db.getRepository(OpsRequestEntity).findOne({ where: { id } });
    if (!row)
      throw new DomainException(
        DomainExceptionCode.OPS_REQUEST_NOT_FOUND,
        `ops request ${id} not found`,
      );
    return row;
  }

  /** Turn a pending request down (any operator; the requester withdraws it the same way). */
  async reject(id: string, actor: AuditActor, reason: string): Promise<OpsRequestDto> {
    const by = actor.id;
    const [, changed] = (await this.db.query(
      `UPDATE ops_requests SET status = 'rejected', executed_at = now(), error = $2
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id, `rejected by ${by}: ${reason}`],
    )) as [unknown[], number];
    const row = await this.row(id);
    if (changed !== 1)
      throw new DomainException(
        DomainExceptionCode.OPS_REQUEST_NOT_PENDING,
        `rejection: request ${id} is ${row.status}, not pending`,
      );
    await auditOps(this.db, {
      actor: by,
      role: actor.role,
      requestId: actor.requestId,
      action: 'ops.request_rejected',
      target: `ops-request:${id}`,
      justification: reason,
      reviewId: row.reviewId,
      details: { action: row.action, before: { status: 'pending' }, after: { status: 'rejected' } },
    });
    return toOpsRequestDto(row);
  }

  /** Approve and run. The same operator, or a request no longer pending, is refused. */
  async approve(id: string, actor: AuditActor, comment?: string): Promise<OpsRequestDto> {
    const by = actor.id;
    // One statement claims the request, so two approvers racing cannot both run it.
    // (TypeORM returns [rows, affected] for an UPDATE on PostgreSQL.)
    const [, claimed] = (await this.db.query(
      `UPDATE ops_requests SET status = 'running', approved_by = $2, approved_at = now()
       WHERE id = $1 AND status = 'pending' AND requested_by <> $2 RETURNING id`,
      [id, by],
    )) as [unknown[], number];
    if (claimed !== 1) {
      const row = await this.row(id);
      if (row.requestedBy === by) {
        await auditOps(this.db, {
          actor: by,
          role: actor.role,
          requestId: actor.requestId,
          action: 'ops.approval_refused',
          target: `ops-request:${id}`,
          justification: 'two-person rule: the requester cannot approve',
          reviewId: row.reviewId,
          details: { action: row.action },
        });
        throw new DomainException(
          DomainExceptionCode.OPS_SAME_OPERATOR,
          `approval: ${by} requested this ${row.action}; a second operator must approve it`,
          [{ field: 'actor.id', message: 'the requester cannot approve their own request' }],
        );
      }
      throw new DomainException(
        DomainExceptionCode.OPS_REQUEST_NOT_PENDING,
        `approval: request ${id} is ${row.status}, not pending`,
      );
    }
    const row = await this.row(id);
    await auditOps(this.db, {
      actor: by,
      role: actor.role,
      requestId: actor.requestId,
      action: 'ops.request_approved',
      target: `ops-request:${id}`,
      justification: comment ?? null,
      reviewId: row.reviewId,
      details: { action: row.action, before: { status: 'pending' }, after: { status: 'running' } },
    });
    let result: Record<string, unknown> | null = null;
    let error: string | null = null;
    try {
      result = row.query ? await this.runBatch(row, actor) : await this.runOne(row, actor);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    await this.db.query(
      `UPDATE ops_requests SET status = $2, executed_at = now(), result = $3, error = $4 WHERE id = $1`,
      [id, error ? 'failed' : 'executed', result ? JSON.stringify(result) : null, error],
    );
    if (error) {
      await auditOps(this.db, {
        actor: by,
        role: actor.role,
        requestId: actor.requestId,
        action: 'ops.request_failed',
        target: `ops-request:${id}`,
        justification: row.reason,
        reviewId: row.reviewId,
        details: { action: row.action, error },
      });
    }
    return this.get(id);
  }

  private async runOne(row: OpsRequestEntity, approver: AuditActor) {
    const outcome = await this.repairs.run(
      row.action as BatchAction,
      row.reviewId!,
      row.params as RepairParams,
      {
        by: row.requestedBy,
        role: 'operator',
        reason: row.reason,
        requestId: row.id,
        approvedBy: approver.id,
        httpRequestId: approver.requestId,
      },
    );
    return { ...outcome };
  }

  /** A batch: every review the query selects, at most `ratePerSecond` per second. */
  private async runBatch(row: OpsRequestEntity, approver: AuditActor) {
    const env = environment();
    const { ratePerSecond, limit, ...params } = row.params as BatchParams;
    const rate = ratePerSecond ?? env.OPS_BATCH_RATE_PER_SECOND;
    const query = `(${row.query}) AND WorkflowType = 'reviewWorkflow'`;
    const workflowIds = await this.replay.workflowIds(query, limit ?? env.OPS_BATCH_LIMIT);
    const action = row.action.slice('batch:'.length) as BatchAction;
    const started = Date.now();
    const results: { reviewId: string; ok: boolean; error?: string }[] = [];
    for (const [i, workflowId] of workflowIds.entries()) {
      const wait = started + (i * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const reviewId = workflowId.replace(/^review-/, '');
      try {
        await this.repairs.run(action, reviewId, params, {
          by: row.requestedBy,
          reason: row.reason,
          requestId: row.id,
          approvedBy: approver.id,
          role: 'operator',
          httpRequestId: approver.requestId,
        });
        results.push({ reviewId, ok: true });
      } catch (err) {
        results.push({
          reviewId,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return {
      matched: workflowIds.length,
      succeeded: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
      ratePerSecond: rate,
      results,
    };
  }
}
