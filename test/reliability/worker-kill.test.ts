import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventId, eventTimeMs, eventTypeName } from '../../libs/temporal/src/history-events';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { noopAgencyActivities, ProtocolFactory } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { readModelDifferences } from '../support/read-model';
import { startReview, stateOf, type ReviewHandle } from '../support/reviews';
import { readTestRun } from '../support/test-run';
import { spawnCoreWorker, type WorkerProcess } from '../support/worker-process';

const REVIEWS = 50;
const KILLS = 4;

/**
 * Every event of the review's history with its time, printed beside a difference; the whole
 * history is also saved (to replay it with the SDK's replayer) and its file named.
 */
async function historyOf(handle: ReviewHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const file = path.join(os.tmpdir(), `${handle.workflowId}.history.json`);
  fs.writeFileSync(file, JSON.stringify(history));
  const lines = (history.events ?? []).map(
    (e) => `${eventId(e)} ${eventTypeName(e)} ${new Date(eventTimeMs(e)).toISOString().slice(11)}`,
  );
  return [`history saved to ${file}`, ...lines].join('\n');
}

/**
 * Issue #8, fault 1: the core worker (a real child process running apps/worker's main) is
 * SIGKILLed again and again while 50 reviews run. Temporal retries the lost workflow and
 * projection tasks; the projection's keys must keep the read model free of duplicates.
 */
describe('core worker SIGKILLed repeatedly while 50 reviews run', () => {
  let h: Harness;
  let worker: WorkerProcess | undefined;
  const protocol = ProtocolFactory.defaultShape()
    .withoutStage('intake')
    .withoutStage('designation')
    .allAutomated()
    .build();

  beforeAll(async () => {
    h = await startHarness({ coreWorker: false });
    // Agency steps take 0.5–2.5 s, so reviews are still in flight when the worker dies.
    for (const [agency, activities] of noopAgencyActivities(
      protocol,
      () => 500 + Math.random() * 2000,
    )) {
      await h.addAgencyWorker(agency, activities);
    }
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('completes every review, projects each state change once, and the read model equals the workflow state', async () => {
    const run = readTestRun();
    const spawn = () => spawnCoreWorker({ ...run, log: () => undefined });
    worker = spawn();
    await worker.polling;

    const handles: ReviewHandle[] = [];
    for (let i = 0; i < REVIEWS; i++) handles.push(await startReview(h.client, protocol));
    const results = handles.map((handle) => handle.result());
    let closed = 0;
    results.forEach((r) => void r.then(() => (closed += 1)).catch(() => undefined));

    const openWhenKilled: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Let the worker make some progress, then kill it without warning.
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 2000));
      openWhenKilled.push(REVIEWS - closed);
      await worker.kill();
      worker = spawn();
      await worker.polling;
    }
    // The kills must have hit reviews in flight, or this test proves nothing.
    expect(openWhenKilled[0]).toBeGreaterThan(0);

    const finals: ReviewState[] = await Promise.all(results);
    expect(finals.map((s) => `${s.status}/${s.closure?.reason}`)).toEqual(
      handles.map(() => 'closed/completed'),
    );

    const differences: string[] = [];
    for (const [i, handle] of handles.entries()) {
      const live = await stateOf(handle);
      const found = await readModelDifferences(h.db, live);
      // Replayed, the review comes to the state it returned (its workflow is deterministic).
      if (JSON.stringify(live) !== JSON.stringify(finals[i]))
        found.push(
          `${live.reviewId}: replayed state != result ${JSON.stringify(finals[i].closure)}`,
        );
      if (found.length) {
        // The read model's timeline: when each event was recorded, by the workflow's clock.
        const timeline: { seq: number; type: string; at: Date }[] = await h.db.query(
          'SELECT seq, type, at FROM review_events WHERE review_id = $1 ORDER BY seq',
          [live.reviewId],
        );
        const times = timeline.map((e) => `${e.seq} ${e.type} ${e.at.toISOString().slice(11)}`);
        console.log('DIFF', handle.workflowId, await historyOf(handle), times.join('\n'), found);
      }
      differences.push(...found);
    }
    expect(differences).toEqual([]);

    // Nothing projected twice under another sequence number either: one timeline row per event.
    const [{ events, audit }] = await h.db.query(
      `SELECT (SELECT count(*) FROM review_events WHERE review_id = ANY($1))::int AS events,
              (SELECT count(*) FROM audit_log WHERE review_id = ANY($1))::int AS audit`,
      [finals.map((s) => s.reviewId)],
    );
    const emitted = finals.reduce((n, s) => n + s.seq, 0);
    expect({ events, audit }).toEqual({ events: emitted, audit: emitted });
  });
});
