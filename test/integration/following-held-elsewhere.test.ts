import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { coreActivities } from '../../apps/worker/src/core-worker';
import { ProjectionFeeds, projectionFeedSinks } from '../../activities/projection/projection-feeds';
import { dataConverter } from '../../libs/temporal/src/connection';
import { submitFindingUpdate } from '../../workflows/definitions';
import { ProtocolFactory } from '../support/factories';
import { eventually, startHarness, type Harness } from '../support/harness';
import { projections } from '../support/projections';
import { readModelDifferences } from '../support/read-model';
import { startReview } from '../support/reviews';
import { readTestRun } from '../support/test-run';

/**
 * A review publishes its projection feed only to the worker that runs its workflow tasks, so a
 * following projection on any other worker would wait for publications that never come. It
 * follows only when it finds the publication of the task that scheduled it on its worker's board
 * (the worker delivers a task's publications before it reports the task). Here the review's
 * workflows run on one worker and the engine's activities on another (each with its own board, as
 * in two processes), so no projection may follow: each writes its batch and returns, although
 * following is set to wait 60 s.
 */
describe('following projection on a worker that does not hold the review', () => {
  process.env.TEMPORAL_TASK_QUEUE = `elsewhere-${randomUUID()}`;
  const queue = process.env.TEMPORAL_TASK_QUEUE;
  let h: Harness;
  let connection: NativeConnection;
  const running: { worker: Worker; done: Promise<void> }[] = [];

  beforeAll(async () => {
    h = await startHarness({ coreWorker: false });
    const run = readTestRun();
    connection = await NativeConnection.connect({ address: run.temporalAddress });
    const start = (worker: Worker) => running.push({ worker, done: worker.run() });
    start(
      await Worker.create({
        connection,
        namespace: 'default',
        taskQueue: queue,
        workflowBundle: { code: fs.readFileSync(run.workflowBundlePath, 'utf8') },
        dataConverter: dataConverter(),
        identity: 'workflows@test',
        // Its own board, as in a process of its own: its reviews' publications never reach the
        // other worker's projections.
        sinks: projectionFeedSinks(new ProjectionFeeds()),
      }),
    );
    start(
      await Worker.create({
        connection,
        namespace: 'default',
        taskQueue: queue,
        activities: coreActivities(h.db, { follow: { idleMs: 60_000, maxMs: 60_000 } }),
        dataConverter: dataConverter(),
        identity: 'activities@test',
      }),
    );
  });
  afterAll(async () => {
    for (const { worker } of running) worker.shutdown();
    await Promise.all(running.map((r) => r.done));
    await connection?.close();
    await h?.close();
  });

  it('writes each batch and returns, and the read model still comes to the review state', async () => {
    const protocol = ProtocolFactory.singleStep().build();
    const agency = protocol.workstreams[0].agency;
    const r = await startReview(h.client, protocol);
    const reviewId = r.workflowId.replace(/^review-/, '');
    await eventually(async () => {
      const rows: { status: string }[] = await h.db.query(
        'SELECT status FROM review_steps WHERE review_id = $1',
        [reviewId],
      );
      return rows.some((x) => x.status === 'open') ? true : undefined;
    }, 'the manual step open in the read model');
    // Every projection so far returns without waiting for the review's next task (a following
    // one would wait 60 s here). The one that wrote the open step may still be reporting back.
    await eventually(
      async () => ((await projections(r)).every((p) => p.done) ? true : undefined),
      'every projection so far reported back',
      10_000,
    );

    await h.client.workflow
      .getHandle(`${r.workflowId}-ws-${agency}`)
      .executeUpdate(submitFindingUpdate, {
        args: [
          {
            stepId: 'review',
            riskLevel: 'low',
            summary: 'nothing of concern',
            actor: { id: 'analyst@example.gov', agency },
          },
        ],
      });
    const final = await r.result();

    const all = await projections(r);
    expect(all.length).toBeGreaterThan(1);
    expect(all.filter((p) => p.followed)).toEqual([]);
    // Each projection wrote exactly its own batch, and the batches cover every event once.
    const reported = all.filter((p) => p.projectedSeq !== undefined);
    expect(reported.map((p) => p.projectedSeq)).toEqual(
      reported.map((p) => Math.max(...p.batchSeqs)),
    );
    expect(all.flatMap((p) => p.batchSeqs)).toEqual(
      Array.from({ length: final.seq }, (_, i) => i + 1),
    );
    expect(await readModelDifferences(h.db, final)).toEqual([]);
  });
});
