import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  serveWorkerHealth,
  type WorkerHealthServer,
} from '../../libs/temporal/src/worker-process/worker-health';
import { eventually } from '../support/harness';
import { apiClient } from '../support/http';
import { startOwnQueueStack, type OwnQueueStack } from '../support/own-queue-stack';

/**
 * Liveness and readiness of the API (PostgreSQL, Temporal, a core worker polling its queue) and
 * of a worker's own health endpoint, against the real dev server and database. The engine's
 * queue is unique to this file, so "no core worker yet" is a real state.
 */
describe('health', () => {
  const queue = `health-${randomUUID()}`;
  process.env.TEMPORAL_TASK_QUEUE = queue;
  let stack: OwnQueueStack;
  let url = '';
  const { get } = apiClient(() => url);
  let health: WorkerHealthServer;

  beforeAll(async () => {
    stack = await startOwnQueueStack({ queue });
    url = stack.url;
    health = await serveWorkerHealth({
      worker: stack.worker,
      connection: stack.connection,
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(async () => {
    await health?.close();
    await stack?.close();
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
    stack.runWorker();
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
    stack.worker.shutdown();
    await eventually(
      async () => (stack.worker.getState() === 'STOPPED' ? true : undefined),
      'the worker to stop',
    );
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
