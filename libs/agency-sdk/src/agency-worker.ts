import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporalPlugins } from '../../observability/src/tracing';
import { dataConverter } from '../../temporal/src/connection';
import { agencyTaskQueue } from '../../temporal/src/queues';
import { MAX_KEEP_ALIVE_MS, toActivity, type AssessmentStepDefinition } from './assessment-step';

export interface AgencyWorkerOptions {
  /** Agency code; the worker polls `agency-<code>`. */
  agency: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps: AssessmentStepDefinition<any>[];
  connection: NativeConnection;
  namespace?: string;
  /**
   * How payloads are encoded; it must match the engine's, or the worker cannot read its steps'
   * inputs. Defaults to the engine's converter: AES-256-GCM with `PAYLOAD_CODEC_KEYS` when set.
   */
  dataConverter?: DataConverter;
}

/**
 * A Temporal worker serving an agency's automated steps on its own task queue. It can run
 * anywhere that reaches Temporal; `worker.run()` resolves after a graceful shutdown (SIGINT or
 * SIGTERM, or `worker.shutdown()`). Steps still running at shutdown see `ctx.signal` abort; the
 * next attempt (on any worker of the agency) resumes from the last heartbeat Temporal recorded.
 * While a step runs, heartbeats reach Temporal about every 5 s, so a withdrawal aborts `ctx.signal`
 * within about that long.
 */
export async function createAgencyWorker(opts: AgencyWorkerOptions): Promise<Worker> {
  const kinds = new Set<string>();
  const activities: Record<string, ReturnType<typeof toActivity>> = {};
  for (const step of opts.steps) {
    if (kinds.has(step.kind)) throw new Error(`steps: step kind "${step.kind}" is defined twice`);
    kinds.add(step.kind);
    activities[step.kind] = toActivity(step);
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: agencyTaskQueue(opts.agency),
    activities,
    dataConverter: opts.dataConverter ?? dataConverter(),
    // The worker passes heartbeats on at most this often (by default 0.8 x heartbeatTimeout, or
    // 30 s without one); matching the keep-alive cadence is what makes cancellation prompt.
    maxHeartbeatThrottleInterval: MAX_KEEP_ALIVE_MS,
    defaultHeartbeatThrottleInterval: MAX_KEEP_ALIVE_MS,
    plugins: temporalPlugins(), // tracing, when the process turned it on
  });
}
