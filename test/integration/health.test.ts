import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { coreActivities, createCoreWorker } from '../../apps/worker/src/core-worker';
import { dataSourceOptions } from '../../libs/persistence/src/data-source';
import { dataConverter } from '../../libs/temporal/src/connection';
import {
  serveWorkerHealth,
  type WorkerHealthServer,
} from '../../libs/temporal/src/worker-process/worker-health';
import { eventually } from '../support/harness';
import { apiClient } from '../support/http';
import { readTestRun } from '../support/test-run';

/**
 * Liveness and readiness of the API (PostgreSQL, Temporal, a core worker polling its queue) and
 * of a worker's own health endpoint, against the real dev server and database. The engine's
 * queue is unique to this file, so "no core worker yet" is a real state.
 */
describe('health', () => {
  const queue = `health-${randomUUID()}`;
  process.env.TEMPORAL_TASK_QUEUE = queue;
  const run = readTestRun();
  let app: NestFastifyApplication;
  let url = '';
  const { get } = apiClient(() => url);
  let db: DataSource;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void> | undefined;
  let health: WorkerHealthServer;

  beforeAll(async () => {
    const { createApiApp } = await import('../../apps/api/src/create-api-app');
    app = await createApiApp({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    db = new DataSource({ ...dataSourceOptions(run.databaseUrl), logging: false });
    await db.initialize();
    connection = await NativeConnection.connect({ address: run.temporalAddress });
    worker = await createCoreWorker({
      connection,
      namespace: 'default',
      taskQueue: queue,
      activities: coreActivities(db),
      workflowBundle: { code: fs.readFileSync(run.workflowBundlePath, 'utf8') },
      dataConverter: dataConverter(),
    });
    health = await serveWorkerHealth({ worker, connection, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await health?.close();
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await db?.destroy();
    await app?.close();
  });

  const workerHealth = (path: string) => fetch(`http://127.0.0.1:${health.port}${path}`);

  it('API: live at once; not ready while no core worker polls, naming what is missing', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as Record<string, Record<string, Record<string, unknown>>>;
    expect(body.status).toBe('error');
    expect(body.info.database.status).toBe('up');
    expect(body.info.temporal.status).toBe('up');
    expect(body.error.coreWorkers).toMatchObject({
      status: 'down',
      message: expect.stringContaining(`no worker polls the task queue ${queue}`),
    });
    // The worker exists but does not run yet: its own endpoint says so.
    expect((await workerHealth('/health/ready')).status).toBe(503);
  });

  it('API and worker: ready once the core worker runs', async () => {
    running = worker.run();
    const body = await eventually(async () => {
      const res = await get('/health/ready');
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, 'API readiness');
    expect(body).toMatchObject({
      status: 'ok',
      info: { coreWorkers: { status: 'up', taskQueue: queue, pollers: expect.any(Number) } },
    });
    // `/health` is readiness too (what `npm start` waits for).
    expect((await get('/health')).status).toBe(200);

    const ready = await workerHealth('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      details: { worker: { status: 'up', state: 'RUNNING' }, temporal: { status: 'up' } },
    });
  });

  it('worker: after a graceful shutdown it is no longer ready but still live', async () => {
    worker.shutdown();
    await running;
    const ready = await workerHealth('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'error',
      error: { worker: { status: 'down', state: 'STOPPED' } },
    });
    expect((await workerHealth('/health/live')).status).toBe(200);
    expect((await workerHealth('/nope')).status).toBe(404);
  });
});
