import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type {
  RegistryActivities,
  StepTypeRegistration,
} from '../activities/registry/step-registry.activities';

const { recordStepTypes } = proxyActivities<RegistryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/**
 * An agency worker announces its automated step kinds through Temporal (it may reach nothing
 * else of the engine); the engine records them in the step registry.
 */
export async function registerStepTypesWorkflow(
  registration: StepTypeRegistration,
): Promise<string[]> {
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(registration.agency)) {
    throw ApplicationFailure.nonRetryable(`agency: "${registration.agency}" is not an agency code`);
  }
  // A kind is named after the agency that owns it (`caisi.ctf-evaluation`).
  const foreign = registration.steps.filter((s) => !s.kind.startsWith(`${registration.agency}.`));
  if (foreign.length) {
    throw ApplicationFailure.nonRetryable(
      `steps: ${foreign.map((s) => s.kind).join(', ')} must be named ${registration.agency}.<step>`,
    );
  }
  return recordStepTypes(registration);
}
