/**
 * B3: `GET /reviews` over 100,000 reviews in the read model, through the real API (NestJS +
 * Fastify + TypeORM + validation + DTO mapping), against a bare Fastify endpoint on the same
 * adapter running the same SQL through raw `pg`, measured in the same run on the same database.
 * Run by `npm run bench` (test/bench/run.ts).
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { Pool } from 'pg';
import { ReviewEntity } from '../../libs/persistence/src/entities';
import { REVIEW_ORDERS, selectListColumns } from '../../apps/api/src/reviews/reviews.service';
import { ReadModelTables1764374400000 } from '../../libs/persistence/src/migrations/1764374400000-ReadModelTables';
import { round, type BenchmarkRow, type BenchStack } from './bench-stack';

const CONNECTIONS = 50;
const TARGET = 0.5;

interface Measured {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<Measured> {
  await autocannon({ url, headers, connections: 10, duration: 2 }); // warm-up
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
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

export async function listReviews(
  stack: BenchStack,
  opts: { reviews: number; seconds: number; rounds: number; log: (l: string) => void },
): Promise<BenchmarkRow[]> {
  opts.log(`  seeding ${opts.reviews} reviews...`);
  await stack.db.query(
    `INSERT INTO reviews (id, workflow_id, protocol_key, protocol_version, developer_org, model_name, model_version,
       planned_release_date, status, stage, lead_agency, next_deadline, last_seq, state, created_at)
     SELECT gen_random_uuid(), 'review-' || g, 'frontier-ai-cyber', 1, 'Lab ' || (g % 500), 'model-' || g, 'v1',
       date '2027-01-01' + (g % 365), CASE WHEN g % 5 = 0 THEN 'closed' ELSE 'open' END, 'assessment', 'caisi',
       now() + (g % 90) * interval '1 day', 12, $1::jsonb, now() - g * interval '1 second'
     FROM generate_series(1, $2) g`,
    [JSON.stringify(sampleState()), opts.reviews],
  );
  // The normalized rows (workstreams, steps, deadlines, ...) from each state, as the migration
  // fills them for an existing deployment.
  const runner = stack.db.createQueryRunner();
  try {
    await new ReadModelTables1764374400000().backfill(runner);
    await runner.query('ANALYZE');
  } finally {
    await runner.release();
  }

  // The SQL the API runs for the first page (default sort), taken from the same query builder.
  const sort = REVIEW_ORDERS['-createdAt'];
  const [sql, params] = selectListColumns(
    stack.db.getRepository(ReviewEntity).createQueryBuilder('r'),
  )
    .addSelect(sort.cursorText, 'cursor_value')
    .orderBy(sort.column, sort.direction)
    .addOrderBy('r.id', sort.direction)
    .limit(51)
    .getQueryAndParameters();

  // Baseline: bare Fastify + raw pg, same SQL, rows returned as they come.
  const pool = new Pool({ connectionString: stack.databaseUrl, max: 10 });
  const bare = Fastify();
  bare.get('/reviews', async () => ({
    items: (await pool.query(sql, params)).rows.slice(0, 50),
  }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  try {
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/reviews`;
    // Baseline and engine alternate, so load from elsewhere on the machine hits both; the round
    // with the median ratio stands for the run, and every round's ratio is reported.
    const coordinator = await stack.headers('coordinator');
    const rounds: { baseline: Measured; engine: Measured; ratio: number }[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const b = await load(bareUrl, opts.seconds);
      // The engine's endpoint verifies a coordinator's token on every request, as in production.
      const e = await load(`${stack.apiUrl}/reviews`, opts.seconds, coordinator);
      rounds.push({ baseline: b, engine: e, ratio: e.rps / b.rps });
      opts.log(`  round ${i + 1}: engine ${round(e.rps)} req/s, baseline ${round(b.rps)} req/s`);
    }
    const { baseline, engine, ratio } = [...rounds].sort((a, b) => a.ratio - b.ratio)[
      Math.floor(rounds.length / 2)
    ];
    const errors = rounds.reduce(
      (n, r) => n + r.engine.errors + r.engine.non2xx + r.baseline.errors + r.baseline.non2xx,
      0,
    );
    return [
      {
        id: 'B3',
        metric: `GET /reviews requests/s (${opts.reviews} reviews, ${CONNECTIONS} connections, ${opts.seconds} s; median of round ratios ${rounds.map((r) => round(r.ratio, 3)).join(', ')})`,
        value: round(engine.rps),
        baseline: round(baseline.rps),
        ratio: round(ratio, 3),
        target: `>= ${TARGET}`,
        pass: ratio >= TARGET && errors === 0,
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
  } finally {
    await bare.close();
    await pool.end();
  }
}
