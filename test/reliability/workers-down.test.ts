import type { ReviewState } from '../../libs/domain/src/review/review.types';
import type { reviewWorkflow } from '../../workflows/review.workflow';
import { noopAgencyActivities } from '../support/factories';
import { startHarness, type Harness } from '../support/harness';
import { readModelDifferences } from '../support/read-model';
import { startReview, stateOf, waitForState, type ReviewHandle } from '../support/reviews';
import { readTestRun } from '../support/test-run';
import { spawnCoreWorker, type WorkerProcess } from '../support/worker-process';
import {
  acceptAndFinish,
  intakeDeadlineProtocol,
  intakeMissed,
  intakeMisses,
} from './missed-deadline';

const INTAKE_SECONDS = 6;

/**
 * Issue #8, fault 3: every worker is gone (the core worker SIGKILLed, the agency workers shut
 * down) while a deadline passes. Temporal keeps the timer; when workers come back the missed
 * deadline is handled once — one escalation, not one per replay or per restart.
 */
describe('all workers down across a deadline', () => {
  const protocol = intakeDeadlineProtocol(INTAKE_SECONDS);
  let h: Harness | undefined;
  let worker: WorkerProcess | undefined;
  const startWorkers = async () => {
    worker = spawnCoreWorker(readTestRun());
    await worker.polling;
    const harness = await startHarness({ coreWorker: false });
    for (const [agency, activities] of noopAgencyActivities(protocol)) {
      await harness.addAgencyWorker(agency, activities);
    }
    return harness;
  };

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('raises exactly one escalation when the workers return', async () => {
    h = await startWorkers();
    const started: ReviewHandle[] = [];
    for (let i = 0; i < 5; i++) started.push(await startReview(h.client, protocol));
    for (const handle of started) {
      await waitForState(handle, (s) => s.deadlines.some((d) => d.id === 'intake'), 'intake');
    }

    await worker!.kill();
    await h.close();
    h = undefined;
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, (INTAKE_SECONDS + 4) * 1000));

    h = await startWorkers();
    // The old harness's connection is closed: reach the same reviews through the new one.
    const client = h.client;
    const handles = started.map((x) =>
      client.workflow.getHandle<typeof reviewWorkflow>(x.workflowId),
    );
    for (const handle of handles) {
      const state = await intakeMissed(handle);
      // The deadline passed while nothing could run it.
      expect(state.deadlines.find((d) => d.id === 'intake')!.dueMs).toBeGreaterThan(downAt);
    }
    // Restart the core worker once more: a replay must not fire the timer again.
    await worker!.kill();
    worker = spawnCoreWorker(readTestRun());
    await worker.polling;
    expect((await Promise.all(handles.map(stateOf))).map((s) => s.escalations.length)).toEqual(
      handles.map(() => 1),
    );

    const finals: ReviewState[] = await Promise.all(handles.map(acceptAndFinish));
    expect(finals.map((s) => s.closure?.reason)).toEqual(handles.map(() => 'completed'));
    for (const state of finals) {
      expect(await intakeMisses(h.db, state)).toEqual({ escalations: 1, missedEvents: 1 });
      expect(await readModelDifferences(h.db, state)).toEqual([]);
    }
  });
});
