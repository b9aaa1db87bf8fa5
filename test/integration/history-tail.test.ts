import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { HistoryTail } from '../../activities/projection/history-tail';
import { readTestRun } from '../support/test-run';

const { EventType } = temporal.api.enums.v1;
const types = (events: temporal.api.history.v1.IHistoryEvent[]) =>
  events.map((e) => EventType[e.eventType!].replace('EVENT_TYPE_', ''));

/**
 * A following projection waits on the review's history instead of polling the worker: the tail
 * returns what is there, then waits on the server until events are appended. Here against a
 * workflow no worker runs, whose history grows only by what the test does to it.
 */
describe('a workflow history followed as it grows', () => {
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    connection = await Connection.connect({ address: readTestRun().temporalAddress });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(() => connection.close());

  it('returns what is there, waits for what comes next, and knows when the workflow closed', async () => {
    const handle = await client.workflow.start('neverRunByAWorker', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId: `tail-${randomUUID()}`,
    });
    const tail = new HistoryTail(client, 'default', {
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
    });
    const never = new AbortController().signal;

    expect(types(await tail.next(Date.now() + 5_000, never))).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    // Nothing new: the wait ends at the deadline with nothing.
    expect(await tail.next(Date.now() + 1_000, never)).toEqual([]);

    // A signal appended while the tail waits is returned by that wait.
    const waiting = tail.next(Date.now() + 10_000, never);
    await new Promise((r) => setTimeout(r, 200));
    await handle.signal('poke');
    expect(types(await waiting)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);

    // An aborted wait rejects instead of waiting out its deadline.
    const abort = new AbortController();
    const aborted = tail.next(Date.now() + 10_000, abort.signal);
    abort.abort();
    await expect(aborted).rejects.toBeDefined();

    await handle.terminate('test done');
    expect(types(await tail.next(Date.now() + 5_000, never))).toEqual([
      'WORKFLOW_EXECUTION_TERMINATED',
    ]);
    expect(tail.closed).toBe(true);
    expect(types(tail.events)).toHaveLength(4);
  });
});
