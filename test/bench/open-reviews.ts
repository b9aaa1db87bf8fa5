import * as fs from 'node:fs';
import autocannon from 'autocannon';
import { ProtocolFactory, secondsClock } from '../support/factories';
import { startReview } from '../support/reviews';
import { round, type BenchmarkRow, type BenchStack } from './bench-stack';

/** Resident set size of a process in MiB (Linux). */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * B6: many open reviews, each waiting in intake with a pending deadline timer, served by the
 * core worker as a real process (apps/worker's main): its RSS idle and with every review open,
 * and GET /reviews p99 with them all in the read model. Reported, no target.
 */
export async function openReviews(
  stack: BenchStack,
  opts: { reviews: number; log: (l: string) => void },
): Promise<{ rows: BenchmarkRow[]; notes: string[] }> {
  const protocol = ProtocolFactory.defaultShape()
    .withoutStage('designation')
    .withStageClock('intake', secondsClock(86_400))
    .build();
  const worker = stack.spawnCoreWorker();
  try {
    await worker.polling;
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMiB(worker.pid);

    const began = performance.now();
    let started = 0;
    const startNext = async (): Promise<void> => {
      while (started < opts.reviews) {
        started += 1;
        await startReview(stack.client, protocol);
      }
    };
    await Promise.all(Array.from({ length: 20 }, startNext));
    let projected = 0;
    for (let last = -1; projected < opts.reviews;) {
      const [{ n }] = await stack.db.query(
        `SELECT count(*)::int AS n FROM reviews WHERE protocol_key = $1 AND stage = 'intake'`,
        [protocol.key],
      );
      projected = n;
      if (projected !== last) opts.log(`  ${projected}/${opts.reviews} open reviews projected`);
      last = projected;
      if (projected < opts.reviews) await new Promise((r) => setTimeout(r, 5000));
    }
    const seconds = (performance.now() - began) / 1000;
    await new Promise((r) => setTimeout(r, 5000));
    const loaded = rssMiB(worker.pid);

    const list = await autocannon({
      url: `${stack.apiUrl}/reviews?status=open`,
      headers: await stack.headers('coordinator'),
      connections: 20,
      duration: 10,
    });
    const errors = list.errors + list.non2xx;
    const perReviewKiB = ((loaded - idle) * 1024) / opts.reviews;
    opts.log(
      `  worker RSS ${round(idle)} MiB idle, ${round(loaded)} MiB with ${opts.reviews} open; GET /reviews p99 ${list.latency.p99} ms`,
    );
    const report = (id: string, metric: string, value: number, pass = true): BenchmarkRow => ({
      id,
      metric,
      value,
      baseline: null,
      ratio: null,
      target: 'report',
      pass,
    });
    return {
      rows: [
        report('B6-rss', `core worker RSS MiB with ${opts.reviews} open reviews`, round(loaded)),
        report('B6-rss-idle', 'core worker RSS MiB idle (same process, before)', round(idle)),
        report('B6-rss-per-review', 'RSS KiB per open review', round(perReviewKiB, 2)),
        report(
          'B6-list-p99',
          `GET /reviews?status=open p99 ms (20 connections, 10 s, ${list.requests.average} req/s)`,
          list.latency.p99,
          errors === 0,
        ),
        report(
          'B6-start-rate',
          'reviews started and projected per second',
          round(opts.reviews / seconds, 1),
        ),
      ],
      notes: [
        `B6: ${opts.reviews} reviews waiting in intake, each with a pending 1-day deadline timer; the core worker is apps/worker's main as a child process; RSS from /proc; its workflow cache holds at most the SDK default of cached workflows, so RSS per review falls as reviews outnumber the cache.`,
      ],
    };
  } finally {
    await worker.stop();
  }
}
