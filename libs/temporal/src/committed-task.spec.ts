import { temporal } from '@temporalio/proto';
import Long from 'long';
import { taskOutcome } from './committed-task';

const { EventType } = temporal.api.enums.v1;
type Event = temporal.api.history.v1.IHistoryEvent;

const at = (ms: number) => ({
  seconds: Long.fromNumber(Math.floor(ms / 1000)),
  nanos: (ms % 1000) * 1e6 + 123_456, // a timestamp's sub-millisecond part is ignored
});
const event = (eventId: number, eventType: number, ms = 1_000_000): Event => ({
  eventId: Long.fromNumber(eventId),
  eventType,
  eventTime: at(ms),
});
const start = [
  event(1, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
  event(2, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
];
/** The first workflow task, started at 1_000_500 and committed. */
const committed = [
  ...start,
  event(3, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_000_500),
  event(4, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1_000_510),
];

describe('taskOutcome', () => {
  const tag = { startedEventId: 3, timeMs: 1_000_500 };

  it('is completed when the task started at that time and its completion follows', () => {
    expect(taskOutcome(committed, tag)).toBe('completed');
  });

  it('is open while the history ends at or before the task', () => {
    expect(taskOutcome(start, tag)).toBe('open');
    const running = [...start, event(3, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_000_500)];
    expect(taskOutcome(running, tag)).toBe('open');
  });

  it('is discarded when the task failed or timed out', () => {
    for (const end of [
      EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    ]) {
      const history = [
        ...start,
        event(3, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_000_500),
        event(4, end, 1_010_500),
      ];
      expect(taskOutcome(history, tag)).toBe('discarded');
    }
  });

  it('is discarded when another task, started at another time, holds those event ids', () => {
    const history = [
      ...start,
      event(3, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1_000_900),
      event(4, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1_000_910),
    ];
    expect(taskOutcome(history, tag)).toBe('discarded');
  });

  it('is completed for a state a worker replayed up to what the task itself wrote', () => {
    const history = [
      ...committed,
      event(5, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 1_000_510),
      event(6, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, 1_000_510),
      event(7, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, 1_000_600),
    ];
    for (const startedEventId of [4, 5, 6])
      expect(taskOutcome(history, { startedEventId, timeMs: 1_000_500 })).toBe('completed');
  });

  it('is open for a state a worker replayed past an event no committed task has handled', () => {
    // A child's end, replayed to answer the query, ran the workflow's code at the old task's time;
    // the task that handles it for real runs later, at another time.
    const history = [
      ...committed,
      event(5, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, 1_002_000),
      event(6, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 1_002_000),
    ];
    for (const startedEventId of [5, 6])
      expect(taskOutcome(history, { startedEventId, timeMs: 1_000_500 })).toBe('open');
    expect(taskOutcome(history, { startedEventId: 4, timeMs: 1_000_500 })).toBe('completed');
  });

  it('is discarded when a failed attempt started at ids the history gave to other events', () => {
    // The attempt (started at 5, at 1_001_000) failed; a child's completion took id 5 since.
    const history = [
      ...committed,
      event(5, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, 1_002_000),
    ];
    expect(taskOutcome(history, { startedEventId: 5, timeMs: 1_001_000 })).toBe('discarded');
  });

  it('is discarded when no workflow task started before it', () => {
    expect(taskOutcome(start, { startedEventId: 2, timeMs: 1_000_000 })).toBe('discarded');
  });
});
