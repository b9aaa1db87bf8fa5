import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

/**
 * The workflow task whose state a query answered from: its WorkflowTaskStarted event id (the
 * workflow's `historyLength` while it ran) and the workflow time it ran at (that event's time).
 */
export interface TaskTag {
  startedEventId: number;
  timeMs: number;
}

/**
 * What the review's history says of a workflow task a query answered from:
 * - `completed`: it committed (its WorkflowTaskCompleted follows its WorkflowTaskStarted), so what
 *   the query saw is final;
 * - `open`: the history does not have it yet (still running, or a retry whose events the server
 *   keeps until it completes), so read again later;
 * - `discarded`: the history has something else there (the task failed or timed out, or another
 *   task took its event ids), so what the query saw never happened.
 *
 * The time is checked too: a workflow task that failed on a retry attempt leaves no events, and the
 * attempt that later commits gets the same event ids, but another start time.
 */
export function taskOutcome(
  events: readonly HistoryEvent[],
  tag: TaskTag,
): 'completed' | 'open' | 'discarded' {
  const at = (id: number) => events.find((e) => Number(e.eventId) === id);
  const started = at(tag.startedEventId);
  if (!started) return 'open';
  if (
    started.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ||
    eventTimeMs(started) !== tag.timeMs
  )
    return 'discarded';
  const next = at(tag.startedEventId + 1);
  if (!next) return 'open';
  return next.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ? 'completed'
    : 'discarded';
}

function eventTimeMs(e: HistoryEvent): number | undefined {
  if (!e.eventTime) return undefined;
  return Number(e.eventTime.seconds ?? 0) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
}
