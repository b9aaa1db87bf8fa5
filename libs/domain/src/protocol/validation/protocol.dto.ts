/**
 * class-validator mirrors of every interface in `../protocol.types.ts`: the shape half of protocol
 * validation (types, allowed values, unknown keys). The semantic half (graph, references, ordering,
 * clocks) lives in `validate-protocol.ts`. Uses decorators and reflection, so workflow code never
 * imports this folder; it imports the plain types instead.
 *
 * Messages are written without the property name because the validator prefixes every message
 * with the full path (`workstreams.caisi.steps[2].kind: must be one of ...`).
 */
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  AGENCY_ROLES,
  CLOCK_UNITS,
  CLOSURE_REASONS,
  DETERMINATIONS,
  MARKINGS,
  RISK_LEVELS,
  STEP_KINDS,
  type AgencyRole,
  type AssessmentStageSpec,
  type ClockSpec,
  type ClockUnit,
  type ClosureReason,
  type ConsolidationStageSpec,
  type DesignationStageSpec,
  type Determination,
  type DeterminationStageSpec,
  type EscalationLevelSpec,
  type IntakeStageSpec,
  type MarkingLevel,
  type Protocol,
  type ProtocolAgency,
  type ProtocolStages,
  type ProtocolStep,
  type ProtocolWorkstream,
  type ReminderSpec,
  type RiskLevel,
  type StepKind,
  type StepRetryPolicy,
} from '../protocol.types';

/** Lower-case kebab-case: agency codes, step ids and risk domains appear in paths and queue names. */
export const IDENTIFIER_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Same rule as `defineAssessmentStep` in the agency SDK, so every named step type can be served. */
export const STEP_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;
/** Same rule as `protocolKey` on the review intake API. */
export const PROTOCOL_KEY_PATTERN = /^[a-z][a-z0-9-]{1,60}$/;

type Decorator = (target: object, propertyKey: string) => void;

/** One decorator from several, like Nest's `applyDecorators`, for stacks repeated below. */
function compose(...decorators: Decorator[]): Decorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

const oneOf = (values: readonly string[]) => `must be one of: ${values.join(', ')}`;
const eachOneOf = (values: readonly string[]) => `each value must be one of: ${values.join(', ')}`;

const Required = () => IsDefined({ message: 'is required' });
const RequiredText = () =>
  compose(
    Required(),
    IsString({ message: 'must be a string' }),
    IsNotEmpty({ message: 'must not be empty' }),
  );
const Identifier = (what: string, example: string) =>
  compose(
    Required(),
    IsString({ message: 'must be a string' }),
    Matches(IDENTIFIER_PATTERN, { message: `must be a kebab-case ${what} such as "${example}"` }),
  );
const OneOf = (values: readonly string[]) =>
  compose(Required(), IsIn([...values], { message: oneOf(values) }));
const OptionalText = () => compose(IsOptional(), IsString({ message: 'must be a string' }));
/** A nested object property; `IsObject` because `ValidateNested` alone would accept an array. */
const Nested = (type: () => new () => object) =>
  compose(Required(), IsObject({ message: 'must be an object' }), ValidateNested(), Type(type));
const OptionalNested = (type: () => new () => object) =>
  compose(IsOptional(), IsObject({ message: 'must be an object' }), ValidateNested(), Type(type));
const NestedArray = (type: () => new () => object) =>
  compose(
    Required(),
    IsArray({ message: 'must be a list' }),
    ValidateNested({ each: true }),
    Type(type),
  );
const ListOf = (values: readonly string[]) =>
  compose(
    Required(),
    IsArray({ message: 'must be a list' }),
    IsIn([...values], { each: true, message: eachOneOf(values) }),
  );

/**
 * Only the types of a clock's fields: which fields a unit needs, and whether an amount or an
 * ISO 8601 duration is valid, are semantic checks (they depend on `unit`).
 */
export class ClockSpecDto implements ClockSpec {
  @OneOf(CLOCK_UNITS)
  unit!: ClockUnit;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  amount?: number;

  @OptionalText()
  iso?: string;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  rollToBusinessDay?: boolean;
}

export class ProtocolAgencyDto implements ProtocolAgency {
  @Identifier('agency code', 'caisi')
  code!: string;

  @RequiredText()
  name!: string;

  @OneOf(AGENCY_ROLES)
  role!: AgencyRole;
}

export class StepRetryPolicyDto implements StepRetryPolicy {
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  maximumAttempts?: number;

  /** ISO 8601 duration; checked semantically. */
  @OptionalText()
  initialInterval?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(1, { message: 'must be at least 1 (Temporal refuses a shrinking backoff)' })
  backoffCoefficient?: number;
}

export class ProtocolStepDto implements ProtocolStep {
  @Identifier('step id', 'ctf-suite')
  id!: string;

  @RequiredText()
  title!: string;

  @OneOf(STEP_KINDS)
  kind!: StepKind;

  @IsOptional()
  @IsString({ message: 'must be a string' })
  @Matches(STEP_TYPE_PATTERN, {
    message: 'must look like <agency>.<step>, e.g. caisi.ctf-evaluation',
  })
  stepType?: string;

  @Required()
  @IsArray({ message: 'must be a list of step ids (empty when the step depends on nothing)' })
  @IsString({ each: true, message: 'each value must be a step id' })
  @ArrayUnique({ message: 'must not name a step twice' })
  dependsOn!: string[];

  @Identifier('risk domain', 'offensive-cyber')
  domain!: string;

  @OptionalNested(() => ClockSpecDto)
  clock?: ClockSpecDto;

  @IsOptional()
  @IsIn([...MARKINGS], { message: oneOf(MARKINGS) })
  marking?: MarkingLevel;

  /** ISO 8601 durations; checked semantically. */
  @OptionalText()
  startToCloseTimeout?: string;

  @OptionalText()
  heartbeatTimeout?: string;

  @OptionalText()
  noPollerTimeout?: string;

  @OptionalNested(() => StepRetryPolicyDto)
  retry?: StepRetryPolicyDto;

  /** Free-form: whatever the agency worker's step reads. Not whitelisted key by key. */
  @IsOptional()
  @IsObject({ message: 'must be an object' })
  parameters?: Record<string, unknown>;
}

export class ProtocolWorkstreamDto implements ProtocolWorkstream {
  @Identifier('agency code', 'caisi')
  agency!: string;

  @NestedArray(() => ProtocolStepDto)
  @ArrayNotEmpty({ message: 'a workstream needs at least one step' })
  steps!: ProtocolStepDto[];

  @IsOptional()
  @IsArray({ message: 'must be a list of agency codes or "*"' })
  @IsString({ each: true, message: 'must be a list of agency codes or "*"' })
  sharesFindingsWith?: string[];
}

export class IntakeStageSpecDto implements IntakeStageSpec {
  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;

  @Nested(() => ClockSpecDto)
  informationRequestClock!: ClockSpecDto;
}

export class DesignationStageSpecDto implements DesignationStageSpec {
  @Identifier('agency code', 'caisi')
  agency!: string;

  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;
}

export class AssessmentStageSpecDto implements AssessmentStageSpec {
  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;

  @Required()
  @IsBoolean({ message: 'must be true or false' })
  endNoLaterThanRelease!: boolean;
}

export class ConsolidationStageSpecDto implements ConsolidationStageSpec {
  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;

  @ListOf(AGENCY_ROLES)
  @ArrayNotEmpty({ message: 'at least one role must vote' })
  @ArrayUnique({ message: 'must not name a role twice' })
  votingRoles!: AgencyRole[];

  @OneOf(RISK_LEVELS)
  rationaleRequiredFrom!: RiskLevel;
}

/** `Record<RiskLevel, Determination>`: every risk level maps to a determination. */
export class DeterminationByRiskLevelDto implements Record<RiskLevel, Determination> {
  @OneOf(DETERMINATIONS)
  low!: Determination;

  @OneOf(DETERMINATIONS)
  alert!: Determination;

  @OneOf(DETERMINATIONS)
  high!: Determination;

  @OneOf(DETERMINATIONS)
  critical!: Determination;
}

export class DeterminationStageSpecDto implements DeterminationStageSpec {
  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;

  @Nested(() => DeterminationByRiskLevelDto)
  byRiskLevel!: DeterminationByRiskLevelDto;

  @Required()
  @IsBoolean({ message: 'must be true or false' })
  automatic!: boolean;
}

export class ProtocolStagesDto implements ProtocolStages {
  @OptionalNested(() => IntakeStageSpecDto)
  intake?: IntakeStageSpecDto;

  @OptionalNested(() => DesignationStageSpecDto)
  designation?: DesignationStageSpecDto;

  @Nested(() => AssessmentStageSpecDto)
  assessment!: AssessmentStageSpecDto;

  @OptionalNested(() => ConsolidationStageSpecDto)
  consolidation?: ConsolidationStageSpecDto;

  @OptionalNested(() => DeterminationStageSpecDto)
  determination?: DeterminationStageSpecDto;
}

export class EscalationLevelSpecDto implements EscalationLevelSpec {
  @Required()
  @IsInt({ message: 'must be a whole number' })
  @Min(0, { message: 'must not be negative' })
  level!: number;

  @RequiredText()
  name!: string;

  @Nested(() => ClockSpecDto)
  clock!: ClockSpecDto;
}

/** `Protocol['escalation']`. */
export class EscalationLadderDto {
  @NestedArray(() => EscalationLevelSpecDto)
  levels!: EscalationLevelSpecDto[];
}

export class ReminderSpecDto implements ReminderSpec {
  @Nested(() => ClockSpecDto)
  before!: ClockSpecDto;
}

/** `Protocol['outcomes']`. */
export class ProtocolOutcomesDto {
  @ListOf(DETERMINATIONS)
  @ArrayUnique({ message: 'must not list a determination twice' })
  determinations!: Determination[];

  @ListOf(CLOSURE_REASONS)
  @ArrayUnique({ message: 'must not list a closure twice' })
  closures!: ClosureReason[];
}

export class ProtocolDto implements Protocol {
  @Required()
  @IsString({ message: 'must be a string' })
  @Matches(PROTOCOL_KEY_PATTERN, {
    message: 'must be a kebab-case key such as "frontier-ai-cyber"',
  })
  key!: string;

  @Required()
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  version!: number;

  @RequiredText()
  title!: string;

  @NestedArray(() => ProtocolAgencyDto)
  @ArrayNotEmpty({ message: 'at least one agency is required' })
  agencies!: ProtocolAgencyDto[];

  @Nested(() => ProtocolStagesDto)
  stages!: ProtocolStagesDto;

  @NestedArray(() => ProtocolWorkstreamDto)
  @ArrayNotEmpty({ message: 'at least one workstream is required' })
  workstreams!: ProtocolWorkstreamDto[];

  @Nested(() => EscalationLadderDto)
  escalation!: EscalationLadderDto;

  @NestedArray(() => ReminderSpecDto)
  reminders!: ReminderSpecDto[];

  /** Order and duplicates are semantic checks, reported with the index at fault. */
  @ListOf(RISK_LEVELS)
  riskLevels!: RiskLevel[];

  @Nested(() => ProtocolOutcomesDto)
  outcomes!: ProtocolOutcomesDto;
}
