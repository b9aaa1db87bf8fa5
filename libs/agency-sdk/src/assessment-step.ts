import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  AutomatedStepInput,
  AutomatedStepResult,
} from '../../../workflows/workstream.workflow';

export type { AutomatedStepInput, AutomatedStepResult };

/** What a step's `run` receives besides its input. */
export interface AssessmentStepContext<P = unknown> {
  /** Report progress; it is also what a restarted attempt resumes from (`resumeFrom`). */
  heartbeat(progress: P): void;
  /** Progress recorded by the previous attempt of this step, if it was interrupted. */
  resumeFrom: P | undefined;
  /** Aborted when the review is withdrawn or the step is cancelled; pass it to fetch(). */
  signal: AbortSignal;
  /** Structured logger; never log `access.apiKey`. */
  log: typeof log;
  attempt: number;
}

export interface AssessmentStepDefinition<P = unknown> {
  /** The step type a protocol names (`stepType`), e.g. `caisi.ctf-evaluation`. */
  kind: string;
  version: string;
  description?: string;
  /** JSON Schema of `input.parameters` and of the result; published in the step registry. */
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  run(ctx: AssessmentStepContext<P>, input: AutomatedStepInput): Promise<AutomatedStepResult>;
}

/**
 * A failure of the assessment itself (bad endpoint answer, unusable model, malformed step
 * parameters): the step fails at once, without retries. Any other error is retried by the
 * protocol step's retry policy.
 */
export class AssessmentDomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssessmentDomainError';
  }
}

/** Declare an automated assessment step an agency worker serves. */
export function defineAssessmentStep<P = unknown>(
  def: AssessmentStepDefinition<P>,
): AssessmentStepDefinition<P> {
  if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/.test(def.kind)) {
    throw new Error(
      `kind: "${def.kind}" must look like <agency>.<step>, e.g. caisi.ctf-evaluation`,
    );
  }
  return def;
}

/** Wrap a step as a Temporal activity: context, heartbeats, typed non-retryable failures. */
export function toActivity<P>(
  def: AssessmentStepDefinition<P>,
): (input: AutomatedStepInput) => Promise<AutomatedStepResult> {
  return async (input) => {
    const ctx = Context.current();
    const context: AssessmentStepContext<P> = {
      heartbeat: (progress) => ctx.heartbeat(progress),
      resumeFrom: ctx.info.heartbeatDetails as P | undefined,
      signal: ctx.cancellationSignal,
      log,
      attempt: ctx.info.attempt,
    };
    try {
      return await def.run(context, input);
    } catch (err) {
      // By name too: an agency may bundle its own copy of the SDK, which breaks instanceof.
      if (
        err instanceof AssessmentDomainError ||
        (err instanceof Error && err.name === 'AssessmentDomainError')
      ) {
        throw ApplicationFailure.nonRetryable(err.message, 'AssessmentDomainError');
      }
      throw err;
    }
  };
}
