import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { environment } from '@engine/config/environment';

/** Temporal's side of readiness: the frontend answers, and a core worker polls the engine's queue. */
@Injectable()
export class TemporalHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(Client) private readonly client: Client,
  ) {}

  server() {
    return this.indicators
      .check('temporal')
      .attempt(async () => {
        await (this.client.connection as Connection).healthService.check({});
      })
      .withTimeout(3000);
  }

  /**
   * Pollers the server has seen on the core workflow queue recently: without one, reviews can be
   * started but nothing moves them.
   */
  corePollers() {
    const env = environment();
    return this.indicators
      .check('coreWorkers')
      .attempt(async () => {
        const { pollers } = await this.client.workflowService.describeTaskQueue({
          namespace: env.TEMPORAL_NAMESPACE,
          taskQueue: {
            name: env.TEMPORAL_TASK_QUEUE,
            kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        if (!pollers?.length) {
          throw new Error(`no worker polls the task queue ${env.TEMPORAL_TASK_QUEUE}`);
        }
        return { taskQueue: env.TEMPORAL_TASK_QUEUE, pollers: pollers.length };
      })
      .withTimeout(3000);
  }
}
