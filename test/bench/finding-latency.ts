import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { submitFindingUpdate } from '../../workflows/definitions';
import { ProtocolFactory } from '../support/factories';
import { startReview, waitForState, type ReviewHandle } from '../support/reviews';
import { percentile, round, type BenchmarkRow, type BenchStack } from './bench-stack';

const STEPS_PER_REVIEW = 50;

/** One agency with many independent manual steps: every submission closes a fresh open step. */
export function manyStepsProtocol(steps = STEPS_PER_REVIEW): Protocol {
  const protocol = ProtocolFactory.singleStep().build();
  protocol.workstreams[0].steps = Array.from({ length: steps }, (_, i) => ({
    id: `s${i}`,
    title: `Step ${i}`,
    kind: 'manual' as const,
    dependsOn: [],
    domain: 'offensive-cyber',
    marking: 'CUI' as const,
  }));
  return protocol;
}

/** Reviews of `protocol` whose manual steps are all open, and their (review, step) slots. */
export async function openSteps(
  stack: BenchStack,
  protocol: Protocol,
  slots: number,
): Promise<{ reviewId: string; stepId: string }[]> {
  const steps = protocol.workstreams[0].steps.length;
  const handles: ReviewHandle[] = [];
  for (let i = 0; i < Math.ceil(slots / steps); i++) {
    handles.push(await startReview(stack.client, protocol));
  }
  const byReview: { reviewId: string; stepId: string }[][] = [];
  for (const h of handles) {
    const state = await waitForState(
      h,
      (s) => s.workstreams[0].steps.every((x) => x.status === 'open'),
      'open steps',
      120_000,
    );
    // The API reads the review row before it acts: wait for the projection too.
    await waitForProjected(stack, state.reviewId);
    byReview.push(
      state.workstreams[0].steps.map((x) => ({ reviewId: state.reviewId, stepId: x.stepId })),
    );
  }
  // Interleaved, so consecutive submissions go to different reviews, as many analysts' would.
  return Array.from({ length: steps }, (_, i) => byReview.map((r) => r[i])).flat();
}

async function waitForProjected(stack: BenchStack, reviewId: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [{ n }] = await stack.db.query(
      `SELECT count(*)::int AS n FROM review_steps WHERE review_id = $1 AND status = 'open'`,
      [reviewId],
    );
    if (n > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`review ${reviewId} was not projected`);
}

/**
 * B4: p95 latency of a finding submitted through the API (token, access policy, body validation,
 * Temporal Update carrying the request, which is audited with the finding; the answer is the step
 * the Update returned)
 * against the same Update sent with a bare Temporal client, interleaved one by one on the same
 * workflows.
 */
export async function findingLatency(
  stack: BenchStack,
  opts: { submissions: number; log: (l: string) => void },
): Promise<BenchmarkRow[]> {
  // The core worker in its own process, as deployed (apps/worker beside apps/api): the review's
  // projections then do not run on the API's event loop, nor on the bare client's.
  const worker = stack.spawnCoreWorker();
  try {
    await worker.polling;
    const protocol = manyStepsProtocol();
    const agency = protocol.workstreams[0].agency;
    const slots = await openSteps(stack, protocol, 2 * opts.submissions + 20);
    // The API takes the actor from the analyst's token; the bare Update names the same one.
    const headers = await stack.headers('agency-analyst', agency);
    const actor = { id: `agency-analyst@${agency}.example.gov`, agency };
    const viaApi = async (slot: (typeof slots)[number]) => {
      const res = await fetch(`${stack.apiUrl}/reviews/${slot.reviewId}/findings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          agency,
          stepId: slot.stepId,
          riskLevel: 'low',
          summary: 'benchmark',
        }),
      });
      if (res.status !== 200) throw new Error(`API answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const bare = async (slot: (typeof slots)[number]) => {
      await stack.client.workflow
        .getHandle(`review-${slot.reviewId}-ws-${agency}`)
        .executeUpdate(submitFindingUpdate, {
          args: [{ stepId: slot.stepId, riskLevel: 'low', summary: 'benchmark', actor }],
        });
    };
    const timed = async (f: () => Promise<void>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    // Warm-up on the first ten slots.
    for (let i = 0; i < 10; i++) await (i % 2 ? viaApi : bare)(slots.shift()!);
    const api: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < opts.submissions; i++) {
      const first = i % 2 === 0;
      const a = slots.shift()!;
      const b = slots.shift()!;
      if (first) {
        api.push(await timed(() => viaApi(a)));
        direct.push(await timed(() => bare(b)));
      } else {
        direct.push(await timed(() => bare(b)));
        api.push(await timed(() => viaApi(a)));
      }
    }
    const p95 = percentile(api, 95);
    const base = percentile(direct, 95);
    opts.log(
      `  API p50 ${round(percentile(api, 50))} ms p95 ${round(p95)} ms; bare p50 ${round(percentile(direct, 50))} ms p95 ${round(base)} ms`,
    );
    return [
      {
        id: 'B4',
        metric: `finding submission p95 ms (API → Update vs bare client Update, ${opts.submissions} each)`,
        value: round(p95),
        baseline: round(base),
        ratio: round(p95 / base, 3),
        target: '<= 1.5',
        pass: p95 / base <= 1.5,
      },
    ];
  } finally {
    await worker.stop();
  }
}
