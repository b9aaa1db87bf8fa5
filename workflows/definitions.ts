/**
 * Signals, queries and updates of the review and workstream workflows, defined once and shared
 * by the workflows, the API and the tests.
 */
import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import type {
  ClockSpec,
  Designation,
  Determination,
  RiskLevel,
} from '../libs/domain/src/protocol/protocol.types';
import type {
  Actor,
  Escalation,
  Extension,
  InformationRequest,
  ProjectionFeed,
  RequestRef,
  ReviewState,
  StepAssignee,
  StepRepairAction,
  StepState,
  WorkstreamState,
} from '../libs/domain/src/review/review.types';

export interface ActorInput {
  actor: Actor;
  reason?: string;
}

export interface SubmitFindingInput extends ActorInput {
  stepId: string;
  riskLevel: RiskLevel;
  summary: string;
  rationale?: string;
  /** For classified findings: where the content is held; the content itself never enters. */
  reference?: string;
  /** The API request it came with: audited with the finding (see RequestRef). */
  request?: RequestRef;
}

export interface RequestInformationInput extends ActorInput {
  question: string;
}
export interface AnswerInformationInput extends ActorInput {
  requestId: string;
  answer: string;
}
export interface DesignateInput extends ActorInput {
  designation: Designation;
  rationale?: string;
}
export interface RequestExtensionInput extends ActorInput {
  deadlineId: string;
  clock: ClockSpec;
  justification: string;
}
export interface DecideExtensionInput extends ActorInput {
  extensionId: string;
  grant: boolean;
}
export interface ClockStopInput extends ActorInput {
  deadlineId: string;
  reasonCode: string;
}
export interface AcknowledgeEscalationInput extends ActorInput {
  escalationId: string;
}
export interface RaiseEscalationInput extends ActorInput {
  subject: string;
  level?: number;
}
export interface DecideConsolidationInput extends ActorInput {
  domain: string;
  riskLevel: RiskLevel;
  rationale: string;
}
export interface IssueDeterminationInput extends ActorInput {
  determination: Determination;
  rationale: string;
  recommendation?: string;
}
export interface ChangeReleaseDateInput extends ActorInput {
  plannedReleaseDate: string;
}
export interface CalendarChangedInput extends ActorInput {
  nonBusinessDates: string[];
}

/** An operator's repair of one step: retry a failed automated step, skip, or reassign. */
export interface RepairStepInput extends ActorInput {
  stepId: string;
  action: StepRepairAction;
  /** For `reassign`: the analyst or agency now responsible. */
  assignee?: StepAssignee;
}

/**
 * After an operator resets a review's workflow, the deadlines' original legal basis (from the
 * state before the reset): a reset re-executes code at a later time, and must not restart a clock.
 */
export interface RestoreClocksInput extends ActorInput {
  deadlines: { id: string; basisMs: number }[];
}

export interface WorkstreamProgress {
  agency: string;
  status: WorkstreamState['status'];
  steps: StepState[];
}

// Review workflow
/**
 * The engine version a review started now runs as (`ReviewWorkflowInput.engineVersion`): 5, whose
 * workstreams hold progress that needs nobody's attention for a moment and report at once what a
 * person did (v4 held it by step states alone; v3: a following projection). Reviews started
 * without it decide with a `patched()` marker (v3 at most).
 */
export const ENGINE_VERSION = 5;

export const reviewStateQuery = defineQuery<ReviewState>('reviewState');
/** Engine v3: the committed events after a sequence number, for a following projection. */
export const projectionFeedQuery = defineQuery<ProjectionFeed, [number]>('projectionFeed');
/**
 * Engine v3: how the review hands its feed (every event not projected yet) to the worker that
 * runs it while a following projection is in flight: a sink, called at the end of an activation
 * that changed the feed, never during a replay (activities/projection/projection-feeds.ts).
 */
export interface ProjectionFeedSinks extends Sinks {
  projectionFeed: { publish(feed: ProjectionFeed): void };
}
export const acceptIntakeUpdate = defineUpdate<ReviewState, [ActorInput]>('acceptIntake');
export const requestInformationUpdate = defineUpdate<InformationRequest, [RequestInformationInput]>(
  'requestInformation',
);
export const answerInformationUpdate = defineUpdate<InformationRequest, [AnswerInformationInput]>(
  'answerInformation',
);
export const designateUpdate = defineUpdate<ReviewState, [DesignateInput]>('designate');
export const requestExtensionUpdate = defineUpdate<Extension, [RequestExtensionInput]>(
  'requestExtension',
);
export const decideExtensionUpdate = defineUpdate<Extension, [DecideExtensionInput]>(
  'decideExtension',
);
export const stopClockUpdate = defineUpdate<ReviewState, [ClockStopInput]>('stopClock');
export const resumeClockUpdate = defineUpdate<ReviewState, [ClockStopInput]>('resumeClock');
export const acknowledgeEscalationUpdate = defineUpdate<Escalation, [AcknowledgeEscalationInput]>(
  'acknowledgeEscalation',
);
export const raiseEscalationUpdate = defineUpdate<Escalation, [RaiseEscalationInput]>(
  'raiseEscalation',
);
export const decideConsolidationUpdate = defineUpdate<ReviewState, [DecideConsolidationInput]>(
  'decideConsolidation',
);
export const issueDeterminationUpdate = defineUpdate<ReviewState, [IssueDeterminationInput]>(
  'issueDetermination',
);
export const changeReleaseDateUpdate = defineUpdate<ReviewState, [ChangeReleaseDateInput]>(
  'changeReleaseDate',
);
export const withdrawUpdate = defineUpdate<ReviewState, [ActorInput]>('withdraw');
/** Resolves once the review's read model holds its first projection (used right after intake). */
export const projectedUpdate = defineUpdate<ReviewState, []>('projected');
export const restoreClocksUpdate = defineUpdate<ReviewState, [RestoreClocksInput]>('restoreClocks');
export const calendarChangedSignal = defineSignal<[CalendarChangedInput]>('calendarChanged');
export const workstreamProgressSignal = defineSignal<[WorkstreamProgress]>('workstreamProgress');

// Workstream workflow
export const workstreamStateQuery = defineQuery<WorkstreamProgress>('workstreamState');
export const submitFindingUpdate = defineUpdate<StepState, [SubmitFindingInput]>('submitFinding');
export const repairStepUpdate = defineUpdate<StepState, [RepairStepInput]>('repairStep');
