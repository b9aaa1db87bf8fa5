import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { environment } from '../../config/environment';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewIntake, ReviewState } from '../../libs/domain/src/review/review.types';
import { ENGINE_VERSION, reviewStateQuery } from '../../workflows/definitions';
import type { reviewWorkflow } from '../../workflows/review.workflow';
import { IntakeFactory } from './factories';
import { eventually } from './harness';

export type ReviewHandle = WorkflowHandle<typeof reviewWorkflow>;

/** Start a review workflow directly (the API does the same after validating an intake). */
export async function startReview(
  client: Client,
  protocol: Protocol,
  opts: {
    intake?: Partial<ReviewIntake>;
    nonBusinessDates?: string[];
    continueAsNewAfterEvents?: number;
    /** `ENGINE_VERSION` unless given; null leaves it out, as reviews started before it were. */
    engineVersion?: number | null;
  } = {},
): Promise<ReviewHandle> {
  const reviewId = randomUUID();
  return client.workflow.start<typeof reviewWorkflow>('reviewWorkflow', {
    workflowId: `review-${reviewId}`,
    taskQueue: environment().TEMPORAL_TASK_QUEUE,
    args: [
      {
        reviewId,
        protocol,
        intake: IntakeFactory.build(opts.intake),
        nonBusinessDates: opts.nonBusinessDates ?? [],
        submittedBy: { id: 'dana@example.com' },
        continueAsNewAfterEvents: opts.continueAsNewAfterEvents,
        ...(opts.engineVersion === null
          ? {}
          : { engineVersion: opts.engineVersion ?? ENGINE_VERSION }),
      },
    ],
  });
}

export const stateOf = (h: ReviewHandle): Promise<ReviewState> => h.query(reviewStateQuery);

/** Wait until the review's live state satisfies `predicate`. */
export function waitForState(
  h: ReviewHandle,
  predicate: (s: ReviewState) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<ReviewState> {
  return eventually(
    async () => {
      const s = await stateOf(h);
      return predicate(s) ? s : undefined;
    },
    what,
    timeoutMs,
  );
}

export const stepOf = (s: ReviewState, agency: string, stepId: string) =>
  s.workstreams.find((w) => w.agency === agency)!.steps.find((x) => x.stepId === stepId)!;

/** Expect an update to be rejected by its validator with a message matching `pattern`. */
export async function expectRejected(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error(`expected a rejection matching ${pattern}, but the update succeeded`);
  const e = err as { message?: string; cause?: { message?: string } };
  expect(`${e.message} ${e.cause?.message ?? ''}`).toMatch(pattern);
}
