import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DataSource } from 'typeorm';
import { StepTypeEntity } from '@engine/persistence';
import { environment } from '@engine/config/environment';
import { agencyTaskQueue } from '@engine/temporal';
import type { Protocol } from '@engine/domain/protocol/protocol.types';
import type { FieldError } from '../common/domain.exception';

export interface QueueLiveness {
  agency: string;
  taskQueue: string;
  pollers: { identity: string; lastAccessTime?: string }[];
  live: boolean;
}

/** The step registry and the liveness of each agency's task queue. */
@Injectable()
export class RegistryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  stepTypes(): Promise<StepTypeEntity[]> {
    return this.db.getRepository(StepTypeEntity).find({ order: { agency: 'ASC', kind: 'ASC' } });
  }

  /** Every automated step of the protocol whose kind no agency worker has registered. */
  async unregisteredSteps(protocol: Protocol): Promise<FieldError[]> {
    const kinds = new Set((await this.stepTypes()).map((s) => s.kind));
    const problems: FieldError[] = [];
    for (const ws of protocol.workstreams ?? []) {
      (ws.steps ?? []).forEach((step, i) => {
        if (step.kind === 'automated' && step.stepType && !kinds.has(step.stepType)) {
          problems.push({
            field: `workstreams.${ws.agency}.steps[${i}].stepType`,
            message: `step kind "${step.stepType}" is not registered by any agency worker`,
          });
        }
      });
    }
    return problems;
  }

  /** Pollers on an agency's activity task queue, as the Temporal server sees them. */
  async liveness(agency: string): Promise<QueueLiveness> {
    const taskQueue = agencyTaskQueue(agency);
    const response = await this.temporal.workflowService.describeTaskQueue({
      namespace: environment().TEMPORAL_NAMESPACE,
      taskQueue: {
        name: taskQueue,
        kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    const pollers = (response.pollers ?? []).map((p) => ({
      identity: p.identity ?? 'unknown',
      lastAccessTime: p.lastAccessTime?.seconds
        ? new Date(Number(p.lastAccessTime.seconds) * 1000).toISOString()
        : undefined,
    }));
    return { agency, taskQueue, pollers, live: pollers.length > 0 };
  }

  async agencies(): Promise<string[]> {
    const rows: { code: string }[] = await this.db.query(
      `SELECT code FROM agencies UNION SELECT agency FROM step_types ORDER BY 1`,
    );
    return rows.map((r) => r.code);
  }
}
