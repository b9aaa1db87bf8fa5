import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { environment } from '@engine/config/environment';
import { createLogger, startTracing } from '@engine/observability';
import { dataConverter, temporalTarget } from '@engine/temporal';
import { runWorkerProcess } from '@engine/temporal/worker-process';
import { ProjectionActivitiesService } from '@engine/activities/projection/projection.activities';
import { StepRegistryActivitiesService } from '@engine/activities/registry/step-registry.activities';
import { NotificationActivitiesService } from '@engine/activities/notifications/notification.activities';
import { createCoreWorker } from './core-worker';
import { WorkerModule } from './worker.module';

/** Core worker: runs until SIGINT/SIGTERM, then drains in-flight tasks and exits 0. */
async function main(): Promise<void> {
  const env = environment();
  const logger = createLogger('worker');
  const tracing = startTracing('review-engine-worker'); // off unless OTEL_EXPORTER_OTLP_ENDPOINT
  const app = await NestFactory.createApplicationContext(WorkerModule.forLogger(logger), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestPinoLogger));
  try {
    await runWorkerProcess({
      logger,
      createWorker: (connection) =>
        createCoreWorker({
          connection,
          namespace: temporalTarget().namespace,
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          dataConverter: dataConverter(),
          workflowBundle: env.WORKFLOW_BUNDLE_PATH
            ? { codePath: env.WORKFLOW_BUNDLE_PATH }
            : undefined,
          activities: {
            projectReview: (b) => app.get(ProjectionActivitiesService).projectReview(b),
            recordStepTypes: (r) => app.get(StepRegistryActivitiesService).recordStepTypes(r),
            deliverNotifications: (b) =>
              app.get(NotificationActivitiesService).deliverNotifications(b),
            sendNotifications: (p) => app.get(NotificationActivitiesService).sendNotifications(p),
          },
        }),
    });
  } finally {
    await app.close();
    await tracing?.shutdown();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
