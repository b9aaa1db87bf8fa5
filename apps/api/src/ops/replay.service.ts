import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { dataConverter, reviewWorkflowId } from '@engine/temporal';
import {
  ProjectionFeeds,
  projectionFeedSinks,
} from '@engine/activities/projection/projection-feeds';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import type { ReplayReportDto, ReplayResultDto } from './dtos/replay.dto';
import { childrenStartedAfter, fetchEvents } from './workflow-history';

/** The workflow code this deployment runs: the same entry the core worker bundles. */
const WORKFLOWS_PATH = require.resolve('../../../../workflows');

/**
 * Replays review histories fetched from the server against the current workflow bundle, so an
 * operator learns before (or after) a deploy which running reviews the new code would break.
 */
@Injectable()
export class ReplayService {
  private bundle?: Promise<WorkflowBundle>;

  constructor(@Inject(Client) private readonly temporal: Client) {}

  /** Bundled once, on first use (a few seconds). */
  private currentBundle(): Promise<WorkflowBundle> {
    this.bundle ??= bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    }).catch((err: unknown) => {
      this.bundle = undefined;
      throw err;
    });
    return this.bundle;
  }

  /** One review: its workflow and every workstream child it started. */
  async replayReview(reviewId: string): Promise<ReplayReportDto> {
    const workflowId = reviewWorkflowId(reviewId);
    let events: Awaited<ReturnType<typeof fetchEvents>>;
    try {
      events = await fetchEvents(this.temporal, workflowId);
    } catch {
      throw new DomainException(
        DomainExceptionCode.REVIEW_NOT_FOUND,
        `review ${reviewId}: no workflow ${workflowId}`,
      );
    }
    return this.replay([workflowId, ...new Set(childrenStartedAfter(events, 0))]);
  }

  /** Workflow ids matching a visibility query, newest first. */
  async workflowIds(query: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const w of this.temporal.workflow.list({ query })) {
        ids.push(w.workflowId);
        if (ids.length >= limit) break;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new DomainException(DomainExceptionCode.ACTION_REJECTED, `query: ${message}`, [
        { field: 'query', message },
      ]);
    }
    return [...new Set(ids)];
  }

  /** Replays in one replay worker (`Worker.runReplayHistories`) and reports every failure. */
  async replay(workflowIds: string[]): Promise<ReplayReportDto> {
    const bundle = await this.currentBundle();
    const results: ReplayResultDto[] = [];
    const missing: ReplayResultDto[] = [];
    const runIds = new Map<string, string | undefined>();
    const temporal = this.temporal;
    async function* histories() {
      for (const workflowId of workflowIds) {
        try {
          const handle = temporal.workflow.getHandle(workflowId);
          const description = await handle.describe();
          runIds.set(workflowId, description.runId);
          yield { workflowId, history: await handle.fetchHistory() };
        } catch (err) {
          missing.push({ workflowId, ok: false, errorType: 'NotFound', error: String(err) });
        }
      }
    }
    for await (const r of Worker.runReplayHistories(
      {
        workflowBundle: bundle,
        dataConverter: dataConverter(),
        // A replay calls no sink, but the review's must be known (or each call is logged).
        sinks: projectionFeedSinks(new ProjectionFeeds()),
      },
      histories(),
    )) {
      const e = r.error as Error | undefined;
      results.push({
        workflowId: r.workflowId,
        runId: runIds.get(r.workflowId),
        ok: !e,
        errorType: e?.name,
        error: e?.message,
      });
    }
    const all = [...results, ...missing];
    return { replayed: results.length, failed: all.filter((r) => !r.ok).length, results: all };
  }
}
