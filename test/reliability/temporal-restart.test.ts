import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  startDevServer,
  type RunningDevServer,
} from '../../libs/temporal/src/dev-server/dev-server';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { noopAgencyActivities, ProtocolFactory } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { readModelDifferences } from '../support/read-model';
import { startReview, stateOf, waitForState, type ReviewHandle } from '../support/reviews';
import { freePort } from '../support/test-run';
import {
  acceptAndFinish,
  intakeDeadlineProtocol,
  intakeMissed,
  intakeMisses,
} from './missed-deadline';

// The intake deadline must fall inside the outage, after the stop. Stopping the dev server takes
// about a second (measured: 1.3 s with following projections on; they wait on the history, and
// read the feed query only when a workflow task completed). An earlier following projection that
// polled the query kept it from stopping until its 10-second SIGKILL fallback: the 15 s stays.
const INTAKE_SECONDS = 15;
const OUTAGE_MS = 15_000;

/**
 * Issue #8, fault 2: the Temporal dev server itself (persisting to a SQLite file) is stopped
 * mid-run and started again on the same file. Workers and clients reconnect; reviews in flight
 * carry on; a deadline that passed while the server was down fires once, after the restart.
 */
describe('Temporal dev server restarted mid-run', () => {
  let dir: string;
  let port: number;
  let temporal: RunningDevServer;
  let h: Harness;
  const start = () =>
    startDevServer({
      port,
      headless: true,
      dbFile: path.join(dir, 'temporal.sqlite'),
      log: () => undefined,
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-engine-temporal-restart-'));
    port = await freePort();
    temporal = await start();
    h = await startHarness({ run: { temporalAddress: temporal.address } });
  });

  afterAll(async () => {
    await h?.close();
    await temporal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('completes every review, and a deadline that passed during the outage fires exactly once', async () => {
    const timed = intakeDeadlineProtocol(INTAKE_SECONDS);
    const automated = ProtocolFactory.defaultShape()
      .withoutStage('intake')
      .withoutStage('designation')
      .allAutomated()
      .build();
    for (const protocol of [timed, automated]) {
      for (const [agency, activities] of noopAgencyActivities(protocol, () => 1000)) {
        await h.addAgencyWorker(agency, activities);
      }
    }

    const inFlight: ReviewHandle[] = [];
    for (let i = 0; i < 10; i++) inFlight.push(await startReview(h.client, automated));
    await waitForState(inFlight[0], (s) => s.stage === 'assessment', 'an assessment under way');
    const waiting: ReviewHandle[] = [];
    for (let i = 0; i < 5; i++) waiting.push(await startReview(h.client, timed));
    for (const handle of waiting) {
      await waitForState(handle, (s) => s.deadlines.some((d) => d.id === 'intake'), 'intake');
    }

    await temporal.stop();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    temporal = await start();
    // The intake deadline fell inside the outage, so only the restarted server can fire it.
    const intakeDue = Math.max(
      ...(await Promise.all(waiting.map(stateOf))).map(
        (s) => s.deadlines.find((d) => d.id === 'intake')!.dueMs,
      ),
    );
    expect(intakeDue).toBeGreaterThan(downAt);
    expect(intakeDue).toBeLessThan(downAt + OUTAGE_MS);

    for (const handle of waiting) await intakeMissed(handle);
    const finals: ReviewState[] = await Promise.all([
      ...waiting.map(acceptAndFinish),
      ...inFlight.map((handle) => handle.result()),
    ]);
    expect(finals.map((s) => s.closure?.reason)).toEqual(finals.map(() => 'completed'));

    for (const state of finals.slice(0, waiting.length)) {
      expect(await intakeMisses(h.db, state)).toEqual({ escalations: 1, missedEvents: 1 });
    }
    const differences: string[] = [];
    for (const state of finals) differences.push(...(await readModelDifferences(h.db, state)));
    expect(differences).toEqual([]);
  });
});
