import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { Brackets, DataSource, type SelectQueryBuilder } from 'typeorm';
import { environment } from '@engine/config/environment';
import {
  ReviewClockStopEntity,
  ReviewDeadlineEntity,
  ReviewEntity,
  ReviewEscalationEntity,
  ReviewEventEntity,
  ReviewExtensionEntity,
  ReviewFindingEntity,
  ReviewStepEntity,
  ReviewWorkstreamEntity,
} from '@engine/persistence';
import { reviewWorkflowId, workstreamWorkflowId } from '@engine/temporal';
import type { ReviewWorkflowInput, StepState } from '@engine/domain/review/review.types';
import type { Protocol } from '@engine/domain/protocol/protocol.types';
import { actorOf, type Principal } from '../auth/principal';
import { sharingOf, visibleDetail, visibleStep, visibleSummary } from './review-visibility';
import {
  ENGINE_VERSION,
  projectedUpdate,
  submitFindingUpdate,
} from '../../../../workflows/definitions';
import type { reviewWorkflow } from '../../../../workflows/review.workflow';
import { isDependencyUnavailable } from '../common/dependency-unavailable';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { CalendarService } from '../calendar/calendar.service';
import {
  DEFAULT_PROTOCOL_KEY,
  ProtocolCatalogService,
} from '../protocols/protocol-catalog.service';
import type { CreateReviewDto } from './dtos/create-review.dto';
import type { ListReviewsQueryDto, ReviewSort } from './dtos/list-reviews-query.dto';
import {
  toReviewDetail,
  toReviewSummary,
  type CreateReviewResponseDto,
  type ReviewListExtras,
  type ReviewDetailDto,
  type ReviewPageDto,
} from './dtos/review-response.dto';
import type { SubmitFindingDto } from './dtos/submit-finding.dto';
import { toStepDto, type FindingReceiptDto } from './dtos/finding-receipt.dto';
import { isWorkflowGone, mapUpdateError } from './temporal-errors';

/** Namespace for review ids derived from idempotency keys (uuid v5). */
const IDEMPOTENCY_NAMESPACE = '6f1c1d2e-8a0b-4c55-9a43-5d1f0b7e2c11';

/**
 * Reviews: starts and acts on review workflows in Temporal and reads the projection. It never
 * writes review state to PostgreSQL: the workflow's projection activity does.
 */
@Injectable()
export class ReviewsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly protocols: ProtocolCatalogService,
    private readonly calendar: CalendarService,
  ) {}

  async create(dto: CreateReviewDto, principal: Principal): Promise<CreateReviewResponseDto> {
    const reviewId = dto.idempotencyKey
      ? uuidv5(dto.idempotencyKey, IDEMPOTENCY_NAMESPACE)
      : uuidv4();
    await this.requireSubmitter(reviewId, principal, false);
    const existing = await this.db.getRepository(ReviewEntity).findOne({ where: { id: reviewId } });
    if (existing) return { ...(await this.get(existing.id, principal)), created: false };
    if (dto.refiledFrom) await this.requireRefilable(dto.refiledFrom, principal);

    const protocol = await this.protocols.latestPublished(dto.protocolKey ?? DEFAULT_PROTOCOL_KEY);
    const input: ReviewWorkflowInput = {
      reviewId,
      idempotencyKey: dto.idempotencyKey,
      protocol,
      nonBusinessDates: await this.calendar.nonBusinessDates(),
      submittedBy: actorOf(principal),
      refiledFrom: dto.refiledFrom,
      engineVersion: ENGINE_VERSION,
      intake: {
        developerOrg: dto.developerOrg,
        contactName: dto.contactName,
        contactEmail: dto.contactEmail,
        modelName: dto.modelName,
        modelVersion: dto.modelVersion,
        safeguardsVariant: dto.safeguardsVariant,
        accessArrangement: { ...dto.accessArrangement },
        plannedReleaseDate: dto.plannedReleaseDate,
        trustedPartnerReleaseDate: dto.trustedPartnerReleaseDate,
      },
    };
    // Who submitted a review decides who may see it as its developer; the first claim wins.
    // Recorded only now, once the intake has passed every check, so a refused intake writes nothing.
    await this.requireSubmitter(reviewId, principal, true);
    const start = new WithStartWorkflowOperation<typeof reviewWorkflow>('reviewWorkflow', {
      workflowId: reviewWorkflowId(reviewId),
      taskQueue: environment().TEMPORAL_TASK_QUEUE,
      args: [input],
      // Only one of several identical intakes starts the review (the others learn it exists);
      // a closed review with the same id is never started again.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    let created = true;
    try {
      // Returns once the workflow has projected its first state, so a GET right after sees it.
      await this.temporal.workflow.executeUpdateWithStart(projectedUpdate, {
        startWorkflowOperation: start,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
      // A concurrent identical intake started it a moment ago: wait for its first projection.
      // A closed review refuses the update, but it was projected long before it closed.
      await this.temporal.workflow
        .getHandle(reviewWorkflowId(reviewId))
        .executeUpdate(projectedUpdate)
        .catch((e: unknown) => {
          if (isDependencyUnavailable(e)) throw e;
        });
    }
    return { ...(await this.get(reviewId, principal)), created };
  }

  /** Refuse an idempotency key another submitter holds; with `claim`, take the key first. */
  private async requireSubmitter(reviewId: string, principal: Principal, claim: boolean) {
    if (claim) {
      await this.db.query(
        `INSERT INTO review_submitters (review_id, subject) VALUES ($1, $2) ON CONFLICT (review_id) DO NOTHING`,
        [reviewId, principal.sub],
      );
    }
    const [owner] = (await this.db.query(
      `SELECT subject FROM review_submitters WHERE review_id = $1`,
      [reviewId],
    )) as { subject: string }[];
    if (owner && owner.subject !== principal.sub) {
      throw new DomainException(
        DomainExceptionCode.IDEMPOTENCY_KEY_CONFLICT,
        'idempotencyKey: already used by another submitter; choose another key',
        [{ field: 'idempotencyKey', message: 'already used by another submitter' }],
      );
    }
  }

  private async requireRefilable(id: string, principal: Principal): Promise<void> {
    const previous = await this.db.getRepository(ReviewEntity).findOne({ where: { id } });
    const visible =
      principal.role === 'coordinator' ||
      (
        (await this.db.query(
          `SELECT 1 FROM review_submitters WHERE review_id = $1 AND subject = $2`,
          [id, principal.sub],
        )) as unknown[]
      ).length > 0;
    if (!previous || !visible) {
      throw new DomainException(
        DomainExceptionCode.REVIEW_NOT_FOUND,
        `refiledFrom: no review ${id}`,
        [{ field: 'refiledFrom', message: `no review ${id}` }],
      );
    }
    if (previous.status !== 'closed') {
      throw new DomainException(
        DomainExceptionCode.ACTION_REJECTED,
        `refiledFrom: review ${id} is still open; withdraw it first`,
        [{ field: 'refiledFrom', message: 'the review is still open' }],
      );
    }
  }

  /** Reviews the principal may see (its own, or its agency's), filtered, one keyset page. */
  async list(query: ListReviewsQueryDto, principal: Principal): Promise<ReviewPageDto> {
    const limit = query.limit ?? 50;
    const qb = this.db.getRepository(ReviewEntity).createQueryBuilder('r');
    if (principal.role === 'developer') {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM review_submitters o WHERE o.review_id = r.id AND o.subject = :sub)',
        { sub: principal.sub },
      );
    } else if (principal.role !== 'coordinator') {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM review_workstreams v WHERE v.review_id = r.id AND v.agency = :mine)',
        { mine: principal.agency ?? '' },
      );
    }
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    if (query.stage) qb.andWhere('r.stage = :stage', { stage: query.stage });
    if (query.agency) {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM review_workstreams w WHERE w.review_id = r.id AND w.agency = :agency)',
        { agency: query.agency },
      );
    }
    if (query.overdue !== undefined) {
      // Overdue reviews are few: start from them. Most are not: probe each row of the page.
      qb.andWhere(query.overdue ? OVERDUE_FILTER : `NOT ${OVERDUE_COLUMN}`);
    }
    if (query.escalationLevel !== undefined) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM review_escalations e
                  WHERE e.review_id = r.id AND e.status = 'open' AND e.level >= :level)`,
        { level: query.escalationLevel },
      );
    }
    if (query.releaseFrom)
      qb.andWhere('r.planned_release_date >= :from', { from: query.releaseFrom });
    if (query.releaseTo) qb.andWhere('r.planned_release_date <= :to', { to: query.releaseTo });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('r.model_name ILIKE :like', { like })
            .orWhere('r.developer_org ILIKE :like', { like }),
        ),
      );
    }
    const sort = REVIEW_ORDERS[query.sort ?? '-createdAt'];
    if (query.cursor) {
      const { value, id } = decodeCursor(query.cursor, query.sort ?? '-createdAt');
      qb.andWhere(afterCursor(sort, value === null), { cursorValue: value, cursorId: id });
    }
    const { entities: rows, raw } = await selectListColumns(qb)
      .addSelect(sort.cursorText, 'cursor_value')
      .orderBy(sort.column, sort.direction, sort.nullable ? 'NULLS LAST' : undefined)
      .addOrderBy('r.id', sort.direction)
      .limit(limit + 1)
      .getRawAndEntities<{ cursor_value: string | null } & ReviewListExtras>();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r, i) => visibleSummary(toReviewSummary(r, raw[i]), principal)),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor(query.sort ?? '-createdAt', raw[limit - 1].cursor_value, last.id)
          : undefined,
    };
  }

  /**
   * The review with its rows in every read-model table, each in the workflow's order, read in
   * one snapshot so a projection committing meanwhile cannot mix rows of two states.
   */
  async get(id: string, principal: Principal): Promise<ReviewDetailDto> {
    const full = await this.fullDetail(id);
    if (principal.role === 'coordinator') return full;
    // Field-level rules (review-visibility.ts) need the protocol version's sharing.
    const [key, version] = full.protocol.split('@');
    const protocol = await this.protocols
      .get(key, Number(version))
      .then((p) => p.definition as unknown as Protocol)
      .catch(() => undefined);
    return visibleDetail(full, principal, sharingOf(protocol));
  }

  private fullDetail(id: string): Promise<ReviewDetailDto> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      const row = await tx.findOne(ReviewEntity, { where: { id } });
      if (!row) throw notFound(id);
      const where = { reviewId: id };
      const byPosition = { position: 'ASC' } as const;
      const [{ overdue }]: { overdue: boolean }[] = await tx.query(
        `SELECT ${OVERDUE_COLUMN} AS overdue FROM reviews r WHERE r.id = $1`,
        [id],
      );
      return toReviewDetail({
        row,
        overdue,
        workstreams: await tx.find(ReviewWorkstreamEntity, { where, order: byPosition }),
        steps: await tx.find(ReviewStepEntity, {
          where,
          order: { agency: 'ASC', position: 'ASC' },
        }),
        findings: await tx.find(ReviewFindingEntity, { where }),
        deadlines: await tx.find(ReviewDeadlineEntity, { where, order: byPosition }),
        extensions: await tx.find(ReviewExtensionEntity, {
          where,
          order: { deadlineId: 'ASC', position: 'ASC' },
        }),
        clockStops: await tx.find(ReviewClockStopEntity, {
          where,
          order: { deadlineId: 'ASC', position: 'ASC' },
        }),
        escalations: await tx.find(ReviewEscalationEntity, { where, order: byPosition }),
        events: await tx.find(ReviewEventEntity, { where, order: { seq: 'ASC' } }),
      });
    });
  }

  private async row(id: string): Promise<ReviewEntity> {
    const row = await this.db.getRepository(ReviewEntity).findOne({ where: { id } });
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * Record a manual step's finding through the workstream's Update, and answer with the step as
   * the Update returned it (not the review detail: the review projects the finding a moment later).
   * The workstream workflow is the one that knows whether the step takes a finding, so the Update
   * goes first; only when there is no running workstream to take it does the read model say why
   * (review, closure, agency, step or stage), so that answer still names the field.
   */
  async submitFinding(
    id: string,
    dto: SubmitFindingDto,
    principal: Principal,
    requestId: string,
  ): Promise<FindingReceiptDto> {
    // The policy guard has refused any agency but the caller's own.
    const agency = dto.agency ?? principal.agency ?? '';
    const handle = this.temporal.workflow.getHandle(workstreamWorkflowId(id, agency));
    let step: StepState;
    try {
      step = await handle.executeUpdate(submitFindingUpdate, {
        args: [
          {
            stepId: dto.stepId,
            riskLevel: dto.riskLevel,
            summary: dto.summary,
            rationale: dto.rationale,
            reference: dto.reference,
            actor: actorOf(principal),
            // Audited with the finding, by the projection (no separate request entry).
            request: { id: requestId, role: principal.role, via: principal.via },
          },
        ],
      });
    } catch (err) {
      if (isWorkflowGone(err)) await this.whyNoWorkstream(id, agency, dto.stepId);
      mapUpdateError(err, 'finding');
    }
    // The caller is of the workstream's own agency (the policy's finding-agency rule), which sees
    // its findings under any protocol's sharing; anyone else would see the step's progress only.
    return {
      reviewId: id,
      agency,
      step: visibleStep(toStepDto(step), agency, principal, sharingOf(undefined)),
    };
  }

  /**
   * Why an agency's workstream took no finding, from the read model in one query: the review is
   * unknown (404) or closed (409), the agency has no workstream or no such step, or the review is
   * not in its assessment stage (422 naming the field). Returns when the read model sees none of
   * these (the workstream has just finished: the caller's 409 says so).
   */
  private async whyNoWorkstream(id: string, agency: string, stepId: string): Promise<void> {
    const [target] = (await this.db.query(
      `SELECT r.status, r.stage, r.closure_reason AS "closureReason",
              EXISTS (SELECT 1 FROM review_workstreams w
                       WHERE w.review_id = r.id AND w.agency = $2) AS "hasWorkstream",
              EXISTS (SELECT 1 FROM review_steps s
                       WHERE s.review_id = r.id AND s.agency = $2 AND s.step_id = $3) AS "hasStep"
         FROM reviews r
        WHERE r.id = $1`,
      [id, agency, stepId],
    )) as {
      status: string;
      stage: string;
      closureReason: string | null;
      hasWorkstream: boolean;
      hasStep: boolean;
    }[];
    if (!target) throw notFound(id);
    if (target.status === 'closed')
      throw new DomainException(
        DomainExceptionCode.REVIEW_CLOSED,
        `review ${id} is closed (${target.closureReason}); findings are no longer accepted`,
      );
    if (!target.hasWorkstream) {
      throw new DomainException(
        DomainExceptionCode.ACTION_REJECTED,
        `agency: ${agency} has no workstream in this review`,
        [{ field: 'agency', message: `no workstream for ${agency}` }],
      );
    }
    if (!target.hasStep) {
      throw new DomainException(
        DomainExceptionCode.ACTION_REJECTED,
        `stepId: no step "${stepId}" in the ${agency} workstream`,
        [{ field: 'stepId', message: `no step "${stepId}"` }],
      );
    }
    if (target.stage !== 'assessment') {
      throw new DomainException(
        DomainExceptionCode.ACTION_REJECTED,
        `stage: findings are submitted in the assessment stage; the review is in ${target.stage}`,
        [{ field: 'stage', message: `review is in ${target.stage}` }],
      );
    }
  }

  /** Run a validated update on the review workflow, then return the refreshed read model. */
  async act<Ret, Arg>(
    id: string,
    update: UpdateDefinition<Ret, [Arg]>,
    what: string,
    arg: Arg,
    principal: Principal,
  ): Promise<ReviewDetailDto> {
    const row = await this.row(id);
    if (row.status === 'closed')
      throw new DomainException(
        DomainExceptionCode.REVIEW_CLOSED,
        `review ${id} is closed (${row.closureReason})`,
      );
    try {
      await this.temporal.workflow.getHandle(row.workflowId).executeUpdate(update, { args: [arg] });
    } catch (err) {
      mapUpdateError(err, what);
    }
    return this.get(id, principal);
  }
}

const notFound = (id: string) =>
  new DomainException(DomainExceptionCode.REVIEW_NOT_FOUND, `review ${id} not found`);

/** Every column of the review row but the state snapshot, which the list does not need. */
const LIST_COLUMNS = [
  'r.id',
  'r.workflowId',
  'r.protocolKey',
  'r.protocolVersion',
  'r.developerOrg',
  'r.modelName',
  'r.modelVersion',
  'r.plannedReleaseDate',
  'r.status',
  'r.stage',
  'r.closureReason',
  'r.determination',
  'r.leadAgency',
  'r.nextDeadline',
  'r.escalationLevel',
  'r.refiledFrom',
  'r.createdAt',
  'r.updatedAt',
];

/**
 * Progress per agency (share of steps done or skipped, 1 without steps), in workstream order,
 * from the workstream and step tables.
 */
const PROGRESS_SQL = `(SELECT coalesce(json_object_agg(p.agency, p.share ORDER BY p.position), '{}'::json)
    FROM (SELECT w.agency, w.position,
                 coalesce(avg(CASE WHEN s.status IN ('done', 'skipped') THEN 1 ELSE 0 END), 1)::float8 AS share
            FROM review_workstreams w
            LEFT JOIN review_steps s ON s.review_id = w.review_id AND s.agency = w.agency
           WHERE w.review_id = r.id
           GROUP BY w.agency, w.position) p)`;

/**
 * An open review is overdue when a deadline has passed and the work it times is not done: an
 * open deadline whose clock runs is past due, a missed step deadline's step is still open, or an
 * open escalation is past due. Each case is a `FROM ... WHERE` over the review `r`.
 */
const OVERDUE_CASES = [
  `review_deadlines d
    WHERE d.review_id = r.id AND d.status = 'open' AND d.due_at < now()
      AND NOT EXISTS (SELECT 1 FROM review_clock_stops c
                       WHERE c.review_id = d.review_id AND c.deadline_id = d.deadline_id
                         AND c.to_at IS NULL)`,
  `review_deadlines d
     JOIN review_steps s
       ON s.review_id = d.review_id AND s.agency = d.agency AND s.step_id = d.step_id
    WHERE d.review_id = r.id AND d.status = 'missed' AND s.status IN ('open', 'running')`,
  `review_escalations e WHERE e.review_id = r.id AND e.status = 'open' AND e.due_at < now()`,
];

/** The rule as a filter: EXISTS lets PostgreSQL start from the few overdue rows. */
const OVERDUE_FILTER = `(r.status = 'open' AND (${OVERDUE_CASES.map((c) => `EXISTS (SELECT 1 FROM ${c})`).join(' OR ')}))`;

/**
 * The rule as a column of a page: one indexed probe per row and case. (EXISTS in a select list
 * is planned as a hash over the whole tables, about 100 ms a page at 100,000 reviews.)
 */
const OVERDUE_COLUMN = `(r.status = 'open' AND coalesce(${OVERDUE_CASES.map((c) => `(SELECT true FROM ${c} LIMIT 1)`).join(', ')}, false))`;

/**
 * What a list row selects: the review's columns, progress and overdue (ReviewListExtras).
 * Exported for the list benchmark, which runs the same SQL.
 */
export function selectListColumns(
  qb: SelectQueryBuilder<ReviewEntity>,
): SelectQueryBuilder<ReviewEntity> {
  return qb
    .select(LIST_COLUMNS)
    .addSelect(PROGRESS_SQL, 'progress')
    .addSelect(OVERDUE_COLUMN, 'overdue');
}

interface ReviewOrder {
  column: string;
  direction: 'ASC' | 'DESC';
  nullable: boolean;
  /** The sort key as exact text for the cursor (timestamps to the microsecond, in UTC). */
  cursorText: string;
  /** How the cursor's text is read back for comparison. */
  cast: 'timestamptz' | 'date';
}

const timestampText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Keyset orders: every one ends with the id, so a cursor names exactly one position. */
/** Sort orders of the review list (exported for the list benchmark, which runs the same SQL). */
export const REVIEW_ORDERS: Record<ReviewSort, ReviewOrder> = {
  '-createdAt': {
    column: 'r.created_at',
    direction: 'DESC',
    nullable: false,
    cursorText: timestampText('r.created_at'),
    cast: 'timestamptz',
  },
  createdAt: {
    column: 'r.created_at',
    direction: 'ASC',
    nullable: false,
    cursorText: timestampText('r.created_at'),
    cast: 'timestamptz',
  },
  nextDeadline: {
    column: 'r.next_deadline',
    direction: 'ASC',
    nullable: true,
    cursorText: timestampText('r.next_deadline'),
    cast: 'timestamptz',
  },
  plannedReleaseDate: {
    column: 'r.planned_release_date',
    direction: 'ASC',
    nullable: false,
    cursorText: `to_char(r.planned_release_date, 'YYYY-MM-DD')`,
    cast: 'date',
  },
};

/** Rows after the cursor in `order`; nullable keys sort last, so after a NULL only NULLs follow. */
function afterCursor(order: ReviewOrder, cursorIsNull: boolean): string {
  const op = order.direction === 'DESC' ? '<' : '>';
  const id = 'CAST(:cursorId AS uuid)';
  if (cursorIsNull) return `(${order.column} IS NULL AND r.id ${op} ${id})`;
  const after = `(${order.column}, r.id) ${op} (CAST(:cursorValue AS ${order.cast}), ${id})`;
  return order.nullable ? `(${after} OR ${order.column} IS NULL)` : after;
}

/** Only what encodeCursor writes, and only real instants and days, so PostgreSQL can cast it. */
function isCursorValue(value: unknown, cast: ReviewOrder['cast']): boolean {
  const shape =
    cast === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
  if (typeof value !== 'string' || !shape.test(value)) return false;
  const ms = Date.parse(cast === 'date' ? `${value}T00:00:00Z` : value);
  return (
    !Number.isNaN(ms) &&
    new Date(ms).toISOString().slice(0, 19) ===
      (cast === 'date' ? `${value}T00:00:00` : value.slice(0, 19))
  );
}

function encodeCursor(sort: ReviewSort, value: string | null, id: string): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: ReviewSort): { value: string | null; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  // Cursors from before `sort` existed are [createdAt, id] for the default order.
  const parts: unknown[] = !Array.isArray(parsed)
    ? []
    : parsed.length === 2
      ? ['-createdAt', ...parsed]
      : parsed;
  const [cursorSort, value, id] = parts;
  const order = REVIEW_ORDERS[sort];
  const valid =
    parts.length === 3 &&
    typeof id === 'string' &&
    /^[0-9a-f-]{36}$/.test(id) &&
    (value === null ? order.nullable : isCursorValue(value, order.cast));
  if (!valid) {
    throw new DomainException(
      DomainExceptionCode.INVALID_CURSOR,
      'cursor: not a cursor returned by this endpoint',
      [{ field: 'cursor', message: 'invalid cursor' }],
    );
  }
  if (cursorSort !== sort) {
    throw new DomainException(
      DomainExceptionCode.INVALID_CURSOR,
      `cursor: returned for sort=${String(cursorSort)}, not sort=${sort}`,
      [{ field: 'cursor', message: `cursor belongs to sort=${String(cursorSort)}` }],
    );
  }
  return { value: value as string | null, id };
}
