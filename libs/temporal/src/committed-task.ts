import { temporal } from '@temporalio/proto';
import { eventId as id, eventTimeMs, eventTypeName } from './history-events';

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
 * Events a workflow task's own completion writes: its commands' (sdk-core's `is_command_event`)
 * and its update messages'. Nothing in them reaches the workflow's code when it is replayed.
 */
const WRITTEN_BY_THE_TASK = new Set<number>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
  EventType.EVENT_TYPE_MARKER_RECORDED,
  EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_TIMER_CANCELED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
  EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);

/**
 * What the review's history says of the workflow task a query answered from:
 * - `completed`: it committed (its WorkflowTaskCompleted follows its WorkflowTaskStarted), and the
 *   answer holds nothing else, so what the query saw is final;
 * - `open`: the history does not show that yet (the task is still running, or is a retry whose
 *   events the server keeps until it completes, or the answer also holds events no committed task
 *   has handled), so read again later;
 * - `discarded`: the history has another task there (this one failed or timed out, or a retry took
 *   its event ids), so what the query saw never happened.
 *
 * A worker that answers a query for a review it no longer holds first replays the history, all of
 * it: its `historyLength` is then the last event replayed, not always a task's start, and its clock
 * stays at the last task's start. The task is then the last one started at or before that event,
 * and the answer is final only if every event after that task's completion is one the task wrote
 * itself: a child's end, a signal or an activity's result there ran the workflow's code in the
 * replay, but no committed task has handled it yet (it will, later, at another time).
 *
 * The time is checked too: a workflow task that failed on a retry attempt leaves no events, and the
 * attempt that later commits gets the same event ids, but another start time.
 */
export function taskOutcome(
  events: readonly HistoryEvent[],
  tag: TaskTag,
): 'completed' | 'open' | 'discarded' {
  const last = events.length ? id(events[events.length - 1]) : 0;
  if (tag.startedEventId > last) return 'open';
  const started = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && id(e) <= tag.startedEventId,
  );
  const task = started[started.length - 1];
  if (!task || eventTimeMs(task) !== tag.timeMs) return 'discarded';
  const next = events.find((e) => id(e) === id(task) + 1);
  if (!next) return 'open';
  if (next.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return 'discarded';
  const replayedPast = events.filter((e) => id(e) > id(next) && id(e) <= tag.startedEventId);
  return replayedPast.every((e) => WRITTEN_BY_THE_TASK.has(e.eventType ?? 0))
    ? 'completed'
    : 'open';
}

/** The history's events at a task's ids, for a log line: `29 WORKFLOW_TASK_STARTED @…, 30 …`. */
export function taskEvents(events: readonly HistoryEvent[], tag: TaskTag): string {
  return [tag.startedEventId, tag.startedEventId + 1]
    .map((at) => {
      const e = events.find((x) => id(x) === at);
      return e
        ? `${at} ${eventTypeName(e)} @${new Date(eventTimeMs(e)).toISOString()}`
        : `${at} none`;
    })
    .join(', ');
}
