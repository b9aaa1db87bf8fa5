import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type {
  ProjectionBatch,
  ProjectionResult,
  ReviewEvent,
  ReviewState,
} from '@engine/domain/review/review.types';
import { followedOf } from '@engine/activities/projection/followed-record';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { eventId } from '@engine/temporal';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** The events of a workflow's latest run, oldest first. */
export async function fetchEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/**
 * Where a reset goes: the last completed workflow task (the default: the last good one, before
 * any failing task), or the last completed workflow task before the chosen event.
 */
export function resetPoint(
  events: HistoryEvent[],
  beforeEventId?: number,
): HistoryEvent | undefined {
  const completed = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED &&
      (beforeEventId === undefined || eventId(e) < beforeEventId),
  );
  return completed[completed.length - 1];
}

/** Signals and updates received after an event: what a reset reapplies, or drops. */
export interface ReceivedMessage {
  eventId: number;
  kind: 'signal' | 'update';
  name: string;
}
export function signalsAndUpdatesAfter(
  events: HistoryEvent[],
  afterEventId: number,
): ReceivedMessage[] {
  return events
    .filter((e) => eventId(e) > afterEventId)
    .flatMap((e): ReceivedMessage[] => {
      if (e.workflowExecutionSignaledEventAttributes)
        return [
          {
            eventId: eventId(e),
            kind: 'signal',
            name: e.workflowExecutionSignaledEventAttributes.signalName ?? '',
          },
        ];
      if (e.workflowExecutionUpdateAcceptedEventAttributes)
        return [
          {
            eventId: eventId(e),
            kind: 'update',
            name:
              e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '',
          },
        ];
      return [];
    });
}

/** Child workflows started after an event (a reset starts them again). */
export function childrenStartedAfter(events: HistoryEvent[], afterEventId: number): string[] {
  return events
    .filter((e) => eventId(e) > afterEventId && e.childWorkflowExecutionStartedEventAttributes)
    .map(
      (e) => e.childWorkflowExecutionStartedEventAttributes!.workflowExecution?.workflowId ?? '',
    );
}

/** The most recent failed workflow task: its cause and message (e.g. a determinism failure). */
export function lastWorkflowTaskFailure(
  events: HistoryEvent[],
): { eventId: number; cause: string; message: string; nonDeterministic: boolean } | undefined {
  const failed = [...events]
    .reverse()
    .find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  const completedAfter = failed
    ? events.some(
        (e) =>
          eventId(e) > eventId(failed) &&
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      )
    : false;
  if (!failed || completedAfter) return undefined;
  const attrs = failed.workflowTaskFailedEventAttributes!;
  const cause = (temporal.api.enums.v1.WorkflowTaskFailedCause[attrs.cause ?? 0] ?? '').replace(
    /^WORKFLOW_TASK_FAILED_CAUSE_/,
    '',
  );
  const message = attrs.failure?.message ?? '';
  return {
    eventId: eventId(failed),
    cause,
    message,
    nonDeterministic: cause === 'NON_DETERMINISTIC_ERROR' || /TMPRL1100|nondetermin/i.test(message),
  };
}

/** What the review's projections wrote in this run: every event once, and the newest state. */
export interface Projected {
  events: ReviewEvent[];
  newestState?: ReviewState;
}

/**
 * What the review's projection activities wrote in this run, decoded with the client's data
 * converter (payloads are encrypted): each activity's batch (its input) and, for a following
 * projection (engine v3), what it followed after it (in its result). What a rebuild replays.
 */
export async function projected(client: Client, history: HistoryEvent[]): Promise<Projected> {
  const converter = client.options.loadedDataConverter;
  const projections = new Set<string>();
  const bySeq = new Map<number, ReviewEvent>();
  let newestState: ReviewState | undefined;
  const add = (b: { events?: ReviewEvent[]; state?: ReviewState }) => {
    for (const e of b.events ?? []) bySeq.set(e.seq, e);
    if (b.state && (!newestState || b.state.seq > newestState.seq)) newestState = b.state;
  };
  for (const e of history) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'projectReview') {
      projections.add(String(e.eventId));
      const [batch] = (await decodeArrayFromPayloads(converter, scheduled.input?.payloads)) as [
        ProjectionBatch | undefined,
      ];
      if (batch) add(batch);
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && projections.has(String(completed.scheduledEventId))) {
      const [result] = (await decodeArrayFromPayloads(converter, completed.result?.payloads)) as [
        ProjectionResult | undefined,
      ];
      let followed: ReturnType<typeof followedOf>;
      try {
        followed = followedOf(result);
      } catch (err) {
        // Not damage at rest (the payload's encryption would have failed first): whatever wrote
        // the record wrote it wrong. Say where, rather than answer a bare 500.
        throw new DomainException(
          DomainExceptionCode.ACTION_REJECTED,
          `history event ${String(e.eventId)}: the projection's followed record cannot be read (${(err as Error).message})`,
        );
      }
      if (followed) add(followed);
    }
  }
  return { events: [...bySeq.values()].sort((a, b) => a.seq - b.seq), newestState };
}
