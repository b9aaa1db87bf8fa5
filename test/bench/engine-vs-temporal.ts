import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { noopAgencyActivities, ProtocolFactory } from '../support/factories';
import { startReview } from '../support/reviews';
import { quietBundlerLogger } from '../support/scratch-database';
import { eventTimeMs, eventTypeName } from '../../libs/temporal/src/history-events';
import { percentile, round, type BenchmarkRow, type BenchStack } from './bench-stack';
import type { MinimalReviewInput } from './minimal/minimal.workflow';

const MINIMAL_QUEUE = 'bench-minimal';

/** The default protocol's shape with automated no-op steps and second-scale clocks. */
export function benchProtocol(): Protocol {
  return ProtocolFactory.defaultShape()
    .withoutStage('intake')
    .withoutStage('designation')
    .allAutomated()
    .build();
}

/** The same shape for the minimal workflow: same children, same activities, same stage timers. */
function minimalInput(protocol: Protocol): MinimalReviewInput {
  return {
    workstreams: protocol.workstreams.map((ws) => ({
      agency: ws.agency,
      taskQueue: `agency-${ws.agency}`,
      steps: ws.steps.map((s) => ({ id: s.id, activity: s.stepType!, dependsOn: s.dependsOn })),
    })),
    windowMs: 600_000,
    stageDeadlineMs: 600_000,
    stagesAfterAssessment: 2, // consolidation and determination
  };
}

/** The protocol's agency workers, answering every step at once; returns their stops. */
export async function startNoopAgencies(
  stack: BenchStack,
  protocol: Protocol,
): Promise<(() => Promise<void>)[]> {
  const stops: (() => Promise<void>)[] = [];
  for (const [agency, activities] of noopAgencyActivities(protocol)) {
    stops.push(await stack.startWorker({ taskQueue: `agency-${agency}`, activities }));
  }
  return stops;
}

export interface Round {
  perSecond: number;
  /** CPU seconds per review the round cost, by process (this one holds the workers). */
  cpuPerReview: Record<string, number>;
  events: number[];
  /** The workflow ids (review, then its workstreams) of the round's first review. */
  sample: string[];
  /** Seconds from the round's start to each review's completion; the slowest's longest wait. */
  latency: { median: number; max: number; longestWait: string };
}

/**
 * Where one review's history events go: its size, then counts and sizes by event type (activities
 * by name) over the review and its workstreams, most frequent first, for the log.
 */
export async function eventBreakdown(client: WorkflowHandle['client'], ids: string[]) {
  const counts = new Map<string, { n: number; bytes: number }>();
  const { History, HistoryEvent } = temporal.api.history.v1;
  let bytes = 0;
  for (const id of ids) {
    const history = await client.getHandle(id).fetchHistory();
    bytes += History.encode(history).finish().length;
    for (const e of history.events ?? []) {
      const activity =
        e.activityTaskScheduledEventAttributes?.activityType?.name ??
        Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        ).join(',');
      const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
      const type = `${id === ids[0] ? 'review' : 'workstream'} ${name
        .replace(/^EVENT_TYPE_/, '')
        .toLowerCase()}${activity ? ` (${activity.replace(/^[a-z0-9]+\./, '')})` : ''}`;
      const count = counts.get(type) ?? { n: 0, bytes: 0 };
      count.n += 1;
      count.bytes += HistoryEvent.encode(e).finish().length;
      counts.set(type, count);
    }
  }
  return [
    `${round(bytes / 1024, 1)} KiB of history in all (encoded payloads included)`,
    ...[...counts]
      .sort((a, b) => b[1].n - a[1].n)
      .map(([type, c]) => `${c.n} ${type}, ${round(c.bytes / 1024, 1)} KiB`),
  ];
}

/**
 * CPU seconds (user + system) used so far by the machine's processes, summed by kind: this
 * process (it runs the bench's workers), the Temporal server and PostgreSQL; from /proc.
 */
function cpuSeconds(): Record<string, number> {
  const out: Record<string, number> = {};
  const tick = 100; // USER_HZ on Linux
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kind =
      Number(pid) === process.pid
        ? 'workers'
        : /^postgres/.test(name)
          ? 'postgres'
          : /^temporal/.test(name)
            ? 'temporal'
            : undefined;
    // Its own time and its ended children's (a PostgreSQL backend that exited counts on).
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    if (kind) out[kind] = (out[kind] ?? 0) + (utime + stime + cutime + cstime) / tick;
  }
  // This process's threads by name: the JavaScript main thread, the threads Node starts (the
  // workflow threads, V8's garbage collection and compiler helpers, libuv's pool: all named after
  // the process), the SDK core's runtime.
  for (const tid of fs.readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    // Node's own threads (its workflow threads, V8's and libuv's helpers) keep the process's name.
    const base = name.replace(/[\d-]+$/, '').trim() || name;
    const kind = `workers/${base === name && Number(tid) === process.pid ? 'main' : base}`;
    out[kind] = (out[kind] ?? 0) + (utime + stime) / tick;
  }
  return out;
}

/** Start `n` workflows at once and wait for all: completed per second, events per review. */
export async function runRound(
  n: number,
  start: () => Promise<WorkflowHandle>,
  agencies: string[],
): Promise<Round> {
  const cpuBefore = cpuSeconds();
  const began = performance.now();
  const handles = await Promise.all(Array.from({ length: n }, start));
  // Each review's time to complete: a round's rate is set by its slowest review.
  const took = await Promise.all(
    handles.map(async (h) => {
      await h.result();
      return (performance.now() - began) / 1000;
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const cpuAfter = cpuSeconds();
  const cpuPerReview = Object.fromEntries(
    Object.keys(cpuAfter).map((k) => [k, round((cpuAfter[k] - (cpuBefore[k] ?? 0)) / n, 3)]),
  );
  // Threads that ended during the round (the VM's watchdogs among them) count only in the total.
  const threads = Object.keys(cpuPerReview).filter((k) => k.startsWith('workers/'));
  cpuPerReview['workers/ended'] = round(
    cpuPerReview.workers - threads.reduce((sum, k) => sum + cpuPerReview[k], 0),
    3,
  );
  const events = await Promise.all(
    handles.map(async (h) => {
      const ids = [h.workflowId, ...agencies.map((a) => `${h.workflowId}-ws-${a}`)];
      const lengths = await Promise.all(
        ids.map(async (id) => (await h.client.getHandle(id).describe()).historyLength),
      );
      return lengths.reduce((a, b) => a + b, 0);
    }),
  );
  const sample = [
    handles[0].workflowId,
    ...agencies.map((a) => `${handles[0].workflowId}-ws-${a}`),
  ];
  const slowest = took.indexOf(Math.max(...took));
  return {
    perSecond: n / seconds,
    cpuPerReview,
    events,
    sample,
    latency: {
      median: round(percentile(took, 50), 2),
      max: round(took[slowest], 2),
      longestWait: await longestWait(handles[slowest]),
    },
  };
}

/** A round's completion times for the log. */
export const latencyLine = (l: Round['latency']) =>
  `done after ${l.median} s (median) to ${l.max} s (slowest; its longest wait ${l.longestWait})`;

/**
 * Where a review's history stood still longest: the gap between two consecutive events, with
 * their types (what it waited on), for the log.
 */
async function longestWait(handle: WorkflowHandle): Promise<string> {
  const events = (await handle.fetchHistory()).events ?? [];
  let best = { gap: -1, at: 0 };
  for (let i = 1; i < events.length; i++) {
    const gap = eventTimeMs(events[i]) - eventTimeMs(events[i - 1]);
    if (gap > best.gap) best = { gap, at: i };
  }
  if (best.gap < 0) return 'none';
  const name = (i: number) => eventTypeName(events[i]).toLowerCase();
  return `${round(best.gap / 1000, 2)} s from ${name(best.at - 1)} to ${name(best.at)}`;
}

/**
 * B1 (completed reviews per second) and B2 (history events per review): the engine's review
 * workflow against a minimal Temporal workflow of the same shape, on the same dev server, with
 * the same agency workers, in alternating rounds.
 */
export async function engineVsTemporal(
  stack: BenchStack,
  opts: { reviews: number; rounds: number; log: (l: string) => void },
): Promise<BenchmarkRow[]> {
  const protocol = benchProtocol();
  const agencies = protocol.workstreams.map((w) => w.agency);
  const stops: (() => Promise<void>)[] = [];
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-engine-minimal-'));
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./minimal'),
      logger: quietBundlerLogger,
    });
    const minimalBundle = path.join(bundleDir, 'minimal.js');
    fs.writeFileSync(minimalBundle, bundle.code);

    stops.push(await stack.startCoreWorker(), ...(await startNoopAgencies(stack, protocol)));
    stops.push(
      await stack.startWorker({
        taskQueue: MINIMAL_QUEUE,
        workflowBundlePath: minimalBundle,
        activities: { recordOutcome: async () => undefined },
      }),
    );

    const engine = () => startReview(stack.client, protocol) as Promise<WorkflowHandle>;
    const minimal = () =>
      stack.client.workflow.start('minimalReviewWorkflow', {
        taskQueue: MINIMAL_QUEUE,
        workflowId: `minimal-${randomUUID()}`,
        args: [minimalInput(protocol)],
      });
    // Warm-up, as wide as the rounds: worker caches, JIT, and as many database connections and
    // workflow threads' contexts as a round uses. (With 5 reviews only, the engine's first round
    // was its slowest in every run: 3.6-5.2 reviews/s against 5-6 in its later rounds.)
    await runRound(opts.reviews, engine, agencies);
    await runRound(opts.reviews, minimal, agencies);

    const engineRounds: Round[] = [];
    const minimalRounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      // Alternate which goes first, so drift on a shared machine hits both alike.
      const order = r % 2 === 0 ? ['engine', 'minimal'] : ['minimal', 'engine'];
      for (const which of order) {
        const result = await runRound(
          opts.reviews,
          which === 'engine' ? engine : minimal,
          agencies,
        );
        (which === 'engine' ? engineRounds : minimalRounds).push(result);
        opts.log(
          `  ${which}: ${round(result.perSecond, 2)} reviews/s, ${round(mean(result.events))} events/review, CPU s/review ${JSON.stringify(result.cpuPerReview)}, ${latencyLine(result.latency)}`,
        );
      }
    }
    for (const [which, rounds] of [
      ['engine', engineRounds],
      ['minimal', minimalRounds],
    ] as const) {
      opts.log(`  ${which}, one review's events by type:`);
      for (const line of await eventBreakdown(stack.client.workflow, rounds[0].sample))
        opts.log(`    ${line}`);
    }
    const rate = (rounds: Round[]) => mean(rounds.map((x) => x.perSecond));
    const events = (rounds: Round[]) => mean(rounds.flatMap((x) => x.events));
    const worst = Math.max(...engineRounds.flatMap((x) => x.events));
    const b1 = rate(engineRounds) / rate(minimalRounds);
    const b2 = events(engineRounds) / events(minimalRounds);
    return [
      {
        id: 'B1',
        metric: `completed reviews/s (${opts.reviews} at once, default shape, no-op steps)`,
        value: round(rate(engineRounds), 2),
        baseline: round(rate(minimalRounds), 2),
        ratio: round(b1, 3),
        target: '>= 0.8',
        pass: b1 >= 0.8,
      },
      {
        id: 'B2',
        metric: 'history events per review (review + workstreams)',
        value: round(events(engineRounds)),
        baseline: round(events(minimalRounds)),
        ratio: round(b2, 3),
        target: '<= 1.3',
        pass: b2 <= 1.3,
      },
      {
        id: 'B2-worst',
        metric: 'history events of the largest review in the run',
        value: worst,
        baseline: null,
        ratio: null,
        target: '< 5000',
        pass: worst < 5000,
      },
    ];
  } finally {
    for (const s of stops.reverse()) await s();
    fs.rmSync(bundleDir, { recursive: true, force: true });
  }
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
