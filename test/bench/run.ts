/**
 * `npm run bench`: every benchmark of issue #8 in one run on one dev server, each a ratio
 * against a baseline measured in the same run. Writes docs/benchmarks.json and docs/benchmarks.md.
 * `npm run bench -- --only B1,B2` runs a subset (and writes nothing).
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../../config/environment';
import { startBenchStack, writeDocsSection, type BenchmarkRow } from './bench-stack';
import { engineVsTemporal } from './engine-vs-temporal';
import { auditChain } from './audit-chain';
import { findingLatency } from './finding-latency';
import { listReviews } from './list-reviews';
import { openReviews } from './open-reviews';

const program = new Command()
  .option(
    '--only <ids>',
    'comma-separated benchmark ids (B1,B2,B3,B4,B5,B6); with --merge, updates only their rows',
  )
  .option('--reviews <n>', 'B1/B2: reviews started at once per round', Number, 30)
  .option('--rounds <n>', 'B1/B2: rounds per side', Number, 5)
  .option('--findings <n>', 'B4: finding submissions per side', Number, 200)
  .option('--open-reviews <n>', 'B6: open reviews with pending timers', Number, 10_000)
  .option('--list-reviews <n>', 'B3: reviews in the read model', Number, 100_000)
  .option('--seconds <n>', 'B3: autocannon duration per side and round', Number, 10)
  .option('--list-rounds <n>', 'B3: rounds of baseline then engine', Number, 3)
  .option(
    '--merge',
    'with --only: replace these rows in docs/benchmarks.json and .md, keep the rest',
  )
  .parse();
const opts = program.opts<{
  only?: string;
  reviews: number;
  rounds: number;
  findings: number;
  openReviews: number;
  listReviews: number;
  seconds: number;
  listRounds: number;
  merge?: boolean;
}>();

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const only = opts.only?.split(',').map((s) => s.trim().toUpperCase());
  const wanted = (id: string) => !only || only.includes(id);
  const stack = await startBenchStack(log);
  const rows: BenchmarkRow[] = [];
  const notes: string[] = [];
  try {
    if (wanted('B1') || wanted('B2')) {
      log('B1/B2: engine vs a minimal Temporal workflow of the same shape');
      rows.push(...(await engineVsTemporal(stack, { ...opts, log })));
    }
    if (wanted('B5')) {
      log('B5: hash-chained audit on vs off');
      rows.push(...(await auditChain(stack, { ...opts, log })));
    }
    if (wanted('B4')) {
      log('B4: finding submission through the API vs a bare Temporal Update');
      rows.push(...(await findingLatency(stack, { submissions: opts.findings, log })));
    }
    if (wanted('B6')) {
      log(`B6: ${opts.openReviews} open reviews with pending timers`);
      const b6 = await openReviews(stack, { reviews: opts.openReviews, log });
      rows.push(...b6.rows);
      notes.push(...b6.notes);
    }
    if (wanted('B3')) {
      log(`B3: GET /reviews over ${opts.listReviews} reviews vs bare Fastify + raw pg`);
      rows.push(
        ...(await listReviews(stack, {
          reviews: opts.listReviews,
          seconds: opts.seconds,
          rounds: opts.listRounds,
          log,
        })),
      );
    }
  } finally {
    await stack.stop();
  }
  for (const r of rows) log(JSON.stringify(r));
  if (!only) await writeDocs(rows, notes);
  else if (opts.merge)
    await writeDocs(
      mergeRows(rows),
      notes,
      rows.map((r) => r.id),
    );
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}

/** The documented rows with `fresh` replacing (or joining) the rows of the same ids. */
function mergeRows(fresh: BenchmarkRow[]): BenchmarkRow[] {
  const file = path.join(PROJECT_ROOT, 'docs', 'benchmarks.json');
  const old = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchmarkRow[];
  const ids = new Set(fresh.map((r) => r.id));
  const kept = old.filter((r) => !ids.has(r.id));
  return [...kept, ...fresh].sort((a, b) => a.id.localeCompare(b.id));
}

async function writeDocs(rows: BenchmarkRow[], notes: string[], merged?: string[]): Promise<void> {
  const cpu = os.cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.replace(/ -- $/, '');
  fs.writeFileSync(
    path.join(PROJECT_ROOT, 'docs', 'benchmarks.json'),
    `${JSON.stringify(rows, null, 2)}\n`,
  );
  await writeDocsSection('results', [
    merged
      ? `${merged.join(', ')} measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}, with \`${command}\`; the other rows come from the previous full run (each row's value and baseline are always from one run).`
      : `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}, with \`${command}\`.`,
    '',
    '| id | metric | engine | baseline | ratio | target | pass |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.metric} | ${r.value} | ${r.baseline ?? ''} | ${r.ratio ?? ''} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`,
    ),
    '',
    ...notes.map((n) => `- ${n}`),
  ]);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
