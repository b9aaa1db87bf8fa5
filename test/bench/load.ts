/**
 * `npm run bench:load`: autocannon against the API — the review list, a review's detail and
 * finding submission (API → Temporal Update) — with 200 connections for 60 s each, on real
 * Temporal and PostgreSQL. Fails (exit 1) on any error, timeout or non-2xx answer; prints and
 * records requests per second and p99 latency in docs/benchmarks.md.
 * `npm run bench:load -- --duration 10` for a shorter run (CI).
 */
import 'reflect-metadata';
import * as os from 'node:os';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { round, startBenchStack, writeDocsSection } from './bench-stack';
import { manyStepsProtocol, openSteps } from './finding-latency';

const program = new Command()
  .option('--duration <s>', 'seconds per endpoint', Number, 60)
  .option('--connections <n>', 'concurrent connections', Number, 200)
  .option('--slots <n>', 'open manual steps prepared for finding submissions', Number, 10_000)
  .option('--no-docs', 'do not record the results in docs/benchmarks.md')
  .parse();
const opts = program.opts<{
  duration: number;
  connections: number;
  slots: number;
  docs: boolean;
}>();
const log = (line: string) => process.stdout.write(`${line}\n`);

interface PhaseResult {
  endpoint: string;
  rps: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const stack = await startBenchStack(log);
  await stack.startCoreWorker();
  const results: PhaseResult[] = [];
  try {
    const protocol = manyStepsProtocol();
    const agency = protocol.workstreams[0].agency;
    log(`preparing ${opts.slots} open manual steps...`);
    const slots = await openSteps(stack, protocol, opts.slots);
    const reviewIds = [...new Set(slots.map((s) => s.reviewId))];

    const phase = async (endpoint: string, request: autocannon.Request): Promise<PhaseResult> => {
      log(`${endpoint}: ${opts.connections} connections for ${opts.duration} s`);
      const r = await autocannon({
        url: stack.apiUrl,
        connections: opts.connections,
        duration: opts.duration,
        timeout: 30,
        requests: [request],
      });
      return {
        endpoint,
        rps: round(r.requests.average),
        p99: r.latency.p99,
        requests: r.requests.total,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
      };
    };
    const pick = () => reviewIds[Math.floor(Math.random() * reviewIds.length)];
    // A coordinator reads; the agency's analyst submits (the API takes the actor from the token).
    const coordinator = await stack.headers('coordinator');
    const analyst = await stack.headers('agency-analyst', agency);
    results.push(
      await phase('GET /reviews', { method: 'GET', path: '/reviews', headers: coordinator }),
    );
    results.push(
      await phase('GET /reviews/:id', {
        method: 'GET',
        headers: coordinator,
        setupRequest: (req) => ({ ...req, path: `/reviews/${pick()}` }),
      }),
    );
    let next = 0;
    results.push(
      await phase('POST /reviews/:id/findings', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...analyst },
        setupRequest: (req) => {
          // Every submission closes a step nobody has closed yet.
          const slot = slots[next++ % slots.length];
          return {
            ...req,
            path: `/reviews/${slot.reviewId}/findings`,
            body: JSON.stringify({
              agency,
              stepId: slot.stepId,
              riskLevel: 'low',
              summary: 'load test',
            }),
          };
        },
      }),
    );
    if (next > slots.length)
      log(`ran out of open steps (${next} > ${slots.length}): raise --slots`);
  } finally {
    // The stack closes the API (draining requests in flight) before it stops the core worker.
    await stack.stop();
  }

  const failures = results.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
  for (const r of results) log(JSON.stringify(r));
  if (opts.docs) {
    const cpu = os.cpus();
    await writeDocsSection('load', [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, with \`${`npm run bench:load -- ${process.argv.slice(2).join(' ')}`.replace(/ -- $/, '')}\`: ${opts.connections} connections, ${opts.duration} s per endpoint, API, core worker and autocannon in one Node process.`,
      '',
      '| endpoint | requests/s | p99 ms | requests | errors | timeouts | non-2xx |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...results.map(
        (r) =>
          `| ${r.endpoint} | ${r.rps} | ${r.p99} | ${r.requests} | ${r.errors} | ${r.timeouts} | ${r.non2xx} |`,
      ),
    ]);
  }
  if (failures > 0) {
    log(`${failures} failed requests`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
