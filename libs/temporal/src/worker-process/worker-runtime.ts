import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { EnvironmentVariables } from '../../../../config/environment';
import { reviewIdOfWorkflow } from '../queues';

const LEVELS = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const;

/**
 * Install the Temporal runtime of a worker process, before any connection is made: the SDK's and
 * the Rust core's logs go to `logger` (with the review id next to every workflow id), and the
 * SDK's own Prometheus metrics are served on WORKER_METRICS_PORT (0 = off). SIGINT and SIGTERM
 * start a graceful worker shutdown (the SDK's default).
 */
export function installWorkerRuntime(
  logger: Logger,
  env: Pick<EnvironmentVariables, 'WORKER_HOST' | 'WORKER_METRICS_PORT' | 'LOG_LEVEL'>,
): Runtime {
  const forward = (entry: LogEntry) => {
    const meta: Record<string, unknown> = { ...entry.meta };
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    const reviewId = workflowId && reviewIdOfWorkflow(workflowId);
    if (reviewId) meta.reviewId = reviewId;
    logger[LEVELS[entry.level]](meta, entry.message);
  };
  return Runtime.install({
    logger: new DefaultLogger(sdkLevel(env.LOG_LEVEL), forward),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(env.WORKER_METRICS_PORT > 0 && {
        metrics: {
          prometheus: { bindAddress: `${env.WORKER_HOST}:${env.WORKER_METRICS_PORT}` },
        },
      }),
    },
  });
}

function sdkLevel(level: EnvironmentVariables['LOG_LEVEL']): LogEntry['level'] {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    default:
      return 'ERROR';
  }
}
