import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { environment } from '../../config/environment';
import { appendAudit } from '../../libs/persistence/src/audit/audit-chain';

/** One automated step kind as an agency worker declares it. */
export interface StepTypeDeclaration {
  kind: string;
  version: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

export interface StepTypeRegistration {
  agency: string;
  workerIdentity: string;
  steps: StepTypeDeclaration[];
}

export interface RegistryActivities {
  recordStepTypes(registration: StepTypeRegistration): Promise<string[]>;
}

/**
 * Records the step kinds an agency worker serves. A kind belongs to one agency: another agency
 * registering the same kind is refused, so a protocol's step cannot be hijacked by a second queue.
 */
@Injectable()
export class StepRegistryActivitiesService implements RegistryActivities {
  constructor(private readonly dataSource: DataSource) {}

  async recordStepTypes(registration: StepTypeRegistration): Promise<string[]> {
    const { agency, workerIdentity, steps } = registration;
    await this.dataSource.transaction(async (tx) => {
      for (const s of steps) {
        const rows: { agency: string }[] = await tx.query(
          `INSERT INTO step_types (kind, agency, version, description, input_schema, output_schema, worker_identity)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version, description = EXCLUDED.description,
             input_schema = EXCLUDED.input_schema, output_schema = EXCLUDED.output_schema,
             worker_identity = EXCLUDED.worker_identity, last_registered_at = now()
           WHERE step_types.agency = EXCLUDED.agency
           RETURNING agency`,
          [
            s.kind,
            agency,
            s.version,
            s.description ?? null,
            s.inputSchema ? JSON.stringify(s.inputSchema) : null,
            s.outputSchema ? JSON.stringify(s.outputSchema) : null,
            workerIdentity,
          ],
        );
        if (rows.length === 0) {
          throw ApplicationFailure.nonRetryable(
            `step kind "${s.kind}" is registered to another agency; ${agency} cannot register it`,
            'StepKindOwnedElsewhere',
          );
        }
      }
      await appendAudit(
        tx,
        [
          {
            actor: workerIdentity,
            role: 'agency-worker',
            action: 'step_types_registered',
            target: `agency:${agency}`,
            justification: null,
            details: { kinds: steps.map((s) => `${s.kind}@${s.version}`) },
          },
        ],
        { chained: environment().AUDIT_HASH_CHAIN },
      );
    });
    log.info('registered step types', { agency, kinds: steps.map((s) => s.kind) });
    return steps.map((s) => s.kind);
  }
}
