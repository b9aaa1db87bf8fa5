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
 * What the review's history says of the workflow task a query answered from:
 * - `completed`: it committed (its WorkflowTaskCompleted follows its WorkflowTaskStarted), so what
 *   the query saw is final;
 * - `open`: the history does not have it yet (still running, or a retry whose events the server
 *   keeps until it completes), so read again later;
 * - `discarded`: the history has another task there (this one failed or timed out, or a retry took
 *   its event ids), so what the query saw never happened.
 *
 * A worker that answers a query for a review it no longer holds first replays the history; its
 * `historyLength` is then the last event replayed, not always a task's start. The task is then the
 * last one started at or before that event, and the workflow time must be that task's start: a
 * failed attempt's time never is, since every later task starts after it.
 */
export function taskOutcome(
  events: readonly HistoryEvent[],
  tag: TaskTag,
): 'completed' | 'open' | 'discarded' {
  const id = (e: HistoryEvent) => Number(e.eventId);
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
  return next.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ? 'completed'
    : 'discarded';
}

/** The history's events at a task's ids, for a log line: `29 WORKFLOW_TASK_STARTED @…, 30 …`. */
export function taskEvents(events: readonly HistoryEvent[], tag: TaskTag): string {
  return [tag.startedEventId, tag.startedEventId + 1]
    .map((id) => {
      const e = events.find((x) => Number(x.eventId) === id);
      if (!e) return `${id} none`;
      const ms = eventTimeMs(e);
      const type = EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType);
      return `${id} ${type}${ms === undefined ? '' : ` @${new Date(ms).toISOString()}`}`;
    })
    .join(', ');
}

function eventTimeMs(e: HistoryEvent): number | undefined {
  if (!e.eventTime) return undefined;
  return Number(e.eventTime.seconds ?? 0) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6);
}
