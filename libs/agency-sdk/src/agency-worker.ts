import { NativeConnection, Worker } from '@temporalio/worker';
import { agencyTaskQueue } from '../../temporal/src/queues';
import { toActivity, type AssessmentStepDefinition } from './assessment-step';

export interface AgencyWorkerOptions {
  /** Agency code; the worker polls `agency-<code>`. */
  agency: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps: AssessmentStepDefinition<any>[];
  connection: NativeConnection;
  namespace?: string;
}

/**
 * A Temporal worker serving an agency's automated steps on its own task queue. It can run
 * anywhere that reaches Temporal; `worker.run()` resolves after a graceful shutdown (SIGINT or
 * SIGTERM, or `worker.shutdown()`), letting running steps finish or heartbeat their progress.
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
  });
}
