import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { environment } from '@engine/config/environment';
import { createWorkerConnection, dataConverter, temporalTarget } from '@engine/temporal';
import { ProjectionActivitiesService } from '@engine/activities/projection/projection.activities';
import { StepRegistryActivitiesService } from '@engine/activities/registry/step-registry.activities';
import { createCoreWorker } from './core-worker';
import { WorkerModule } from './worker.module';

/** Core worker: runs until SIGINT/SIGTERM, then drains in-flight tasks and exits. */
async function main(): Promise<void> {
  const env = environment();
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: ['error', 'warn', 'log'],
  });
  const connection = await createWorkerConnection();
  try {
    const worker = await createCoreWorker({
      connection,
      namespace: temporalTarget().namespace,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      dataConverter: dataConverter(),
      activities: {
        projectReview: (b) => app.get(ProjectionActivitiesService).projectReview(b),
        recordStepTypes: (r) => app.get(StepRegistryActivitiesService).recordStepTypes(r),
      },
    });
    process.stdout.write(`worker polling ${env.TEMPORAL_TASK_QUEUE} at ${env.TEMPORAL_ADDRESS}\n`);
    // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown; run() resolves after it.
    await worker.run();
  } finally {
    await connection.close();
    await app.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
