import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { businessDaysBetween } from '@engine/domain/clock/business-calendar';
import type { ReviewChildRows, ReviewEntity, ReviewEventEntity } from '@engine/persistence';
import type { ReviewState } from '@engine/domain/review/review.types';

export class StepDto {
  @ApiProperty() stepId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['automated', 'manual'] }) kind!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ type: [String] }) dependsOn!: string[];
  @ApiProperty({ enum: ['blocked', 'open', 'running', 'done', 'failed', 'skipped', 'cancelled'] })
  status!: string;
  @ApiPropertyOptional() riskLevel?: string;
  @ApiPropertyOptional() summary?: string;
  @ApiPropertyOptional() marking?: string;
  @ApiPropertyOptional() submittedBy?: string;
  @ApiPropertyOptional() completedAt?: string;
  @ApiPropertyOptional() failure?: string;
  @ApiPropertyOptional() dueAt?: string;
  @ApiPropertyOptional({ description: 'Business days past due (0 when on time)' })
  passedByBusinessDays?: number;
}

export class WorkstreamDto {
  @ApiProperty() agency!: string;
  @ApiProperty() role!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'Share of steps done or skipped, 0..1' }) progress!: number;
  @ApiProperty({ type: [StepDto] }) steps!: StepDto[];
}

export class ExtensionDto {
  @ApiProperty() id!: string;
  @ApiProperty() status!: string;
  @ApiProperty() justification!: string;
  @ApiProperty() requestedBy!: string;
  @ApiPropertyOptional() decidedBy?: string;
  @ApiPropertyOptional() decisionReason?: string;
}

export class DeadlineDto {
  @ApiProperty() id!: string;
  @ApiProperty() label!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() status!: string;
  @ApiPropertyOptional() dueAt?: string;
  @ApiProperty() clockStopped!: boolean;
  @ApiProperty() passedByBusinessDays!: number;
  @ApiProperty({ type: [ExtensionDto] }) extensions!: ExtensionDto[];
  @ApiProperty({ type: [Object] }) clockStops!: {
    reasonCode: string;
    from: string;
    to?: string;
    by: string;
  }[];
}

export class EscalationDto {
  @ApiProperty() id!: string;
  @ApiProperty() trigger!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() level!: number;
  @ApiProperty() levelName!: string;
  @ApiProperty() status!: string;
  @ApiPropertyOptional({ description: 'When it climbs to the next level; absent without a clock' })
  dueAt?: string;
  @ApiPropertyOptional() acknowledgedBy?: string;
}

export class TimelineEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty() type!: string;
  @ApiProperty() actor!: string;
  @ApiPropertyOptional() reason?: string;
  @ApiProperty() at!: string;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
}

export class ReviewSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: string;
  @ApiProperty() stage!: string;
  @ApiProperty() protocol!: string;
  @ApiProperty() developerOrg!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() modelVersion!: string;
  @ApiProperty() plannedReleaseDate!: string;
  @ApiPropertyOptional() leadAgency?: string;
  @ApiPropertyOptional() nextDeadline?: string;
  @ApiProperty({
    description:
      'Open, with a passed deadline whose work is not done (see the `overdue` filter of GET /reviews)',
  })
  overdue!: boolean;
  @ApiPropertyOptional() escalationLevel?: number;
  @ApiPropertyOptional() closureReason?: string;
  @ApiPropertyOptional() determination?: string;
  @ApiPropertyOptional() refiledFrom?: string;
  @ApiProperty({ type: Object, description: 'Progress per agency, 0..1' }) progress!: Record<
    string,
    number
  >;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ReviewDetailDto extends ReviewSummaryDto {
  @ApiPropertyOptional() designation?: string;
  @ApiProperty({ type: [WorkstreamDto] }) workstreams!: WorkstreamDto[];
  @ApiProperty({ type: [DeadlineDto] }) deadlines!: DeadlineDto[];
  @ApiProperty({ type: [EscalationDto] }) escalations!: EscalationDto[];
  @ApiProperty({ type: [Object] }) informationRequests!: {
    id: string;
    question: string;
    requestedBy: string;
    requestedAt: string;
    answeredAt?: string;
  }[];
  @ApiProperty({ type: [Object] }) consolidation!: {
    domain: string;
    riskLevel: string | null;
    method: string;
    dissents: { agency: string; riskLevel: string }[];
  }[];
  @ApiPropertyOptional({ type: Object }) determinationRecord?: {
    determination: string;
    suggested: string;
    rationale: string;
    recommendation?: string;
    issuedBy: string;
    issuedAt: string;
  };
  @ApiPropertyOptional({ type: Object }) closure?: {
    reason: string;
    by: string;
    justification?: string;
    at: string;
  };
  @ApiProperty({ type: [TimelineEventDto] }) timeline!: TimelineEventDto[];
}

export class ReviewPageDto {
  @ApiProperty({ type: [ReviewSummaryDto] }) items!: ReviewSummaryDto[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` to get the next page' })
  nextCursor?: string;
}

export class CreateReviewResponseDto extends ReviewDetailDto {
  @ApiProperty({
    description: 'false when an earlier intake with the same idempotency key was returned',
  })
  created!: boolean;
}

/** A review's row, its rows in the normalized read-model tables and its timeline. */
export interface ReviewReadModel extends ReviewChildRows {
  row: ReviewEntity;
  overdue: boolean;
  events: ReviewEventEntity[];
}

/** What a list row adds to the review's own columns, computed in SQL from the child tables. */
export interface ReviewListExtras {
  /** Share of steps done or skipped per agency, in workstream order. */
  progress: Record<string, number>;
  /** The overdue rule (OVERDUE_CASES in reviews.service.ts). */
  overdue: boolean;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : undefined);

const finished = (status: string) => status === 'done' || status === 'skipped';

/** Share of an agency's steps that are done or skipped; 1 for a workstream without steps. */
function progressOf(steps: { status: string }[]): number {
  return steps.length ? steps.filter((s) => finished(s.status)).length / steps.length : 1;
}

/** The list row: the review's own columns, with progress and overdue from the child tables. */
export function toReviewSummary(
  row: ReviewEntity,
  { progress, overdue }: ReviewListExtras,
): ReviewSummaryDto {
  return {
    id: row.id,
    workflowId: row.workflowId,
    status: row.status,
    stage: row.stage,
    protocol: `${row.protocolKey}@${row.protocolVersion}`,
    developerOrg: row.developerOrg,
    modelName: row.modelName,
    modelVersion: row.modelVersion,
    plannedReleaseDate: row.plannedReleaseDate,
    leadAgency: row.leadAgency ?? undefined,
    nextDeadline: iso(row.nextDeadline),
    overdue,
    escalationLevel: row.escalationLevel ?? undefined,
    closureReason: row.closureReason ?? undefined,
    determination: row.determination ?? undefined,
    refiledFrom: row.refiledFrom ?? undefined,
    progress,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

/** Business days a deadline ran past its due date: until it closed, or until now if still open. */
function passedBy(
  d: { dueAt: Date | null; closedAt: Date | null } | undefined,
  cal: { nonBusinessDates: string[] },
  now: number,
): number {
  if (!d?.dueAt) return 0;
  const due = d.dueAt.getTime();
  const until = d.closedAt?.getTime() ?? now;
  return until > due ? businessDaysBetween(due, until, cal) : 0;
}

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * A step's own fields and its finding's, as every answer shows a step: the review detail (from
 * the read model) and a finding's receipt (from the workstream workflow).
 */
export function stepFields(
  s: Pick<StepDto, 'stepId' | 'title' | 'kind' | 'domain' | 'dependsOn' | 'status'>,
  finding: Pick<StepDto, 'riskLevel' | 'summary' | 'marking' | 'submittedBy'> | undefined,
): StepDto {
  return {
    stepId: s.stepId,
    title: s.title,
    kind: s.kind,
    domain: s.domain,
    dependsOn: s.dependsOn,
    status: s.status,
    riskLevel: finding?.riskLevel,
    summary: finding?.summary,
    marking: finding?.marking,
    submittedBy: finding?.submittedBy,
  };
}

export function toReviewDetail(m: ReviewReadModel, now = Date.now()): ReviewDetailDto {
  // Review-level facts the normalized tables do not hold (designation, information requests,
  // consolidation, determination, closure, calendar) still come from the state snapshot.
  const state = m.row.state as unknown as ReviewState;
  const cal = { nonBusinessDates: state.nonBusinessDates ?? [] };
  const deadlineById = new Map(m.deadlines.map((d) => [d.deadlineId, d]));
  const findingOf = new Map(m.findings.map((f) => [key(f.agency, f.stepId), f]));
  const stepsOf = (agency: string) => m.steps.filter((s) => s.agency === agency);
  const progress = Object.fromEntries(
    m.workstreams.map((w) => [w.agency, progressOf(stepsOf(w.agency))]),
  );
  return {
    ...toReviewSummary(m.row, { progress, overdue: m.overdue }),
    designation: state.designation?.designation,
    workstreams: m.workstreams.map((w) => ({
      agency: w.agency,
      role: w.role,
      status: w.status,
      progress: progress[w.agency],
      steps: stepsOf(w.agency).map((s) => {
        const finding = findingOf.get(key(s.agency, s.stepId));
        const deadline = deadlineById.get(`step:${s.agency}:${s.stepId}`);
        return {
          ...stepFields(s, finding),
          completedAt: iso(s.completedAt),
          failure: s.failure ?? undefined,
          dueAt: iso(deadline?.dueAt),
          passedByBusinessDays: passedBy(deadline, cal, now),
        };
      }),
    })),
    deadlines: m.deadlines.map((d) => {
      const stops = m.clockStops.filter((s) => s.deadlineId === d.deadlineId);
      return {
        id: d.deadlineId,
        label: d.label,
        kind: d.kind,
        status: d.status,
        dueAt: iso(d.dueAt),
        clockStopped: stops.some((s) => s.toAt === null),
        passedByBusinessDays: passedBy(d, cal, now),
        extensions: m.extensions
          .filter((x) => x.deadlineId === d.deadlineId)
          .map((x) => ({
            id: x.extensionId,
            status: x.status,
            justification: x.justification,
            requestedBy: x.requestedBy,
            decidedBy: x.decidedBy ?? undefined,
            decisionReason: x.decisionReason ?? undefined,
          })),
        clockStops: stops.map((s) => ({
          reasonCode: s.reasonCode,
          from: s.fromAt.toISOString(),
          to: iso(s.toAt),
          by: s.stoppedBy,
        })),
      };
    }),
    escalations: m.escalations.map((e) => ({
      id: e.escalationId,
      trigger: e.trigger,
      subject: e.subject,
      level: e.level,
      levelName: e.levelName,
      status: e.status,
      dueAt: iso(e.dueAt),
      acknowledgedBy: e.acknowledgedBy ?? undefined,
    })),
    informationRequests: state.informationRequests.map((r) => ({
      id: r.id,
      question: r.question,
      requestedBy: r.requestedBy,
      requestedAt: r.requestedAt,
      answeredAt: r.answeredAt,
    })),
    consolidation: (state.consolidation ?? []).map((o) => ({
      domain: o.domain,
      riskLevel: o.riskLevel,
      method: o.method,
      dissents: o.dissents.map((d) => ({ agency: d.agency, riskLevel: d.riskLevel })),
    })),
    determinationRecord: state.determination,
    closure: state.closure,
    timeline: m.events.map((e) => ({
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      reason: e.reason ?? undefined,
      at: e.at.toISOString(),
      details: e.details,
    })),
  };
}
