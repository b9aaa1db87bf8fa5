/**
 * A deliberately incompatible copy of the workflow bundle, for the replay guard in
 * test/integration/replay.test.ts: the review starts with a timer before anything else, a change
 * of command order made without `patched()`. Replaying a recorded review against it must fail.
 */
import { sleep } from '@temporalio/workflow';
import type {
  ReviewState,
  ReviewWorkflowInput,
} from '../../../libs/domain/src/review/review.types';
import { reviewWorkflow as current } from '../../../workflows/review.workflow';

export { workstreamWorkflow } from '../../../workflows/workstream.workflow';

export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewState> {
  await sleep(1);
  return current(input);
}
