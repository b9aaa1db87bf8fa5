import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { temporalPlugins } from '@engine/observability/tracing';
import { processWorkerIdentity } from '@engine/temporal/worker-identity';
import {
  ProjectionActivitiesService,
  type FollowOptions,
  type ProjectionActivities,
} from '@engine/activities/projection/projection.activities';
import { projectionFeedSinks } from '@engine/activities/projection/projection-feeds';
import {
  NotificationActivitiesService,
  type NotificationActivities,
} from '@engine/activities/notifications/notification.activities';
import {
  StepRegistryActivitiesService,
  type RegistryActivities,
} from '@engine/activities/registry/step-registry.activities';

/** Every activity the core worker serves. */
export type CoreActivities = ProjectionActivities & RegistryActivities & NotificationActivities;

/** The core activities over one DataSource (for tests and scripts outside NestJS). */
export function coreActivities(
  dataSource: DataSource,
  opts: { follow?: Partial<FollowOptions> } = {},
): CoreActivities {
  const notifications = new NotificationActivitiesService(dataSource);
  const projection = new ProjectionActivitiesService(dataSource, notifications, opts.follow);
  const registry = new StepRegistryActivitiesService(dataSource);
  return {
    projectReview: projection.projectReview.bind(projection),
    deliverNotifications: notifications.deliverNotifications.bind(notifications),
    sendNotifications: notifications.sendNotifications.bind(notifications),
    recordStepTypes: registry.recordStepTypes.bind(registry),
  };
}

export const WORKFLOWS_PATH = require.resolve('../../../workflows');

/** Create the core worker: the review and workstream workflows plus the engine's activities. */
export async function createCoreWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: CoreActivities;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Payload encryption; the same converter as every client (see libs/temporal/src/codec). */
  dataConverter?: WorkerOptions['dataConverter'];
  /**
   * The identity the worker gives the server (recorded on every task it completes); this
   * process's default (`processWorkerIdentity`) otherwise.
   */
  identity?: string;
}): Promise<Worker> {
  const { projectReview, recordStepTypes, deliverNotifications, sendNotifications } =
    opts.activities;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: { projectReview, recordStepTypes, deliverNotifications, sendNotifications },
    dataConverter: opts.dataConverter,
    identity: opts.identity ?? processWorkerIdentity(),
    // The reviews' projection feeds, to this process's board, where its projections read them.
    sinks: projectionFeedSinks(),
    // Tracing, when on: its workflow interceptors are bundled with workflowsPath only.
    plugins: temporalPlugins(),
  });
}
