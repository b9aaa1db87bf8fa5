import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DataSource } from 'typeorm';
import { environment } from '@engine/config/environment';
import { ProtocolVersionEntity, ReviewEntity } from '@engine/persistence';
import type { Protocol } from '@engine/domain/protocol/protocol.types';
import type { ReviewState } from '@engine/domain/review/review.types';
import type { StuckQueryDto, StuckReasonDto, StuckReportDto } from './dtos/stuck.dto';
import { readModelReasons, suggest } from './stuck-rules';
import { fetchEvents, lastWorkflowTaskFailure } from './workflow-history';

type Describe = temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;
const Status = temporal.api.enums.v1.WorkflowExecutionStatus;

const CONCURRENCY = 8;

/**
 * Finds reviews that are stuck and says why, from two sources: the Temporal server (failing
 * workflow tasks such as a determinism failure, failing or paused activities, task queues without
 * pollers) and the read model (failed steps, escalations nobody acknowledged, no progress).
 */
@Injectable()
export class StuckService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  async report(query: StuckQueryDto): Promise<StuckReportDto> {
    const env = environment();
    const now = Date.now();
    const noProgressMs = (query.noProgressSeconds ?? env.OPS_NO_PROGRESS_MINUTES * 60) * 1000;
    const graceMs = (query.escalationGraceSeconds ?? env.OPS_ESCALATION_GRACE_MINUTES * 60) * 1000;
    const rows = await this.db.getRepository(ReviewEntity).find({
      where: { status: 'open' },
      order: { updatedAt: 'DESC' },
      take: query.limit ?? 200,
    });
    const pollers = new Map<string, Promise<number>>();
    const items: StuckReportDto['items'] = [];
    // A few reviews at a time: each costs a describe per running workflow.
    for (let i = 0; i < rows.length; i += CONCURRENCY) {
      const batch = rows.slice(i, i + CONCURRENCY);
      const found = await Promise.all(
        batch.map((row) => this.reviewReasons(row, now, noProgressMs, graceMs, pollers)),
      );
      batch.forEach((row, j) => {
        if (found[j].length)
          items.push({
            reviewId: row.id,
            workflowId: row.workflowId,
            stage: row.stage,
            updatedAt: row.updatedAt.toISOString(),
            reasons: found[j],
          });
      });
    }
    items.push(...(await this.missingFromReadModel(query.limit ?? 200)));
    return { checkedAt: new Date(now).toISOString(), reviewsChecked: rows.length, items };
  }

  /** Running review workflows the read model does not know at all (its row was lost). */
  private async missingFromReadModel(limit: number): Promise<StuckReportDto['items']> {
    const running: string[] = [];
    for await (const w of this.temporal.workflow.list({
      query: `WorkflowType = 'reviewWorkflow' AND ExecutionStatus = 'Running'`,
    })) {
      running.push(w.workflowId);
      if (running.length >= limit) break;
    }
    const ids = running.map((w) => w.replace(/^review-/, ''));
    const known: { id: string }[] = ids.length
      ? await this.db.query(`SELECT id::text FROM reviews WHERE id = ANY($1::uuid[])`, [ids])
      : [];
    const have = new Set(known.map((r) => r.id));
    return ids
      .filter((id) => !have.has(id))
      .map((id) => ({
        reviewId: id,
        workflowId: `review-${id}`,
        stage: 'unknown',
        updatedAt: new Date(0).toISOString(),
        reasons: [
          {
            kind: 'read_model_missing' as const,
            detail: 'the review workflow runs, but the read model has no row for it',
            workflowId: `review-${id}`,
            suggested: suggest(
              'rebuild',
              `reviewctl rebuild ${id} --reason "…"`,
              'Rebuild the read model from the workflow state and its history',
            ),
          },
        ],
      }));
  }

  private async reviewReasons(
    row: ReviewEntity,
    now: number,
    noProgressMs: number,
    graceMs: number,
    pollers: Map<string, Promise<number>>,
  ): Promise<StuckReasonDto[]> {
    const state = row.state as unknown as ReviewState;
    const reasons = [
      ...(await this.fromTemporal(row, state, pollers)),
      ...readModelReasons(row, state, now, noProgressMs, graceMs),
    ];
    // One reason per step and kind: the server's view and the read model's may both see it.
    const seen = new Set<string>();
    return reasons.filter((r) => {
      const key = `${r.kind}:${r.agency ?? ''}:${r.stepId ?? r.activityId ?? r.escalationId ?? r.workflowId ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private async describe(workflowId: string): Promise<Describe | undefined> {
    try {
      return await this.temporal.workflowService.describeWorkflowExecution({
        namespace: environment().TEMPORAL_NAMESPACE,
        execution: { workflowId },
      });
    } catch (err) {
      if ((err as { code?: number }).code === 5) return undefined; // NOT_FOUND
      throw err;
    }
  }

  private readonly protocols = new Map<string, Promise<Map<string, string>>>();

  /** `agency:stepType` → step id, from the protocol version the review runs (published: immutable). */
  private stepTypes(row: ReviewEntity): Promise<Map<string, string>> {
    const key = `${row.protocolKey}@${row.protocolVersion}`;
    let found = this.protocols.get(key);
    if (!found) {
      found = this.db
        .getRepository(ProtocolVersionEntity)
        .findOne({ where: { key: row.protocolKey, version: row.protocolVersion } })
        .then((p) => {
          const def = p?.definition as unknown as Protocol | undefined;
          return new Map(
            (def?.workstreams ?? []).flatMap((w) =>
              w.steps.flatMap((s) =>
                s.stepType ? [[`${w.agency}:${s.stepType}`, s.id] as const] : [],
              ),
            ),
          );
        });
      found.catch(() => this.protocols.delete(key));
      this.protocols.set(key, found);
    }
    return found;
  }

  private pollerCount(taskQueue: string, cache: Map<string, Promise<number>>): Promise<number> {
    let count = cache.get(taskQueue);
    if (!count) {
      count = this.temporal.workflowService
        .describeTaskQueue({
          namespace: environment().TEMPORAL_NAMESPACE,
          taskQueue: {
            name: taskQueue,
            kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        })
        .then((r) => r.pollers?.length ?? 0);
      cache.set(taskQueue, count);
    }
    return count;
  }

  private async fromTemporal(
    row: ReviewEntity,
    state: ReviewState,
    pollers: Map<string, Promise<number>>,
  ): Promise<StuckReasonDto[]> {
    const id = row.id;
    const reasons: StuckReasonDto[] = [];
    const review = await this.describe(row.workflowId);
    const status = review?.workflowExecutionInfo?.status;
    if (!review || (status !== Status.WORKFLOW_EXECUTION_STATUS_RUNNING && status !== undefined)) {
      const what = review
        ? Status[status ?? 0].replace('WORKFLOW_EXECUTION_STATUS_', '')
        : 'NOT_FOUND';
      reasons.push({
        kind: 'workflow_not_running',
        detail: `the read model says open, but the review workflow is ${what}`,
        workflowId: row.workflowId,
        suggested: suggest(
          'rebuild',
          `reviewctl rebuild ${id} --reason "…"`,
          'Rebuild the read model from the workflow state',
        ),
      });
      return reasons;
    }
    const running = [
      { workflowId: row.workflowId, agency: undefined as string | undefined, describe: review },
    ];
    for (const ws of state.workstreams.filter((w) => w.status === 'running')) {
      const d = await this.describe(ws.workflowId);
      if (d?.workflowExecutionInfo?.status === Status.WORKFLOW_EXECUTION_STATUS_RUNNING)
        running.push({ workflowId: ws.workflowId, agency: ws.agency, describe: d });
    }
    for (const { workflowId, agency, describe } of running) {
      if ((describe.pendingWorkflowTask?.attempt ?? 1) > 1) {
        const failure = lastWorkflowTaskFailure(await fetchEvents(this.temporal, workflowId));
        const nd = failure?.nonDeterministic ?? false;
        reasons.push({
          kind: 'workflow_task_failing',
          detail: nd
            ? `workflow code no longer replays this history (non-determinism): ${failure?.message ?? ''}`
            : `workflow task failing (${failure?.cause ?? 'unknown cause'}): ${failure?.message ?? ''}`,
          workflowId,
          agency,
          attempts: describe.pendingWorkflowTask?.attempt ?? undefined,
          lastFailure: failure?.message,
          suggested: nd
            ? suggest(
                'reset',
                `reviewctl replay ${id}; reviewctl reset ${id} --before-event <id> --reason "…"`,
                'Deploy code that keeps the old path behind patched(), or reset to before the change (two operators)',
              )
            : suggest(
                'replay',
                `reviewctl replay ${id}`,
                'Replay the history against the current code to see the failure, then fix or reset',
              ),
        });
      }
      for (const a of describe.pendingActivities ?? []) {
        const step = agency
          ? (await this.stepTypes(row)).get(`${agency}:${a.activityType?.name}`)
          : undefined;
        const base = {
          workflowId,
          agency,
          stepId: step,
          activityId: a.activityId ?? undefined,
          attempts: a.attempt ?? undefined,
          taskQueue: a.activityOptions?.taskQueue?.name ?? undefined,
        };
        const target = agency
          ? `--agency ${agency} --activity ${a.activityId}`
          : `--activity ${a.activityId}`;
        if (a.paused) {
          reasons.push({
            ...base,
            kind: 'activity_paused',
            detail: `activity ${a.activityType?.name} is paused`,
            suggested: suggest(
              'unpause',
              `reviewctl unpause ${id} ${target} --reason "…"`,
              'Unpause it once the cause is fixed',
            ),
          });
        } else if ((a.attempt ?? 1) > 1 && a.lastFailure) {
          reasons.push({
            ...base,
            kind: 'activity_failing',
            detail: `activity ${a.activityType?.name} failed ${(a.attempt ?? 1) - 1} time(s): ${a.lastFailure.message}`,
            lastFailure: a.lastFailure.message ?? undefined,
            suggested: suggest(
              'retry',
              `reviewctl pause ${id} ${target} --reason "…"; reviewctl retry ${id} ${target} --reason "…"`,
              "Fix the agency's worker, then retry now; pause it meanwhile to stop the attempts",
            ),
          });
        } else if (
          a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED &&
          base.taskQueue &&
          (await this.pollerCount(base.taskQueue, pollers)) === 0
        ) {
          reasons.push({
            ...base,
            kind: 'no_poller',
            detail: `no worker polls ${base.taskQueue}; activity ${a.activityType?.name} waits`,
            suggested: suggest(
              'reassign',
              `reviewctl reassign ${id} --agency ${agency} --step ${step ?? '<step>'} --to-agency <agency> --reason "…"`,
              "Start the agency's worker, or reassign the step to an agency whose worker runs it",
            ),
          });
        }
      }
    }
    return reasons;
  }
}
