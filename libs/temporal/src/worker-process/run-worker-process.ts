import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { environment, type EnvironmentVariables } from '../../../../config/environment';
import { createWorkerConnection } from '../connection';
import { serveWorkerHealth } from './worker-health';
import { installWorkerRuntime } from './worker-runtime';

/**
 * The life of a worker process: install the runtime (logs to `logger`, SDK metrics), connect,
 * create the worker, serve its health endpoint, and run until SIGINT/SIGTERM. On a signal the
 * worker stops polling, lets in-flight tasks finish (activities see cancellation after the
 * shutdown grace time) and `run()` resolves; then everything is closed and this resolves, so the
 * process can exit 0.
 */
export async function runWorkerProcess(opts: {
  logger: Logger;
  createWorker: (connection: NativeConnection) => Promise<Worker>;
  /** Started once the worker runs; the returned function is awaited before connections close. */
  whileRunning?: (worker: Worker) => () => Promise<void>;
  env?: EnvironmentVariables;
}): Promise<void> {
  const env = opts.env ?? environment();
  const { logger } = opts;
  installWorkerRuntime(logger, env);
  const connection = await createWorkerConnection();
  try {
    const worker = await opts.createWorker(connection);
    const health = await serveWorkerHealth({
      worker,
      connection,
      host: env.WORKER_HOST,
      port: env.WORKER_HEALTH_PORT,
    });
    const running = worker.run();
    const stopAlongside = opts.whileRunning?.(worker);
    logger.info(
      {
        taskQueue: worker.options.taskQueue,
        namespace: worker.options.namespace,
        temporal: env.TEMPORAL_ADDRESS,
        health: `http://${env.WORKER_HOST}:${health.port}/health/ready`,
        metrics:
          env.WORKER_METRICS_PORT > 0
            ? `http://${env.WORKER_HOST}:${env.WORKER_METRICS_PORT}/metrics`
            : 'off',
      },
      `worker polling ${worker.options.taskQueue}`,
    );
    try {
      await running;
    } finally {
      await stopAlongside?.();
      await health.close();
    }
    logger.info({ taskQueue: worker.options.taskQueue }, 'worker drained and stopped');
  } finally {
    await connection.close();
  }
}
