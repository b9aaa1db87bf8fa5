import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { taskOutcome, type TaskTag } from '../../libs/temporal/src/committed-task';
import { eventId, eventTimeMs } from '../../libs/temporal/src/history-events';
import { readTestRun } from '../support/test-run';

const { EventType, TaskQueueKind, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/**
 * A following projection writes what a query returned only once the review's history shows the
 * workflow task the answer came from completed. Here the workflow tasks are driven by hand through
 * the server's worker API (poll, fail, complete), so the histories are the real server's, with a
 * failed task, a retry the server keeps out of the history until it completes, and a retry that
 * took a failed attempt's event ids.
 */
describe('whether a workflow task committed, from the real history', () => {
  let connection: Connection;
  let client: Client;
  const taskQueue = `by-hand-${randomUUID()}`;

  beforeAll(async () => {
    connection = await Connection.connect({ address: readTestRun().temporalAddress });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(() => connection.close());

  /** Take the next workflow task, as a worker would, and tag it as a query answered from it. */
  const poll = async () => {
    // A long poll needs a deadline; the task is already waiting, so it answers at once.
    const task = await connection.withDeadline(Date.now() + 30_000, () =>
      client.workflowService.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        identity: 'by-hand',
      }),
    );
    const startedEventId = Number(task.startedEventId);
    const started = task.history?.events?.find((e) => eventId(e) === startedEventId);
    expect(started?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const tag: TaskTag = { startedEventId, timeMs: eventTimeMs(started!) };
    return { token: task.taskToken!, tag };
  };
  const fail = (token: Uint8Array) =>
    client.workflowService.respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: token,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      identity: 'by-hand',
    });
  const complete = (token: Uint8Array) =>
    client.workflowService.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: token,
      commands: [],
      identity: 'by-hand',
    });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('tells a completed task from one still running, one that failed and a retry that reused its ids', async () => {
    const handle = await client.workflow.start('neverRunByAWorker', {
      taskQueue,
      workflowId: `by-hand-${randomUUID()}`,
    });
    const outcome = async (tag: TaskTag) =>
      taskOutcome((await handle.fetchHistory()).events ?? [], tag);
    try {
      // Attempt 1 runs, and fails: whatever a query saw of it never happened.
      const first = await poll();
      expect(await outcome(first.tag)).toBe('open');
      await fail(first.token);
      expect(await outcome(first.tag)).toBe('discarded');

      // Attempt 2: the server writes a retry's events only when it completes. It fails too.
      await pause(20);
      const second = await poll();
      expect(second.tag.startedEventId).toBeGreaterThan(first.tag.startedEventId);
      expect(await outcome(second.tag)).toBe('open');
      await fail(second.token);

      // Attempt 3 completes with the same event ids as attempt 2, but another start time.
      await pause(20);
      const third = await poll();
      expect(third.tag.startedEventId).toBe(second.tag.startedEventId);
      expect(third.tag.timeMs).not.toBe(second.tag.timeMs);
      await complete(third.token);
      expect(await outcome(third.tag)).toBe('completed');
      expect(await outcome(second.tag)).toBe('discarded');
      expect(await outcome(first.tag)).toBe('discarded');
    } finally {
      await handle.terminate('test done');
    }
  });
});
