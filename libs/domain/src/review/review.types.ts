/**
 * The live state of a review as the workflow holds it, and the inputs of its updates. Pure
 * types: shared by workflows, activities (projection) and the API.
 */
import type {
  ClockSpec,
  ClosureReason,
  Designation,
  Determination,
  MarkingLevel,
  Protocol,
  RiskLevel,
  Stage,
  StepKind,
  AgencyRole,
} from '../protocol/protocol.types';
import type { DomainOutcome } from '../consolidation/consolidation';

export const ACCESS_TYPES = ['hosted_endpoint', 'enclave', 'on_premises'] as const;
export type AccessType = (typeof ACCESS_TYPES)[number];

export interface AccessArrangement {
  type: AccessType;
  /** OpenAI-compatible base URL for hosted endpoints. */
  endpointUrl?: string;
  /** Credential handed to agency workers; never logged or projected. */
  apiKey?: string;
}

export interface ReviewIntake {
  developerOrg: string;
  contactName: string;
  contactEmail: string;
  modelName: string;
  modelVersion: string;
  safeguardsVariant?: string;
  accessArrangement: AccessArrangement;
  /** YYYY-MM-DD */
  plannedReleaseDate: string;
  /** YYYY-MM-DD */
  trustedPartnerReleaseDate?: string;
}

/** Who acted and in what capacity; comes from the caller, recorded on every change. */
export interface Actor {
  id: string;
  agency?: string;
}

export interface ReviewWorkflowInput {
  reviewId: string;
  idempotencyKey?: string;
  intake: ReviewIntake;
  protocol: Protocol;
  /** Non-business dates (observed federal holidays and closures) when the review started. */
  nonBusinessDates: string[];
  submittedBy: Actor;
  refiledFrom?: string;
  /**
   * Roll over to a new run (continue-as-new) once the history has this many events, at the next
   * safe point; by default only when Temporal suggests it. Operators and tests set it lower.
   */
  continueAsNewAfterEvents?: number;
  /** Set when a run continues as new: everything the previous run knew. */
  resume?: ReviewResume;
  /**
   * The engine version the review runs as, set by whoever starts it (`ENGINE_VERSION` in
   * workflows/definitions.ts); it carries into a continued run with the rest of the input. A
   * review started without it (before it existed) decides with `patched()` markers, which cost
   * two history events per run (the marker and its search-attribute upsert).
   */
  engineVersion?: number;
}

/** What a review carries into its next run (continue-as-new). */
export interface ReviewResume {
  state: ReviewState;
  findings: Finding[];
  decisions: {
    domain: string;
    riskLevel: Finding['riskLevel'];
    rationale: string;
    decidedBy: string;
  }[];
  run: number;
}

export type StepStatus =
  'blocked' | 'open' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface Finding {
  agency: string;
  stepId: string;
  domain: string;
  riskLevel: RiskLevel;
  summary: string;
  rationale?: string;
  marking: MarkingLevel;
  /** For classified findings only a reference is stored, never the content. */
  reference?: string;
  metrics?: Record<string, number>;
  /** Artifacts attached to the finding, each with its own marking; classified ones by reference only. */
  artifacts?: ArtifactRecord[];
  submittedBy: string;
  submittedAt: string;
  /** The API request that submitted it; audited with the finding's `step_done` entry. */
  request?: RequestRef;
}

/**
 * An API request that caused a state change, carried with the change so that its audit entry is
 * written with the change's own (by the projection), never apart from it.
 */
export interface RequestRef {
  id: string;
  /** The caller's role when it acted. */
  role: string;
  via?: string;
}

/** An artifact attached to a finding (evaluation transcript, exploit write-up, log extract). */
export interface ArtifactRecord {
  name: string;
  marking: MarkingLevel;
  /** CUI category such as `CUI//SP-PROPIN`. */
  cuiCategory?: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** Small unclassified or CUI content inline (base64); classified artifacts carry a reference only. */
  contentBase64?: string;
  reference?: string;
}

export interface StepState {
  agency: string;
  stepId: string;
  title: string;
  kind: StepKind;
  domain: string;
  dependsOn: string[];
  status: StepStatus;
  openedAt?: string;
  completedAt?: string;
  finding?: Finding;
  failure?: string;
  attempts?: number;
  /** An automated step no agency worker has picked up within the protocol's noPollerTimeout. */
  stalled?: boolean;
  /** Set by an operator's reassignment: who must submit the finding, or whose queue runs the step. */
  assignee?: StepAssignee;
  /** Set when an operator skipped the step: it settles the DAG but is never a finding. */
  skip?: { by: string; reason: string; at: string };
  /** The operator repair applied last (numbered, so the parent review records each one once). */
  lastRepair?: StepRepairRecord;
}

export type StepRepairAction = 'retry' | 'skip' | 'reassign';

export interface StepAssignee {
  /** The analyst who must submit a manual step's finding. */
  analyst?: string;
  /** The agency whose analysts submit the finding, or whose task queue runs an automated step. */
  agency?: string;
}

export interface StepRepairRecord {
  n: number;
  action: StepRepairAction;
  by: string;
  reason: string;
  at: string;
  assignee?: StepAssignee;
}

export interface WorkstreamState {
  agency: string;
  role: AgencyRole;
  workflowId: string;
  status: 'pending' | 'running' | 'completed' | 'cancelled';
  steps: StepState[];
}

export interface ClockStop {
  reasonCode: string;
  fromMs: number;
  toMs?: number;
  by: string;
}

export interface Extension {
  id: string;
  clock: ClockSpec;
  justification: string;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'granted' | 'refused';
  decidedBy?: string;
  decisionReason?: string;
  decidedAt?: string;
}

export type DeadlineKind = 'stage' | 'step' | 'information_request';

export interface Deadline {
  id: string;
  label: string;
  kind: DeadlineKind;
  agency?: string;
  stepId?: string;
  /** The legal basis: the clock counts from here; never moved by repairs. */
  basisMs: number;
  clock: ClockSpec;
  /** Hard cap (e.g. end of the planned release date). */
  capMs?: number;
  stops: ClockStop[];
  extensions: Extension[];
  dueMs: number;
  status: 'open' | 'met' | 'missed' | 'cancelled';
  remindedAtMs?: number;
  closedAtMs?: number;
}

export type EscalationTrigger =
  'missed_deadline' | 'dissent' | 'manual' | 'failed_step' | 'no_poller';

export interface Escalation {
  id: string;
  trigger: EscalationTrigger;
  subject: string;
  level: number;
  levelName: string;
  raisedAtMs: number;
  dueMs: number;
  status: 'open' | 'acknowledged' | 'exhausted';
  acknowledgedBy?: string;
  acknowledgedAtMs?: number;
  history: { level: number; atMs: number; by: string }[];
}

export interface InformationRequest {
  id: string;
  question: string;
  requestedBy: string;
  requestedAt: string;
  answeredAt?: string;
  answer?: string;
  deadlineId: string;
}

export interface DeterminationRecord {
  determination: Determination;
  suggested: Determination;
  rationale: string;
  recommendation?: string;
  issuedBy: string;
  issuedAt: string;
}

export interface ReviewState {
  reviewId: string;
  status: 'open' | 'closed';
  stage: Stage;
  protocolKey: string;
  protocolVersion: number;
  leadAgency: string | null;
  developerOrg: string;
  modelName: string;
  modelVersion: string;
  plannedReleaseDate: string;
  idempotencyKey?: string;
  refiledFrom?: string;
  designation?: { designation: Designation; by: string; rationale?: string; at: string };
  workstreams: WorkstreamState[];
  deadlines: Deadline[];
  escalations: Escalation[];
  informationRequests: InformationRequest[];
  consolidation?: DomainOutcome[];
  determination?: DeterminationRecord;
  /** `terminated`: an operator ended the workflow (not a protocol outcome). */
  closure?: {
    reason: ClosureReason | 'terminated';
    by: string;
    justification?: string;
    at: string;
  };
  nonBusinessDates: string[];
  /** Sequence number of the last state change. */
  seq: number;
}

/** One state change, projected to the timeline and the audit log under (reviewId, seq). */
export interface ReviewEvent {
  seq: number;
  type: string;
  actor: string;
  reason?: string;
  at: string;
  details: Record<string, unknown>;
}

export interface ProjectionBatch {
  reviewId: string;
  workflowId: string;
  events: ReviewEvent[];
  state: ReviewState;
  /**
   * Write the batch's notifications to the outbox in the same transaction (engine v2); earlier
   * reviews hand the batch to `deliverNotifications`, which writes them itself.
   */
  notify?: boolean;
  /** The intake's contact email: the developer hears of the determination and the closure. */
  developerContact?: string;
  /**
   * Engine v3: after the batch, keep projecting what the review commits next (read through the
   * `projectionFeed` query) until it goes quiet or someone waits for the read model, and report
   * the last sequence number projected in `projectedSeq`.
   */
  follow?: boolean;
  /**
   * With `follow`: which following projection of this run this is (1, 2, …). The review
   * publishes its feed, numbered the same, from the workflow task that schedules it on, so the
   * projection finds the first publication on its worker's board when it starts, unless another
   * worker ran that task.
   */
  projection?: number;
}

/** What a projection reports back to the review workflow. */
export interface ProjectionResult {
  /** The batch's notifications still waiting to be sent (0: nothing to send, no activity). */
  pendingNotifications: number;
  /** With `follow`: the last sequence number projected, the batch's or a later one's. */
  projectedSeq?: number;
  /**
   * With `follow`, when it projected more than its batch: those events and the snapshot they led
   * to, packed (gzipped JSON in base64, see activities/projection/followed-record.ts). The result
   * is kept in the review's history, so the history still holds every projected event (operators
   * rebuild a lost read model from it); the workflow itself never reads it.
   */
  followedPacked?: string;
  /** The same, unpacked: what projections returned until 2026-11-29 (still in their histories). */
  followed?: FollowedProjection;
}

/** The events a following projection wrote beyond its batch, and the state they led to. */
export interface FollowedProjection {
  events: ReviewEvent[];
  state: ReviewState;
}

/**
 * What a following projection reads from the review (the `projectionFeed` query): the events
 * after a sequence number that the review has committed and not yet seen projected, the
 * snapshot they lead to, and whether the projection should end now.
 */
export interface ProjectionFeed {
  events: ReviewEvent[];
  /** Present when `events` is not empty. */
  state?: ReviewState;
  /**
   * True when the review waits for its read model (an update handler is running, it is closed
   * or about to continue as new): the projection returns now, so the wait is short.
   */
  done: boolean;
  /**
   * The workflow task the answer's state comes from: its WorkflowTaskStarted event id and the
   * workflow time it ran at. A worker can answer a query from a task the server then throws away,
   * so a reader writes what it read only once the history shows that task completed.
   */
  task?: { startedEventId: number; timeMs: number };
  /** Published for a following projection: its number (`ProjectionBatch.projection`). */
  projection?: number;
}
