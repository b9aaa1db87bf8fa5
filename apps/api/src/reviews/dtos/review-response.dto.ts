import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { businessDaysBetween } from '@engine/domain/clock/business-calendar';
import type { ReviewEntity, ReviewEventEntity } from '@engine/persistence';
import type { Deadline, ReviewState, StepState } from '@engine/domain/review/review.types';

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
  @ApiProperty() dueAt!: string;
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
  @ApiProperty() overdue!: boolean;
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

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : undefined);

function progressOf(state: ReviewState): Record<string, number> {
  return Object.fromEntries(
    state.workstreams.map((w) => [
      w.agency,
      w.steps.length
        ? w.steps.filter((s) => s.status === 'done' || s.status === 'skipped').length /
          w.steps.length
        : 1,
    ]),
  );
}

export function toReviewSummary(row: ReviewEntity, now = Date.now()): ReviewSummaryDto {
  const state = row.state as unknown as ReviewState;
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
    overdue: row.status === 'open' && !!row.nextDeadline && row.nextDeadline.getTime() < now,
    escalationLevel: row.escalationLevel ?? undefined,
    closureReason: row.closureReason ?? undefined,
    determination: row.determination ?? undefined,
    refiledFrom: row.refiledFrom ?? undefined,
    progress: progressOf(state),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

function passedBy(
  d: Deadline | undefined,
  cal: { nonBusinessDates: string[] },
  now: number,
): number {
  if (!d || !Number.isFinite(d.dueMs)) return 0;
  const until =
    d.status === 'open' || d.status === 'missed' ? (d.closedAtMs ?? now) : (d.closedAtMs ?? now);
  return until > d.dueMs ? businessDaysBetween(d.dueMs, until, cal) : 0;
}

function toStep(
  s: StepState,
  d: Deadline | undefined,
  cal: { nonBusinessDates: string[] },
  now: number,
): StepDto {
  return {
    stepId: s.stepId,
    title: s.title,
    kind: s.kind,
    domain: s.domain,
    dependsOn: s.dependsOn,
    status: s.status,
    riskLevel: s.finding?.riskLevel,
    summary: s.finding?.summary,
    marking: s.finding?.marking,
    submittedBy: s.finding?.submittedBy,
    completedAt: s.completedAt,
    failure: s.failure,
    dueAt: d && Number.isFinite(d.dueMs) ? new Date(d.dueMs).toISOString() : undefined,
    passedByBusinessDays: passedBy(d, cal, now),
  };
}

export function toReviewDetail(
  row: ReviewEntity,
  events: ReviewEventEntity[],
  now = Date.now(),
): ReviewDetailDto {
  const state = row.state as unknown as ReviewState;
  const cal = { nonBusinessDates: state.nonBusinessDates ?? [] };
  const deadlineOf = (id: string) => state.deadlines.find((d) => d.id === id);
  return {
    ...toReviewSummary(row, now),
    designation: state.designation?.designation,
    workstreams: state.workstreams.map((w) => ({
      agency: w.agency,
      role: w.role,
      status: w.status,
      progress: progressOf({ ...state, workstreams: [w] })[w.agency],
      steps: w.steps.map((s) => toStep(s, deadlineOf(`step:${w.agency}:${s.stepId}`), cal, now)),
    })),
    deadlines: state.deadlines.map((d) => ({
      id: d.id,
      label: d.label,
      kind: d.kind,
      status: d.status,
      dueAt: Number.isFinite(d.dueMs) ? new Date(d.dueMs).toISOString() : undefined,
      clockStopped: d.stops.some((s) => s.toMs === undefined),
      passedByBusinessDays: passedBy(d, cal, now),
      extensions: d.extensions.map((e) => ({
        id: e.id,
        status: e.status,
        justification: e.justification,
        requestedBy: e.requestedBy,
        decidedBy: e.decidedBy,
        decisionReason: e.decisionReason,
      })),
      clockStops: d.stops.map((s) => ({
        reasonCode: s.reasonCode,
        from: new Date(s.fromMs).toISOString(),
        to: s.toMs ? new Date(s.toMs).toISOString() : undefined,
        by: s.by,
      })),
    })),
    escalations: state.escalations.map((e) => ({
      id: e.id,
      trigger: e.trigger,
      subject: e.subject,
      level: e.level,
      levelName: e.levelName,
      status: e.status,
      dueAt: new Date(e.dueMs).toISOString(),
      acknowledgedBy: e.acknowledgedBy,
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
    timeline: events.map((e) => ({
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      reason: e.reason ?? undefined,
      at: e.at.toISOString(),
      details: e.details,
    })),
  };
}
