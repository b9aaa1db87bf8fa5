import { Inject, Injectable, Optional } from '@nestjs/common';
import { Context, log } from '@temporalio/activity';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import {
  ReviewClockStopEntity,
  ReviewDeadlineEntity,
  ReviewEscalationEntity,
  ReviewExtensionEntity,
  ReviewFindingEntity,
  ReviewStepEntity,
  ReviewWorkstreamEntity,
  type ReviewChildRows,
} from '../../libs/persistence/src/entities';
import type {
  ProjectionBatch,
  ProjectionResult,
  RequestRef,
  ReviewEvent,
  ReviewState,
} from '../../libs/domain/src/review/review.types';
import {
  NotificationActivitiesService,
  type NotificationLookup,
} from '../notifications/notification.activities';
import { environment } from '../../config/environment';
import {
  AUDIT_CHAIN_LOCK_SQL,
  auditAppendStatement,
  type AuditRecord,
} from '../../libs/persistence/src/audit/audit-chain';
import { inlineParams } from '../../libs/persistence/src/inline-sql';
import { PreparedStatements } from '../../libs/persistence/src/prepared-sql';
import { readModelRows } from './read-model-rows';
import { taskEvents, taskOutcome } from '../../libs/temporal/src/committed-task';
import { packFollowed } from './followed-record';
import { HistoryTail } from './history-tail';
import {
  processProjectionFeeds,
  type ProjectionFeeds,
  type PublishedFeed,
} from './projection-feeds';

type TaskOutcome = ReturnType<typeof taskOutcome>;

/**
 * How long a following projection (engine v3) follows the review: until nothing new was written
 * for `idleMs`, `maxMs` in all, or the review says it waits for its read model. What the review
 * publishes within `batchMs` of a change is written with it, in one transaction (so the read model
 * lags a followed review by up to that much, and a following projection lasts up to `batchMs`
 * longer than `idleMs`; a review that waits for its read model is written at once). A following projection holds one of the worker's activity slots (100 by default) while
 * it waits, so at most `maxConcurrent` follow at once in one worker; past that a projection
 * writes its batch and returns, as before engine v3.
 */
export const FOLLOW = {
  idleMs: 3_000,
  maxMs: 20_000,
  batchMs: 1_000,
  maxConcurrent: 40,
};
export type FollowOptions = typeof FOLLOW;
/** Injection token for other following times than `FOLLOW` (tests hold a projection longer). */
export const PROJECTION_FOLLOW = Symbol('ProjectionFollow');

/**
 * A following projection's longest wait for a publication or on the history (its heartbeat timeout
 * is 10 s; it also heartbeats after each write).
 */
const HEARTBEAT_EVERY_MS = 4_000;

/** What the review workflow may call on the core task queue. */
export interface ProjectionActivities {
  projectReview(batch: ProjectionBatch): Promise<ProjectionResult>;
}

/**
 * Projects review state changes into the read model, the timeline and the audit log in one
 * transaction. Idempotent and convergent, keyed by (review, seq): the review row and its child
 * rows (workstreams, steps, findings, deadlines, extensions, clock stops, escalations) are
 * replaced only by a batch newer than the one they came from, so a retried or replayed older
 * batch changes nothing there; timeline and audit rows are inserted once per (review, seq).
 */
@Injectable()
export class ProjectionActivitiesService implements ProjectionActivities {
  private readonly outbox: NotificationActivitiesService;
  private readonly following: FollowOptions;
  /** Where this process's core worker delivers its reviews' publications. */
  private readonly feeds: ProjectionFeeds = processProjectionFeeds;
  private followingNow = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() outbox?: NotificationActivitiesService,
    @Optional() @Inject(PROJECTION_FOLLOW) following: Partial<FollowOptions> = {},
  ) {
    this.outbox = outbox ?? new NotificationActivitiesService(dataSource);
    this.following = { ...FOLLOW, ...following };
  }

  async projectReview(batch: ProjectionBatch): Promise<ProjectionResult> {
    if (!batch.follow || this.followingNow >= this.following.maxConcurrent)
      return this.projectBatch(batch);
    this.followingNow += 1;
    try {
      return await this.follow(batch);
    } finally {
      this.followingNow -= 1;
    }
  }

  /**
   * Engine v3: the projection follows the review. While it is in flight the review publishes its
   * feed to this worker (`ProjectionFeeds`) at the end of every activation that changed it, and the
   * projection writes what it publishes the same way as its own batch, so a review busy for a
   * moment (its start, a step done and the next one started, the workstreams ending) is projected
   * by one activity instead of one per workflow task. What comes within `batchMs` is written in one
   * transaction, the activity's own batch with it. A publication may come from a workflow task the
   * server later throws away, so it is written only once the review's history (a long poll) shows
   * that task completed. A failed history read ends the following early; the review projects what
   * is left with its next activity. The activity's own batch is always written before it returns.
   */
  private async follow(batch: ProjectionBatch): Promise<ProjectionResult> {
    const ctx = Context.current();
    const run = ctx.info.workflowExecution;
    let history: HistoryTail;
    try {
      history = new HistoryTail(ctx.client, ctx.client.options.namespace, {
        workflowId: run!.workflowId,
        runId: run!.runId,
      });
    } catch {
      return this.projectBatch(batch); // not run by a worker with a client (a test's mock environment)
    }
    const runId = run!.runId;
    const signal = ctx.cancellationSignal;
    const stop = (why: string, err: unknown) => {
      if (!signal.aborted)
        log.warn(`following projection stopped: ${why}`, {
          reviewId: batch.reviewId,
          error: String(err),
        });
    };
    const batchSeq = lastSeqOf(batch);
    /** The last event in the read model, as far as this activity knows (before its batch first). */
    let projectedSeq = batch.events.length ? batch.events[0].seq - 1 : batchSeq;
    let pendingNotifications = 0;
    const followed: ReviewEvent[] = [];
    let followedState: ReviewState | undefined;
    const began = Date.now();
    let lastNews = began;
    let seen = 0;
    let written = 0;
    const checked = { completed: 0, open: 0, discarded: 0 };
    /** Published for this projection (earlier ones may be left on the board). */
    const mine = (published: PublishedFeed | undefined) =>
      batch.projection !== undefined && published?.feed.projection === batch.projection;
    // The review publishes only to the worker that runs its workflow tasks, from the task that
    // scheduled this activity on, and the worker delivers a task's publications before it reports
    // the task: so the first is on this board before this activity can start, unless another
    // worker ran that task (one that started after a crash, one of several). Then nothing is
    // published here, and the review's next activity carries what follows instead.
    const heldElsewhere = !mine(this.feeds.latest(runId));
    // Each heartbeat is encoded (and encrypted) and handed to the worker, which sends the first to
    // the server at once and later ones at most once per throttle interval. Nobody reads the
    // progress it carries (a retried projection starts from its batch), so the activity only has
    // to prove it lives within its 10 s timeout: before each wait (at most 4 s) and before and
    // after each write, it heartbeats when the last heartbeat, or its start, is at least 2 s old;
    // a projection done within 2 s sends none. (A write's own time is not bounded here.)
    let beaten = began;
    const heartbeat = () => {
      if (Date.now() - beaten < HEARTBEAT_EVERY_MS / 2) return;
      beaten = Date.now();
      ctx.heartbeat(projectedSeq);
    };
    const write = async (events: ReviewEvent[], state: ReviewState) => {
      heartbeat(); // the write may take a while (the pool, the audit chain's lock)
      const result = await this.projectBatch({ ...batch, events, state });
      projectedSeq = events.length ? events[events.length - 1].seq : state.seq;
      heartbeat();
      written += 1;
      pendingNotifications += result.pendingNotifications;
      if (projectedSeq > batchSeq) {
        followed.push(...events.filter((e) => e.seq > batchSeq));
        followedState = state;
      }
      lastNews = Date.now();
    };
    /** The activity's own batch, unless a publication written already held it. */
    const writeOwnBatch = () =>
      projectedSeq < batchSeq || written === 0 ? write(batch.events, batch.state) : undefined;
    try {
      while (!heldElsewhere) {
        heartbeat();
        const until = Math.min(lastNews + this.following.idleMs, began + this.following.maxMs);
        if (Date.now() >= until || history.closed) break;
        // The activity's own batch waits `batchMs` for what the review publishes next.
        const ownBatchDue = written ? Infinity : began + this.following.batchMs;
        // At most HEARTBEAT_EVERY_MS per wait, so the activity heartbeats well within its timeout.
        const published = await this.feeds.next(
          runId,
          seen,
          Math.min(until, ownBatchDue, Date.now() + HEARTBEAT_EVERY_MS),
          signal,
        );
        if (signal.aborted) break;
        if (!published) {
          if (Date.now() >= ownBatchDue) await writeOwnBatch();
          continue;
        }
        seen = published.version;
        // Left from an earlier projection (the review publishes until it learns that one returned).
        if (!mine(published)) continue;
        if (!published.feed.events.some((e) => e.seq > Math.max(projectedSeq, batchSeq))) {
          if (published.feed.done) break;
          continue;
        }
        // A burst of changes is written once: the newest publication within `batchMs` of the
        // first (or of the activity's start, with its own batch), at once when the review waits
        // for its read model.
        let newest = published;
        const flushAt = Math.min(
          until,
          written ? Date.now() + this.following.batchMs : ownBatchDue,
        );
        while (!newest.feed.done) {
          const newer = await this.feeds.next(runId, newest.version, flushAt, signal);
          if (!newer) break;
          newest = newer;
        }
        let settled: { published: PublishedFeed; outcome: TaskOutcome };
        try {
          settled = await this.committed(newest, until, {
            runId,
            history,
            signal,
            heartbeat,
          });
        } catch (err) {
          stop('the history could not be read', err);
          break;
        }
        const { feed } = settled.published;
        seen = settled.published.version;
        checked[settled.outcome] += 1;
        if (settled.outcome === 'discarded') {
          // The review's retried task publishes again what it redoes.
          log.warn('following projection skipped a publication from a discarded workflow task', {
            reviewId: batch.reviewId,
            task: feed.task,
            ...(feed.task ? { history: taskEvents(history.events, feed.task) } : {}),
          });
          continue;
        }
        if (settled.outcome === 'open') break; // its task did not complete in time
        // Everything the read model does not have yet, the activity's own batch included.
        const events = feed.events.filter((e) => e.seq > projectedSeq);
        if (events.length && feed.state) {
          await write(events, feed.state);
          // Someone is to be told (a missed deadline, an escalation): the review sends it once
          // this returns, so return now rather than after the following.
          if (pendingNotifications) break;
        }
        if (feed.done) break;
      }
      await writeOwnBatch();
    } finally {
      this.feeds.forget(runId);
    }
    log.debug('following projection ended', {
      reviewId: batch.reviewId,
      seq: projectedSeq,
      written,
      checked,
      ...(heldElsewhere ? { heldElsewhere } : {}),
      ms: Date.now() - began,
    });
    return {
      pendingNotifications,
      projectedSeq,
      ...(followedState
        ? { followedPacked: packFollowed({ events: followed, state: followedState }) }
        : {}),
    };
  }

  /**
   * Wait until the history says whether the task `published` came from completed (or until
   * `untilMs`: still `open`). While it stays open, a newer publication replaces it: that holds every
   * event the older one did. The worker delivers a publication before it reports the task, so the
   * history usually shows the task complete after one wait. A closed history commits nothing more.
   */
  private async committed(
    published: PublishedFeed,
    untilMs: number,
    on: { runId: string; history: HistoryTail; signal: AbortSignal; heartbeat: () => void },
  ): Promise<{ published: PublishedFeed; outcome: TaskOutcome }> {
    const { runId, history, signal, heartbeat } = on;
    const outcomeOf = ({ feed }: PublishedFeed): TaskOutcome =>
      feed.task ? taskOutcome(history.events, feed.task) : 'discarded';
    let current = published;
    for (;;) {
      const outcome = outcomeOf(current);
      if (outcome !== 'open') return { published: current, outcome };
      if (history.closed) return { published: current, outcome: 'discarded' };
      if (Date.now() >= untilMs || signal.aborted) return { published: current, outcome };
      heartbeat();
      await history.next(Math.min(untilMs, Date.now() + HEARTBEAT_EVERY_MS), signal);
      const newer = this.feeds.latest(runId);
      if (outcomeOf(current) === 'open' && newer && newer.version > current.version)
        current = newer;
    }
  }

  /**
   * One batch in one transaction, sent as one query (a projection is most of the engine's work
   * per review, and each round trip costs both processes a system call and a wake-up; on a small
   * VM, about a millisecond of CPU each): BEGIN; the review row with the timeline; the child rows;
   * with the chain on, the audit chain's lock; the audit entries, which PostgreSQL chains itself
   * (`auditAppendStatement`); COMMIT. PostgreSQL takes several statements at once only without
   * parameters, so each goes with its parameters written in as literals: the review's and the
   * child rows' statements (fixed text, about half of PostgreSQL's work per batch was parsing and
   * planning them) as an `EXECUTE` of what the connection prepared once (`PreparedStatements`),
   * the audit append (its text varies with the entries) through `inlineParams`. A batch that
   * tells anyone anything takes two round trips: the first also looks up all that its
   * notifications need (the protocol, every recipient's preferences: one statement after the
   * child rows), the second writes them to the outbox and counts those pending, then takes the
   * chain's lock, appends and commits. (Until the session of 2026-11-28 afternoon that was a
   * round trip per lookup, two per message: about fifteen per review of the bench's shape.)
   */
  private async projectBatch(batch: ProjectionBatch): Promise<ProjectionResult> {
    const { state, events } = batch;
    const lastSeq = lastSeqOf(batch);
    const { AUDIT_HASH_CHAIN: chained, PROJECTION_WRITE_TIMEOUT_MS: timeoutMs } = environment();
    const { tables, sql: childSql } = (this.childRows ??= childRowsStatement(this.dataSource));
    const statements = (this.statements ??= new PreparedStatements('projection', {
      review: REVIEW_STATEMENT,
      children: childSql,
    }));
    const rows = readModelRows(state, lastSeq);
    const childParams = [...tables.map((t) => JSON.stringify(t.values(rows))), state.reviewId];
    const append = auditAppendStatement(auditRecords(state, events), { chained });
    // Last: a chained append holds the audit chain's lock, which every audit append waits for,
    // until commit; the lock is its own statement, so the append's snapshot sees every entry
    // committed before it was granted.
    const audit = append
      ? [...(chained ? [AUDIT_CHAIN_LOCK_SQL] : []), inlineParams(append.sql, append.params)]
      : [];
    // What the batch's notifications need looked up, when it tells anyone anything.
    const lookup = batch.notify ? this.outbox.notificationLookup(batch) : undefined;
    // TypeORM's runner, for its pooled client with an 'error' listener while it is checked out
    // (a connection PostgreSQL drops would otherwise be an unhandled error).
    const runner = this.dataSource.createQueryRunner() as PostgresQueryRunner;
    const client = (await runner.connect()) as PoolClient;
    let replaced = false;
    let pendingNotifications = 0;
    try {
      await statements.ready(client);
      const first = [
        'BEGIN',
        // The prepared statements' generic plans: left to choose, PostgreSQL planned each
        // EXECUTE for its values (its statement log: 2.4 more plans per batch, 0.15 ms each).
        'SET LOCAL plan_cache_mode = force_generic_plan',
        // A statement stuck on a lock (a row, the audit chain's) fails (57014), and a transaction
        // left idle between the round trips is ended (25P03, the connection closes); either way
        // it lets go, and the activity's retry writes again. Without these a stuck write held its
        // locks past the attempt's own timeout, and the retry queued behind it. (These override
        // stricter settings of the role or database, for this transaction.)
        `SET LOCAL statement_timeout = ${timeoutMs}`,
        `SET LOCAL idle_in_transaction_session_timeout = ${timeoutMs}`,
      ];
      const reviewAt =
        first.push(statements.execute(client, 'review', reviewParams(batch, lastSeq))) - 1;
      first.push(statements.execute(client, 'children', childParams));
      const lookupAt = lookup ? first.push(inlineParams(lookup.sql, lookup.params)) - 1 : -1;
      const results = (await client.query(
        [...first, ...(lookup ? [] : [...audit, 'COMMIT'])].join(';\n'),
      )) as unknown as QueryResult[];
      replaced = results[reviewAt].rowCount === 1;
      if (lookup) {
        // A transactional outbox: the notifications are written with the events they tell of,
        // and counted, in the round trip that commits.
        const outbox = this.outbox.outboxStatements(
          batch,
          results[lookupAt].rows[0] as NotificationLookup,
        );
        const done = (await client.query(
          [...outbox.map((o) => inlineParams(o.sql, o.params)), ...audit, 'COMMIT'].join(';\n'),
        )) as unknown as QueryResult[];
        pendingNotifications = (done[outbox.length - 1].rows[0] as { pending: number }).pending;
      }
    } catch (err) {
      // A connection that cannot roll back is broken, and the pool drops it when it comes back;
      // one that lost its prepared statements (26000) prepares them again, under new names.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      if (!rolledBack || (err as { code?: string }).code === '26000') statements.forget(client);
      await runner.release();
      throw err;
    }
    await runner.release();
    log.debug('projected review', {
      reviewId: state.reviewId,
      seq: lastSeq,
      events: events.length,
      replaced,
      pendingNotifications,
    });
    return { pendingNotifications };
  }

  /** The review's and the child rows' statements, prepared on each connection once. */
  private statements?: PreparedStatements<'review' | 'children'>;

  /** The child tables and the statement that writes them: the same for every batch. */
  private childRows?: { tables: ChildTable[]; sql: string };
}

/** A normalized read-model table as the projection writes it: its columns, from the entity. */
interface ChildTable {
  key: keyof ReviewChildRows;
  table: string;
  columns: string[];
  /** The primary key's columns (the review's id first). */
  keys: string[];
  /** The review's rows for this table, keyed by column, for `jsonb_populate_recordset`. */
  values(rows: ReviewChildRows): Record<string, unknown>[];
}

/** The child tables, parents before children (the order does not matter to the statement). */
function childTables(dataSource: DataSource): ChildTable[] {
  const entities: [keyof ReviewChildRows, EntityTarget<ObjectLiteral>][] = [
    ['workstreams', ReviewWorkstreamEntity],
    ['steps', ReviewStepEntity],
    ['findings', ReviewFindingEntity],
    ['deadlines', ReviewDeadlineEntity],
    ['extensions', ReviewExtensionEntity],
    ['clockStops', ReviewClockStopEntity],
    ['escalations', ReviewEscalationEntity],
  ];
  return entities.map(([key, entity]) => {
    const meta = dataSource.getMetadata(entity);
    const columns = meta.columns.map((c) => ({ name: c.databaseName, property: c.propertyName }));
    return {
      key,
      table: meta.tableName,
      columns: columns.map((c) => c.name),
      keys: meta.primaryColumns.map((c) => c.databaseName),
      values: (rows) =>
        (rows[key] as object[]).map((row) =>
          Object.fromEntries(
            columns.map((c) => {
              const value = (row as Record<string, unknown>)[c.property] ?? null;
              // JSON would write an invalid date as null: fail as the driver did.
              if (value instanceof Date && Number.isNaN(value.getTime()))
                throw new Error(`read model: ${meta.tableName}.${c.name} is an invalid date`);
              return [c.name, value];
            }),
          ),
        ),
    };
  });
}

/**
 * The statement that brings the review's rows in the normalized tables to the batch's, when
 * the review statement before it in the transaction inserted or updated the review's row (its
 * row version is this transaction's), and leaves them otherwise: per table,
 * the rows no longer in the state are deleted (deleting a workstream or a deadline cascades to
 * its steps and findings, or its extensions and clock stops), and the others inserted or updated
 * in place. Every row carries the batch's `last_seq`, so the tables converge to the same rows
 * whatever order batches came in; an update that changes no indexed column (a row the batch left
 * as it was) needs no new index entries when its page has room, where deleting and inserting
 * every row rewrote all their indexes (fifty steps' for a finding on one). Each table's rows
 * come as one JSON parameter; foreign keys are checked at the statement's end, when the parents
 * are in.
 */
function childRowsStatement(dataSource: DataSource): { tables: ChildTable[]; sql: string } {
  const tables = childTables(dataSource);
  const review = `$${tables.length + 1}::uuid`;
  const ctes = tables.flatMap((t, i) => {
    const keys = t.keys.join(', ');
    const cols = t.columns.join(', ');
    const settable = t.columns.filter((c) => !t.keys.includes(c));
    return [
      `new_${t.key} AS (SELECT * FROM jsonb_populate_recordset(NULL::${t.table}, $${i + 1}::jsonb))`,
      `gone_${t.key} AS (DELETE FROM ${t.table} o WHERE o.review_id = ${review}
         AND (${t.keys.map((k) => `o.${k}`).join(', ')}) NOT IN (SELECT ${keys} FROM new_${t.key})
         AND EXISTS (SELECT 1 FROM newest))`,
      `put_${t.key} AS (INSERT INTO ${t.table} (${cols}) SELECT ${cols} FROM new_${t.key}
         WHERE EXISTS (SELECT 1 FROM newest)
         ON CONFLICT (${keys}) DO UPDATE SET (${settable.join(', ')}) =
           ROW(${settable.map((c) => `EXCLUDED.${c}`).join(', ')}))`,
    ];
  });
  const newest = `newest AS (SELECT 1 FROM reviews WHERE id = ${review}
         AND xmin = pg_current_xact_id()::xid)`;
  return { tables, sql: `WITH ${[newest, ...ctes].join(',\n')}\nSELECT 1` };
}

/**
 * Insert or move the review row forward, and append the batch's events to the timeline (every
 * event once, even from a batch older than the projected state), in one statement. It returns a
 * row when this batch is the newest seen (the row was inserted or updated): then the child rows'
 * statement brings the normalized tables to its state. The row stays locked until commit, so
 * concurrent projections of the same review take turns and only the newest writes the child rows.
 */
const REVIEW_STATEMENT = `WITH review AS (
         INSERT INTO reviews (id, workflow_id, idempotency_key, protocol_key, protocol_version, developer_org,
           model_name, model_version, planned_release_date, status, stage, closure_reason, determination,
           lead_agency, next_deadline, escalation_level, refiled_from, last_seq, state, closed_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
         ON CONFLICT (id) DO UPDATE SET
           planned_release_date = EXCLUDED.planned_release_date, status = EXCLUDED.status,
           stage = EXCLUDED.stage, closure_reason = EXCLUDED.closure_reason,
           determination = EXCLUDED.determination, next_deadline = EXCLUDED.next_deadline,
           escalation_level = EXCLUDED.escalation_level, last_seq = EXCLUDED.last_seq,
           state = EXCLUDED.state, closed_at = EXCLUDED.closed_at, updated_at = now()
         WHERE reviews.last_seq < EXCLUDED.last_seq
         RETURNING id),
       timeline AS (
         INSERT INTO review_events (review_id, seq, type, actor, reason, at, details)
         SELECT $1, e.seq, e.type, e.actor, e.reason, e.at, e.details
         FROM unnest($21::int[], $22::text[], $23::text[], $24::text[], $25::timestamptz[], $26::jsonb[])
           AS e(seq, type, actor, reason, at, details)
         ON CONFLICT (review_id, seq) DO NOTHING)
       SELECT id FROM review`;

/** The review statement's parameters for a batch. */
function reviewParams(batch: ProjectionBatch, lastSeq: number): unknown[] {
  const { state, events } = batch;
  return [
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
    events.map((e) => e.seq),
    events.map((e) => e.type),
    events.map((e) => e.actor),
    events.map((e) => e.reason ?? null),
    events.map((e) => e.at),
    // The request a change came with is the audit log's (caller-chosen ids, roles): not here.
    events.map((e) => JSON.stringify(withoutRequest(e.details))),
  ];
}

/** Audit entries for the events (see libs/persistence/src/audit): who did what, when and why. */
function auditRecords(state: ReviewState, events: ReviewEvent[]): AuditRecord[] {
  const reviewId = state.reviewId;
  return events.map((e) => {
    // A change an API request caused carries the request: this entry is the request's too,
    // with the request's why (a finding's rationale, kept out of the timeline's reason).
    const request = e.details.request as RequestRef | undefined;
    const why = request ? findingOf(state, e.details)?.rationale : undefined;
    return {
      actor: e.actor,
      role: request?.role ?? (e.actor === 'system' ? 'system' : null),
      action: e.type,
      target: `review:${reviewId}`,
      justification: e.reason ?? why ?? null,
      reviewId,
      seq: e.seq,
      requestId: request?.id ?? null,
      at: e.at,
      details: e.details,
    };
  });
}

/** The sequence number a batch brings the read model to. */
function lastSeqOf({ events, state }: ProjectionBatch): number {
  return events.length ? events[events.length - 1].seq : state.seq;
}

function withoutRequest(details: Record<string, unknown>): Record<string, unknown> {
  if (!('request' in details)) return details;
  const { request: _request, ...rest } = details;
  return rest;
}

/** The finding a step event is about, in the batch's snapshot. */
function findingOf(state: ReviewState, details: Record<string, unknown>) {
  return state.workstreams
    .find((w) => w.agency === details.agency)
    ?.steps.find((s) => s.stepId === details.stepId)?.finding;
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
