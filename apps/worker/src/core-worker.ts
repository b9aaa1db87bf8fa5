import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ProjectionActivities } from '@engine/activities/projection/projection.activities';

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

/** Create the core worker: the review and workstream workflows plus the engine's activities. */
export async function createCoreWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ProjectionActivities;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}): Promise<Worker> {
  const { projectReview } = opts.activities;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: { projectReview: projectReview.bind(opts.activities) },
  });
}
