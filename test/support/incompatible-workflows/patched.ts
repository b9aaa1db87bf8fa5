/**
 * The same change as index.ts, made the supported way: behind `patched()`. Reviews recorded
 * before the change take the old path on replay, so the recorded histories still replay.
 */
import { patched, sleep } from '@temporalio/workflow';
import type {
  ReviewState,
  ReviewWorkflowInput,
} from '../../../libs/domain/src/review/review.types';
import { reviewWorkflow as current } from '../../../workflows/review.workflow';

export { workstreamWorkflow } from '../../../workflows/workstream.workflow';

export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewState> {
  if (patched('replay-guard-example-timer')) await sleep(1);
  return current(input);
}
