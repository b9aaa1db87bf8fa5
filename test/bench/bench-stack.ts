import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import * as prettier from 'prettier';
import { finalize } from 'rxjs';
import type { DataSource } from 'typeorm';
import { loadEnvironment, PROJECT_ROOT } from '../../config/environment';
import { runMigrations } from '../../libs/persistence/src/migrate';
import { generateCodecKey } from '../../libs/temporal/src/codec/aes-gcm-payload-codec';
import { dataConverter } from '../../libs/temporal/src/connection';
import { startDevServer } from '../../libs/temporal/src/dev-server/dev-server';
import { coreActivities, createCoreWorker } from '../../apps/worker/src/core-worker';
import type { Role } from '../../apps/api/src/auth/principal';
import { bearer, configureTestAuth, tokenFor } from '../support/auth';
import { openConnections } from '../support/connections';
import { createScratchDatabase, quietBundlerLogger } from '../support/scratch-database';
import { freePort } from '../support/test-run';
import { spawnCoreWorker, type WorkerProcess } from '../support/worker-process';

/**
 * What every benchmark and the load test run against, all real and all in one place: a Temporal
 * dev server, a scratch PostgreSQL database with the migrations, the engine's workflow bundle,
 * a Temporal client and the API on a free port. Workers are started by each measurement.
 */
export interface BenchStack {
  client: Client;
  nativeConnection: NativeConnection;
  db: DataSource;
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
  apiUrl: string;
  app: NestFastifyApplication;
  /** Authorization headers for a caller with `role` (of `agency` for agency roles). */
  headers(role: Role, agency?: string): Promise<Record<string, string>>;
  /** The engine's core worker in this process (the review and workstream workflows). */
  startCoreWorker(): Promise<() => Promise<void>>;
  /**
   * The engine's core worker as deployed: apps/worker's main in a child process, on this stack's
   * server, database and workflow bundle, with `env` added to its environment.
   */
  spawnCoreWorker(env?: Record<string, string>): WorkerProcess;
  /** A worker on any queue with the given activities (and optionally workflows). */
  startWorker(opts: {
    taskQueue: string;
    activities?: object;
    workflowBundlePath?: string;
  }): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export async function startBenchStack(
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<BenchStack> {
  const env = loadEnvironment();
  const stops: (() => Promise<void>)[] = [];
  const workers = new Set<() => Promise<void>>();
  let app: NestFastifyApplication | undefined;
  let inFlight = 0;
  const stop = async () => {
    const report = (e: unknown) => process.stderr.write(`${String(e)}\n`);
    // First the API, once the requests in flight are done; then the workers those requests
    // waited on; then the servers.
    for (let i = 0; i < 600 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 100));
    await app?.close().catch(report);
    app = undefined;
    for (const w of [...workers].reverse()) await w().catch(report);
    for (const s of stops.reverse()) await s().catch(report);
  };
  try {
    const database = await createScratchDatabase('bench', env.DATABASE_URL);
    stops.push(() => database.drop());
    const temporalPort = await freePort();
    // Set before anything reads (and caches) the environment: the API is built from it.
    process.env.DATABASE_URL = database.url;
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
    process.env.PAYLOAD_CODEC_KEYS ??= generateCodecKey('bench');
    // The API verifies a bearer token on every request, as in production (tokens from `headers`);
    // its rate limit would otherwise cut the load generator off.
    await configureTestAuth();
    process.env.RATE_LIMIT_MAX = String(1e9);
    process.env.RATE_LIMIT_MAX_PER_CLIENT = String(1e9);
    await runMigrations(database.url);

    // One partition per task queue: with the default four, a task can wait seconds in a partition
    // no poller is on, and one such review sets its round's rate (benchmarks.md, B1).
    const temporal = await startDevServer({
      port: temporalPort,
      headless: true,
      taskQueuePartitions: 1,
      log,
    });
    stops.push(() => temporal.stop());

    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: quietBundlerLogger,
    });
    const workflowBundlePath = path.join(os.tmpdir(), `review-engine-bench-${process.pid}.js`);
    fs.writeFileSync(workflowBundlePath, bundle.code);
    stops.push(async () => fs.rmSync(workflowBundlePath, { force: true }));

    const { db, nativeConnection, client } = await openConnections(
      {
        databaseUrl: database.url,
        temporalAddress: temporal.address,
        dataConverter: dataConverter(),
      },
      stops,
    );

    const { createApiApp } = await import('../../apps/api/src/create-api-app');
    app = await createApiApp({ logger: ['error'] });
    // Requests whose client gave up (autocannon stops at its deadline) still run to the end:
    // count them, so the stack stops only once they are done.
    app.useGlobalInterceptors({
      intercept: (_context, next) => {
        inFlight += 1;
        return next.handle().pipe(finalize(() => (inFlight -= 1)));
      },
    });
    await app.listen(0, '127.0.0.1');
    const apiUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    const run = async (worker: Worker) => {
      const running = worker.run();
      const stopWorker = async () => {
        if (!workers.delete(stopWorker)) return;
        worker.shutdown();
        await running;
      };
      workers.add(stopWorker);
      return stopWorker;
    };
    return {
      client,
      nativeConnection,
      db,
      temporalAddress: temporal.address,
      databaseUrl: database.url,
      workflowBundlePath,
      apiUrl,
      app: app!,
      headers: async (role, agency) => bearer(await tokenFor(role, { agency })),
      startCoreWorker: async () =>
        run(
          await createCoreWorker({
            connection: nativeConnection,
            namespace: 'default',
            taskQueue: env.TEMPORAL_TASK_QUEUE,
            activities: coreActivities(db),
            workflowBundle: { codePath: workflowBundlePath },
            dataConverter: dataConverter(),
          }),
        ),
      spawnCoreWorker: (workerEnv) =>
        spawnCoreWorker({
          temporalAddress: temporal.address,
          databaseUrl: database.url,
          workflowBundlePath,
          env: workerEnv,
        }),
      startWorker: async (opts) =>
        run(
          await Worker.create({
            connection: nativeConnection,
            namespace: 'default',
            taskQueue: opts.taskQueue,
            activities: opts.activities,
            ...(opts.workflowBundlePath
              ? { workflowBundle: { codePath: opts.workflowBundlePath } }
              : {}),
            dataConverter: dataConverter(),
          }),
        ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Percentile of a sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** One row of docs/benchmarks.json. */
export interface BenchmarkRow {
  id: string;
  metric: string;
  value: number;
  baseline: number | null;
  ratio: number | null;
  target: string;
  pass: boolean;
}

/**
 * Replace the `<!-- name -->` … `<!-- /name -->` block of docs/benchmarks.md with `lines`
 * (appended when missing), leaving the hand-written text around it alone; formatted with the
 * project's Prettier settings, so the lint stays green.
 */
export async function writeDocsSection(name: string, lines: string[]): Promise<void> {
  const file = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  const md = fs.readFileSync(file, 'utf8');
  const block = [`<!-- ${name} -->`, '', ...lines, '', `<!-- /${name} -->`].join('\n');
  const pattern = new RegExp(`<!-- ${name} -->[\\s\\S]*<!-- /${name} -->`);
  const text = pattern.test(md) ? md.replace(pattern, block) : `${md.trimEnd()}\n\n${block}\n`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
