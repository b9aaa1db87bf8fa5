/**
 * Benchmark: `GET /reviews` over 100,000 reviews in the read model, through the real API (NestJS +
 * Fastify + TypeORM + validation + DTO mapping), against a bare Fastify endpoint on the same
 * adapter running the same SQL through raw `pg`, measured in the same run on the same database.
 * Writes docs/benchmarks.json and docs/benchmarks.md. Run: `npm run bench`.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { bearer, configureTestAuth, tokenFor } from '../support/auth';
import Fastify from 'fastify';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnvironment, PROJECT_ROOT } from '../../config/environment';
import { ReviewEntity } from '../../libs/persistence/src/entities';
import { dataSourceOptions } from '../../libs/persistence/src/data-source';
import { runMigrations } from '../../libs/persistence/src/migrate';
import { startDevServer } from '../../libs/temporal/src/dev-server/dev-server';
import { REVIEW_ORDERS, selectListColumns } from '../../apps/api/src/reviews/reviews.service';
import { ReadModelTables1764374400000 } from '../../libs/persistence/src/migrations/1764374400000-ReadModelTables';
import { createScratchDatabase } from '../support/scratch-database';
import { freePort } from '../support/test-run';

const REVIEWS = Number(process.argv[2] ?? 100_000);
const SECONDS = Number(process.argv[3] ?? 10);
/** Baseline and engine alternate this many times, so load from elsewhere on the machine hits both. */
const ROUNDS = Number(process.argv[4] ?? 3);
const CONNECTIONS = 50;
const TARGET = 0.5;

interface Measured {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, headers: Record<string, string> = {}): Promise<Measured> {
  await autocannon({ url, headers, connections: 10, duration: 2 }); // warm-up
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/** A realistic projected state: four agencies, two steps each, and a deadline per agency. */
function sampleState(): Record<string, unknown> {
  const agencies = ['caisi', 'nsa', 'cisa', 'treasury'];
  return {
    status: 'open',
    stage: 'assessment',
    workstreams: agencies.map((agency, i) => ({
      agency,
      role: i === 0 ? 'lead' : 'member',
      workflowId: `review-x-ws-${agency}`,
      status: 'running',
      steps: ['a', 'b'].map((s, j) => ({
        agency,
        stepId: `${agency}-${s}`,
        title: `Step ${s}`,
        kind: 'manual',
        domain: 'offensive-cyber',
        dependsOn: [],
        status: j === 0 ? 'done' : 'open',
      })),
    })),
    deadlines: agencies.map((a) => ({
      id: `step:${a}:${a}-b`,
      label: `${a} step`,
      kind: 'step',
      basisMs: 0,
      clock: { unit: 'business_days', amount: 10 },
      stops: [],
      extensions: [],
      dueMs: 1_800_000_000_000,
      status: 'open',
    })),
    escalations: [],
    informationRequests: [],
    nonBusinessDates: [],
    seq: 12,
  };
}

async function main(): Promise<void> {
  const env = loadEnvironment();
  const stops: (() => Promise<void>)[] = [];
  try {
    const database = await createScratchDatabase('bench', env.DATABASE_URL);
    stops.push(() => database.drop());
    const url = database.url;
    // Set before anything reads (and caches) the environment: the API is built from it.
    const temporalPort = await freePort();
    process.env.DATABASE_URL = url;
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
    // The engine's endpoint verifies a coordinator's token on every request, as in production;
    // the rate limit would otherwise cut the load generator off.
    await configureTestAuth();
    process.env.RATE_LIMIT_MAX = String(1e9);
    await runMigrations(url);

    process.stdout.write(`seeding ${REVIEWS} reviews...\n`);
    const seed = new Client({ connectionString: url });
    await seed.connect();
    await seed.query(
      `INSERT INTO reviews (id, workflow_id, protocol_key, protocol_version, developer_org, model_name, model_version,
         planned_release_date, status, stage, lead_agency, next_deadline, last_seq, state, created_at)
       SELECT gen_random_uuid(), 'review-' || g, 'frontier-ai-cyber', 1, 'Lab ' || (g % 500), 'model-' || g, 'v1',
         date '2027-01-01' + (g % 365), CASE WHEN g % 5 = 0 THEN 'closed' ELSE 'open' END, 'assessment', 'caisi',
         now() + (g % 90) * interval '1 day', 12, $1::jsonb, now() - g * interval '1 second'
       FROM generate_series(1, $2) g`,
      [JSON.stringify(sampleState()), REVIEWS],
    );
    await seed.end();

    // The normalized rows (workstreams, steps, deadlines, ...) from each state, as the migration
    // fills them for an existing deployment.
    const ds = new DataSource({ ...dataSourceOptions(url), logging: false });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    await new ReadModelTables1764374400000().backfill(runner);
    await runner.query('ANALYZE');
    await runner.release();

    // Temporal: the API connects on start (health, actions); list requests never touch it.
    const temporal = await startDevServer({ port: temporalPort, headless: true });
    stops.push(() => temporal.stop());

    // The SQL the API runs for the first page (default sort), taken from the same query builder.
    const sort = REVIEW_ORDERS['-createdAt'];
    const [sql, params] = selectListColumns(ds.getRepository(ReviewEntity).createQueryBuilder('r'))
      .addSelect(sort.cursorText, 'cursor_value')
      .orderBy(sort.column, sort.direction)
      .addOrderBy('r.id', sort.direction)
      .limit(51)
      .getQueryAndParameters();
    await ds.destroy();

    // Baseline: bare Fastify + raw pg, same SQL, rows returned as they come.
    const pool = new Pool({ connectionString: url, max: 10 });
    const bare = Fastify();
    bare.get('/reviews', async () => ({
      items: (await pool.query(sql, params)).rows.slice(0, 50),
    }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/reviews`;
    stops.push(async () => {
      await bare.close();
      await pool.end();
    });

    const { createApiApp } = await import('../../apps/api/src/create-api-app');
    const app = await createApiApp({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const apiUrl = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/reviews`;
    stops.push(() => app.close());

    const auth = bearer(await tokenFor('coordinator'));
    const rounds: { baseline: Measured; engine: Measured; ratio: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const baselineRound = await load(bareUrl);
      const engineRound = await load(apiUrl, auth);
      rounds.push({
        baseline: baselineRound,
        engine: engineRound,
        ratio: engineRound.rps / baselineRound.rps,
      });
      process.stdout.write(`round ${i + 1}: ${JSON.stringify(rounds[i])}\n`);
    }
    // The round with the median ratio stands for the run; every round's ratio is reported.
    const byRatio = [...rounds].sort((a, b) => a.ratio - b.ratio);
    const { baseline, engine, ratio } = byRatio[Math.floor(byRatio.length / 2)];
    const rows = [
      {
        id: 'B3',
        metric: 'GET /reviews requests/s (100k reviews)',
        value: round(engine.rps),
        baseline: round(baseline.rps),
        ratio: round(ratio, 3),
        target: `>= ${TARGET}`,
        pass: ratio >= TARGET,
      },
      {
        id: 'B3-p99',
        metric: 'GET /reviews p99 latency ms',
        value: engine.p99,
        baseline: baseline.p99,
        ratio: round(engine.p99 / Math.max(baseline.p99, 1), 3),
        target: 'report',
        pass: true,
      },
    ];
    const errors = rounds.reduce(
      (n, r) => n + r.engine.errors + r.engine.non2xx + r.baseline.errors + r.baseline.non2xx,
      0,
    );
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const out = path.join(PROJECT_ROOT, 'docs');
    fs.writeFileSync(path.join(out, 'benchmarks.json'), `${JSON.stringify(rows, null, 2)}\n`);
    fs.writeFileSync(
      path.join(out, 'benchmarks.md'),
      [
        '# Benchmarks',
        '',
        `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, with \`npm run bench\``,
        `(\`test/bench/list-reviews.bench.ts\`): ${REVIEWS.toLocaleString('en-US')} reviews in the read model,`,
        `autocannon with ${CONNECTIONS} connections for ${SECONDS} s after a 2 s warm-up, both servers in one process`,
        `(${ROUNDS} rounds, baseline then engine in each; the table shows the round with the median ratio)`,
        'against the same PostgreSQL. The baseline is a bare Fastify route running the same SQL (taken from',
        "the API's own query builder: the review columns, each agency's progress from `review_workstreams`",
        'and `review_steps`, and the overdue rule over `review_deadlines`, `review_clock_stops`, `review_steps`',
        'and `review_escalations`) through raw `pg`; the engine adds validation, TypeORM hydration and DTO',
        "mapping. Each review has 4 workstreams, 8 steps and 4 deadlines, filled by the read-model migration's",
        'backfill from the seeded state.',
        '',
        '| id | metric | engine | baseline | ratio | target | pass |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map(
          (r) =>
            `| ${r.id} | ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass ? 'yes' : 'no'} |`,
        ),
        '',
        `Ratio of each round: ${rounds.map((r) => round(r.ratio, 3)).join(', ')}. Errors and non-2xx responses during the runs: ${errors}.`,
        '',
      ].join('\n'),
    );
    process.stdout.write(`${JSON.stringify({ engine, baseline, ratio: round(ratio, 3) })}\n`);
    if (errors > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
  }
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
