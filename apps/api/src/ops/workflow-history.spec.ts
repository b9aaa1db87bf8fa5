import Long from 'long';
import { temporal } from '@temporalio/proto';
import { readHistory, readHistoryIndex } from '../../../../test/fixtures/record-histories';
import { eventId, eventTypeName } from '../../../../libs/temporal/src/history-events';
import {
  childrenStartedAfter,
  lastWorkflowTaskFailure,
  resetPoint,
  signalsAndUpdatesAfter,
} from './workflow-history';

const EventType = temporal.api.enums.v1.EventType;
const index = readHistoryIndex();
const completed = index.histories.find((h) => h.file === 'completed-default.review.json')!;
const events = readHistory(completed).events!;

describe('reading a recorded review history', () => {
  it('resets to the last completed workflow task, or the last one before a chosen event', () => {
    const last = resetPoint(events)!;
    expect(eventTypeName(last)).toBe('WORKFLOW_TASK_COMPLETED');
    expect(
      events.some(
        (e) =>
          eventId(e) > eventId(last) &&
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      ),
    ).toBe(false);
    const first = resetPoint(events, 5)!;
    expect(eventId(first)).toBe(4);
    expect(resetPoint(events, 4)).toBeUndefined();
  });

  it('lists the signals and updates a reset would reapply, and the children it would start again', () => {
    const received = signalsAndUpdatesAfter(events, 0);
    const names = [...new Set(received.map((m) => `${m.kind}:${m.name}`))];
    expect(names).toEqual(
      expect.arrayContaining([
        'update:requestInformation',
        'update:answerInformation',
        'update:acceptIntake',
        'update:designate',
        'update:issueDetermination',
        'signal:workstreamProgress',
      ]),
    );
    expect(signalsAndUpdatesAfter(events, eventId(resetPoint(events)!))).toEqual(
      received.filter((m) => m.eventId > eventId(resetPoint(events)!)),
    );
    const children = childrenStartedAfter(events, 0);
    expect(children).toHaveLength(3);
    for (const c of children) expect(c.startsWith(`${completed.workflowId}-ws-`)).toBe(true);
    expect(childrenStartedAfter(events, eventId(events[events.length - 1]))).toEqual([]);
  });

  it('names a failing workflow task, and forgets it once a later task completed', () => {
    expect(lastWorkflowTaskFailure(events)).toBeUndefined();
    const next = eventId(events[events.length - 1]) + 1;
    const failed: temporal.api.history.v1.IHistoryEvent = {
      eventId: Long.fromNumber(next),
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      workflowTaskFailedEventAttributes: {
        cause:
          temporal.api.enums.v1.WorkflowTaskFailedCause
            .WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
        failure: {
          message: '[TMPRL1100] Nondeterminism error: Timer machine does not handle this event',
        },
      },
    };
    expect(lastWorkflowTaskFailure([...events, failed])).toEqual({
      eventId: next,
      cause: 'NON_DETERMINISTIC_ERROR',
      message: '[TMPRL1100] Nondeterminism error: Timer machine does not handle this event',
      nonDeterministic: true,
    });
    const recovered: temporal.api.history.v1.IHistoryEvent = {
      eventId: Long.fromNumber(next + 3),
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    };
    expect(lastWorkflowTaskFailure([...events, failed, recovered])).toBeUndefined();
  });
});
