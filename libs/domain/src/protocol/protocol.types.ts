/**
 * The shape of a review protocol once validated. Protocols are data (YAML in config/protocols/,
 * versions in PostgreSQL); the workflows interpret a frozen snapshot of one published version.
 * Pure types only: workflow code imports this file.
 */

export const AGENCY_ROLES = ['lead', 'member', 'adviser', 'observer'] as const;
export type AgencyRole = (typeof AGENCY_ROLES)[number];

export const RISK_LEVELS = ['low', 'alert', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const STAGES = [
  'intake',
  'designation',
  'assessment',
  'consolidation',
  'determination',
  'closed',
] as const;
export type Stage = (typeof STAGES)[number];

export const STEP_KINDS = ['automated', 'manual'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const CLOCK_UNITS = ['business_days', 'calendar_days', 'duration'] as const;
export type ClockUnit = (typeof CLOCK_UNITS)[number];

export const MARKINGS = ['U', 'CUI', 'CLASSIFIED'] as const;
export type MarkingLevel = (typeof MARKINGS)[number];

/** Advisory determinations only: this engine never approves or denies anything. */
export const DETERMINATIONS = [
  'no_concerns',
  'mitigations_recommended',
  'significant_concerns',
] as const;
export type Determination = (typeof DETERMINATIONS)[number];

export const CLOSURE_REASONS = ['completed', 'withdrawn', 'not_covered', 'lapsed'] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

export const DESIGNATIONS = ['covered', 'not_covered', 'unable_to_conclude'] as const;
export type Designation = (typeof DESIGNATIONS)[number];

/**
 * A clock length. `business_days` skip weekends, federal holidays (observed) and closures;
 * `calendar_days` count every day; `duration` is an ISO 8601 duration (`PT30S`) for sub-day
 * clocks, which tests use.
 */
export interface ClockSpec {
  unit: ClockUnit;
  /** Whole days for the day units. */
  amount?: number;
  /** ISO 8601 duration when unit is `duration`. */
  iso?: string;
  /** Roll a deadline that lands on a non-business day to the next business day. */
  rollToBusinessDay?: boolean;
}

export interface ProtocolAgency {
  code: string;
  name: string;
  role: AgencyRole;
}

export interface StepRetryPolicy {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
}

export interface ProtocolStep {
  id: string;
  title: string;
  kind: StepKind;
  /** For automated steps: the step kind an agency worker registers (activity type). */
  stepType?: string;
  dependsOn: string[];
  /** Risk domain the step's finding speaks to, e.g. `offensive-cyber`. */
  domain: string;
  clock?: ClockSpec;
  marking?: MarkingLevel;
  /** Automated steps: how long one attempt may run, and how long between heartbeats. */
  startToCloseTimeout?: string;
  heartbeatTimeout?: string;
  /**
   * How long an automated step may wait for a worker of its agency to pick it up; past this the
   * step is flagged as stalled and escalated (and keeps waiting). Default PT1H.
   */
  noPollerTimeout?: string;
  retry?: StepRetryPolicy;
  /** Free-form parameters handed to the automated step (thresholds, task sets...). */
  parameters?: Record<string, unknown>;
}

export interface ProtocolWorkstream {
  agency: string;
  steps: ProtocolStep[];
  /**
   * Need-to-know: agencies (codes, or `*` for every agency of the protocol) that may see this
   * workstream's findings. Absent = no other agency sees them; the coordinator always does.
   */
  sharesFindingsWith?: string[];
}

export interface IntakeStageSpec {
  clock: ClockSpec;
  informationRequestClock: ClockSpec;
}

export interface DesignationStageSpec {
  agency: string;
  clock: ClockSpec;
}

export interface AssessmentStageSpec {
  clock: ClockSpec;
  /** The window ends no later than the developer's planned release date. */
  endNoLaterThanRelease: boolean;
}

export interface ConsolidationStageSpec {
  clock: ClockSpec;
  /** Roles whose positions count in the majority vote. */
  votingRoles: AgencyRole[];
  /** Risk levels from which a written rationale is required. */
  rationaleRequiredFrom: RiskLevel;
}

export interface DeterminationStageSpec {
  clock: ClockSpec;
  /** Advisory determination suggested for each consolidated risk level. */
  byRiskLevel: Record<RiskLevel, Determination>;
  /** When true the suggested determination is issued without waiting for the coordinator. */
  automatic: boolean;
}

export interface ProtocolStages {
  intake?: IntakeStageSpec;
  designation?: DesignationStageSpec;
  assessment: AssessmentStageSpec;
  consolidation?: ConsolidationStageSpec;
  determination?: DeterminationStageSpec;
}

export interface EscalationLevelSpec {
  level: number;
  name: string;
  /** Time the level has to be acknowledged before the ladder climbs. */
  clock: ClockSpec;
}

export interface ReminderSpec {
  /** Remind this long before each deadline (ISO 8601 duration, or business days). */
  before: ClockSpec;
}

export interface Protocol {
  key: string;
  version: number;
  title: string;
  agencies: ProtocolAgency[];
  stages: ProtocolStages;
  workstreams: ProtocolWorkstream[];
  escalation: { levels: EscalationLevelSpec[] };
  reminders: ReminderSpec[];
  riskLevels: RiskLevel[];
  outcomes: { determinations: Determination[]; closures: ClosureReason[] };
}
