import { proxyActivities } from '@temporalio/workflow';
import type { ProjectionActivities } from '../activities/projection/projection.activities';
import type { ProjectionBatch } from '../libs/domain/src/review/review.types';

const { projectReview } = proxyActivities<ProjectionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * An operator's rebuild of one review's read model: runs the review's own projection activity
 * with the state the operator read from the review workflow (and the timeline events recovered
 * from its history). Short-lived; started by the API's ops module.
 */
export async function rebuildReadModelWorkflow(batch: ProjectionBatch): Promise<number> {
  await projectReview(batch);
  return batch.events.length;
}
