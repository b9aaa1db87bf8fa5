import type { WorkflowHandle } from '@temporalio/client';
import { startReview } from '../support/reviews';
import { round, type BenchmarkRow, type BenchStack } from './bench-stack';
import {
  benchProtocol,
  latencyLine,
  mean,
  runRound,
  startNoopAgencies,
} from './engine-vs-temporal';

/**
 * B5: completed reviews per second with the hash-chained audit log on against off
 * (AUDIT_HASH_CHAIN), the core worker running as apps/worker's main with each setting in turn,
 * in alternating rounds on the same server and database.
 */
export async function auditChain(
  stack: BenchStack,
  opts: { reviews: number; rounds: number; log: (l: string) => void },
): Promise<BenchmarkRow[]> {
  const protocol = benchProtocol();
  const agencies = protocol.workstreams.map((w) => w.agency);
  const stops = await startNoopAgencies(stack, protocol);
  try {
    const start = () => startReview(stack.client, protocol) as Promise<WorkflowHandle>;
    const measure = async (chained: boolean, n: number) => {
      const worker = stack.spawnCoreWorker({ AUDIT_HASH_CHAIN: String(chained) });
      try {
        await worker.polling;
        return await runRound(n, start, agencies);
      } finally {
        await worker.stop();
      }
    };
    await measure(true, 5); // warm-up: server, database, agency workers
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      for (const chained of r % 2 === 0 ? [true, false] : [false, true]) {
        const { perSecond, latency } = await measure(chained, opts.reviews);
        (chained ? on : off).push(perSecond);
        opts.log(
          `  audit chain ${chained ? 'on' : 'off'}: ${round(perSecond, 2)} reviews/s, ${latencyLine(latency)}`,
        );
      }
    }
    const ratio = mean(on) / mean(off);
    return [
      {
        id: 'B5',
        metric: `completed reviews/s with the hash-chained audit on vs off (${opts.reviews} at once)`,
        value: round(mean(on), 2),
        baseline: round(mean(off), 2),
        ratio: round(ratio, 3),
        target: '>= 0.9',
        pass: ratio >= 0.9,
      },
    ];
  } finally {
    for (const s of stops.reverse()) await s();
  }
}
