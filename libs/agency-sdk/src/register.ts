import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { StepTypeDeclaration } from '../../../activities/registry/step-registry.activities';
import type { AssessmentStepDefinition } from './assessment-step';

/** The engine's core task queue, where the registration workflow runs. */
export const ENGINE_TASK_QUEUE = 'review-engine';

/**
 * Register an agency's automated step kinds with the engine (kind, version, schemas), through
 * Temporal alone. A protocol can only be published once every automated step it names is
 * registered. Resolves with the kinds recorded; rejects when a kind belongs to another agency.
 */
export async function registerStepTypes(opts: {
  client: Client;
  agency: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps: AssessmentStepDefinition<any>[];
  identity?: string;
  engineTaskQueue?: string;
}): Promise<string[]> {
  const steps: StepTypeDeclaration[] = opts.steps.map((s) => ({
    kind: s.kind,
    version: s.version,
    description: s.description,
    inputSchema: s.inputSchema,
    outputSchema: s.outputSchema,
  }));
  return opts.client.workflow.execute('registerStepTypesWorkflow', {
    taskQueue: opts.engineTaskQueue ?? ENGINE_TASK_QUEUE,
    workflowId: `step-registry-${opts.agency}-${Date.now()}`,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [
      {
        agency: opts.agency,
        workerIdentity: opts.identity ?? `agency-worker:${opts.agency}`,
        steps,
      },
    ],
  });
}
