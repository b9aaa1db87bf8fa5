import 'reflect-metadata';
import * as fs from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { coreActivities, createCoreWorker } from '../../apps/worker/src/core-worker';
import type { FollowOptions } from '../../activities/projection/projection.activities';
import { dataSourceOptions } from '../../libs/persistence/src/data-source';
import { environment } from '../../config/environment';
import { dataConverter } from '../../libs/temporal/src/connection';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import { readTestRun, type TestRun } from './test-run';

type ActivityMap = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * Everything a test file needs, all real: the core worker (workflows + projection activities)
 * on the Temporal dev server, agency workers on their own queues, a Temporal client, the
 * database, and optionally the HTTP API listening on a free port.
 */
export interface Harness {
  client: Client;
  db: DataSource;
  api?: { url: string; app: NestFastifyApplication };
  workers: Worker[];
  addAgencyWorker(agency: string, activities: ActivityMap): Promise<Worker>;
  /** Stop the core worker (in-flight tasks are abandoned to Temporal) and start a fresh one. */
  restartCoreWorker(): Promise<void>;
  publishProtocol(protocol: Protocol): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    api?: boolean;
    /** false: no in-process core worker (a test runs it as a child process instead). */
    coreWorker?: boolean;
    /** Another Temporal server or database than the global setup's (fault-injection tests). */
    run?: Partial<TestRun>;
    /** How the core worker's following projections wait (engine v3); FOLLOW by default. */
    follow?: Partial<FollowOptions>;
  } = {},
): Promise<Harness> {
  const run = { ...readTestRun(), ...opts.run };
  const db = new DataSource({ ...dataSourceOptions(run.databaseUrl), logging: false });
  await db.initialize();
  const nativeConnection = await NativeConnection.connect({ address: run.temporalAddress });
  const connection = await Connection.connect({ address: run.temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: dataConverter() });
  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  const code = fs.readFileSync(run.workflowBundlePath, 'utf8');

  const startCore = async () => {
    const core = await createCoreWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: environment().TEMPORAL_TASK_QUEUE,
      activities: coreActivities(db, { follow: opts.follow }),
      workflowBundle: { code },
      dataConverter: dataConverter(),
    });
    workers.push(core);
    const running = core.run();
    runs.push(running);
    return { core, running };
  };
  let core = opts.coreWorker === false ? undefined : await startCore();

  let api: Harness['api'];
  if (opts.api) {
    // Loaded only when needed, so workflow-level tests do not build the HTTP stack.
    const { createApiApp } = await import('../../apps/api/src/create-api-app');
    const app = await createApiApp({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    api = { url: await app.getUrl(), app };
    api.url = api.url.replace('[::1]', '127.0.0.1');
  }

  return {
    client,
    db,
    api,
    workers,
    async addAgencyWorker(agency, activities) {
      const w = await Worker.create({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue: `agency-${agency}`,
        activities,
        dataConverter: dataConverter(),
      });
      workers.push(w);
      runs.push(w.run());
      return w;
    },
    async restartCoreWorker() {
      if (!core) throw new Error('this harness runs no in-process core worker');
      core.core.shutdown();
      await core.running;
      core = await startCore();
    },
    async publishProtocol(protocol) {
      await db.query(
        `INSERT INTO protocol_versions (key, version, status, definition, created_by, published_at)
         VALUES ($1, $2, 'published', $3, 'test', now())`,
        [protocol.key, protocol.version, JSON.stringify(protocol)],
      );
    },
    async close() {
      if (api) await api.app.close();
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(runs);
      await nativeConnection.close();
      await connection.close();
      await db.destroy();
    },
  };
}

/** Poll until `check` returns a value (not undefined) or time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
