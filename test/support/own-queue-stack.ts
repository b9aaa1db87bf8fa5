import * as fs from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { coreActivities, createCoreWorker } from '../../apps/worker/src/core-worker';
import { dataSourceOptions } from '../../libs/persistence/src/data-source';
import { dataConverter } from '../../libs/temporal/src/connection';
import { readTestRun } from './test-run';

/**
 * The API and a core worker (created, not yet running) on an engine task queue of the test's own,
 * for tests that need the process-wide setup under their control: readiness with no worker yet,
 * or a worker that bundles its workflows itself (tracing interceptors). Set
 * `process.env.TEMPORAL_TASK_QUEUE = queue` before calling.
 */
export interface OwnQueueStack {
  app: NestFastifyApplication;
  url: string;
  worker: Worker;
  connection: NativeConnection;
  /** Runs the worker; `close()` shuts it down and waits. */
  runWorker(): void;
  close(): Promise<void>;
}

export async function startOwnQueueStack(opts: {
  queue: string;
  /** Bundle the workflows at worker creation instead of reusing the test run's bundle. */
  bundleWorkflows?: boolean;
  seedProtocols?: boolean;
}): Promise<OwnQueueStack> {
  const run = readTestRun();
  const { createApiApp } = await import('../../apps/api/src/create-api-app');
  const app = await createApiApp({ logger: ['error'] });
  if (opts.seedProtocols) {
    const { ProtocolCatalogService } =
      await import('../../apps/api/src/protocols/protocol-catalog.service');
    await app.get(ProtocolCatalogService).seedFromFiles();
  }
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = new DataSource({ ...dataSourceOptions(run.databaseUrl), logging: false });
  await db.initialize();
  const connection = await NativeConnection.connect({ address: run.temporalAddress });
  const worker = await createCoreWorker({
    connection,
    namespace: 'default',
    taskQueue: opts.queue,
    activities: coreActivities(db),
    ...(!opts.bundleWorkflows && {
      workflowBundle: { code: fs.readFileSync(run.workflowBundlePath, 'utf8') },
    }),
    dataConverter: dataConverter(),
  });
  let running: Promise<void> | undefined;
  return {
    app,
    url,
    worker,
    connection,
    runWorker() {
      running = worker.run();
    },
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await db.destroy();
      await app.close();
    },
  };
}
