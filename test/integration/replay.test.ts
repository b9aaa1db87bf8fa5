import { quietBundlerLogger } from '../support/scratch-database';
import * as fs from 'node:fs';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  HISTORIES_DIR,
  readHistory,
  readHistoryIndex,
  type RecordedHistory,
} from '../fixtures/record-histories';
import { readTestRun } from '../support/test-run';
import { ProjectionFeeds, projectionFeedSinks } from '../../activities/projection/projection-feeds';

const index = readHistoryIndex();
const reviews = index.histories.filter((h) => h.workflowType === 'reviewWorkflow');
const entry = (file: string) => index.histories.find((h) => h.file === file)!;

/**
 * The determinism guard: every recorded review and workstream history (test/fixtures/histories,
 * re-recorded with `npm run record-histories`) must replay against the current workflow code.
 * A change that alters the commands of a running review must go behind `patched()`.
 */
describe('recorded histories replay against the current workflow bundle', () => {
  let code: string;

  beforeAll(() => {
    code = fs.readFileSync(readTestRun().workflowBundlePath, 'utf8');
  });

  const replay = (bundle: string, h: RecordedHistory) =>
    Worker.runReplayHistory(
      { workflowBundle: { code: bundle }, sinks: projectionFeedSinks(new ProjectionFeeds()) },
      readHistory(h),
      h.workflowId,
    );

  it('has every lifecycle path recorded, with the review and each of its workstreams', () => {
    const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f !== 'index.json');
    expect(files.sort()).toEqual(index.histories.map((h) => h.file).sort());
    const paths = [
      'completed-default',
      'completed-dissent',
      'lapsed',
      'not-covered',
      'repaired-step',
      'single-step',
      'withdrawn-in-assessment',
    ];
    // Each path six times: as recorded before engine v2 and with engine v2 (the reviews the
    // engine must keep replaying), with engine v3 decided by its marker, with engine v3 from the
    // review's input, with engine v4 and with engine v5 (see docs/operations.md, "Engine
    // versions"); and the all-automated path, whose progress is held, with v4 and v5.
    const versions = ['', '-v2', '-v3', '-v3input', '-v4', '-v5'];
    expect(reviews.map((h) => h.path).sort()).toEqual(
      [
        ...versions.flatMap((v) => paths.map((p) => `${p}${v}`)),
        'automated-chain-v4',
        'automated-chain-v5',
      ].sort(),
    );
    const children = (p: string) =>
      index.histories.filter((h) => h.path === p && h.workflowType === 'workstreamWorkflow');
    for (const v of versions) {
      expect(children(`completed-default${v}`)).toHaveLength(3);
      expect(children(`not-covered${v}`)).toHaveLength(0);
      expect(children(`single-step${v}`)).toHaveLength(1);
      expect(children(`repaired-step${v}`)).toHaveLength(1);
    }
    // The held progress's timer is in the lead's history: a replay guards the hold itself.
    for (const v of ['v4', 'v5']) {
      expect(children(`automated-chain-${v}`)).toHaveLength(3);
      const lead = readHistory(entry(`automated-chain-${v}.ws-0.json`)).events ?? [];
      expect(lead.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
    }
    // The v2 and v3 histories are their version's: one marker in the review, naming it (the
    // patch id travels in the marker's details), none in its workstreams.
    const markers = (h: RecordedHistory) =>
      (readHistory(h).events ?? []).filter((e) => e.markerRecordedEventAttributes);
    const patchId = (e: ReturnType<typeof markers>[number]) =>
      Buffer.from(
        e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? [],
      ).toString();
    for (const v of ['v2', 'v3']) {
      for (const h of index.histories.filter((x) => x.path.endsWith(`-${v}`))) {
        const found = markers(h);
        expect([h.file, found.length]).toEqual([
          h.file,
          h.workflowType === 'reviewWorkflow' ? 1 : 0,
        ]);
        for (const m of found)
          expect([h.file, patchId(m)]).toEqual([h.file, expect.stringContaining(`engine-${v}`)]);
      }
    }
    // Started with the version in the input, as the API starts reviews: no marker anywhere.
    for (const h of index.histories.filter((x) => /-(v3input|v4|v5)$/.test(x.path)))
      expect([h.file, markers(h).length]).toEqual([h.file, 0]);
    for (const h of index.histories) {
      expect(readHistory(h).events).toHaveLength(h.events);
    }
  });

  it.each(index.histories.map((h) => [h.file, h] as const))('replays %s', async (_file, h) => {
    await expect(replay(code, h)).resolves.toBeUndefined();
  });

  it('replays every review history in one replay worker and reports each failure', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const histories = reviews.map((h) => ({ workflowId: h.workflowId, history: readHistory(h) }));
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { code }, sinks: projectionFeedSinks(new ProjectionFeeds()) },
      histories,
    )) {
      replayed += 1;
      if (result.error) {
        const e = result.error as Error;
        failures.push(`${result.workflowId}: ${e.name}: ${e.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(reviews.length);
  });

  describe('the guard', () => {
    const completed = entry('completed-default.review.json');

    it('fails a review workflow that changes its command order without patched()', async () => {
      const { code: incompatible } = await bundleWorkflowCode({
        workflowsPath: require.resolve('../support/incompatible-workflows'),
        logger: quietBundlerLogger,
      });
      const err = await replay(incompatible, completed).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeterminismViolationError);
      expect((err as Error).message).toMatch(/TMPRL1100/);
      // The same bundle's unchanged workstream still replays: it is the change that fails.
      await expect(
        replay(incompatible, entry('completed-default.ws-0.json')),
      ).resolves.toBeUndefined();
    });

    it('accepts the same change behind patched()', async () => {
      const { code: patched } = await bundleWorkflowCode({
        workflowsPath: require.resolve('../support/incompatible-workflows/patched'),
        logger: quietBundlerLogger,
      });
      await expect(replay(patched, completed)).resolves.toBeUndefined();
    });
  });
});
