/** The task queue an agency's own worker polls for its automated steps. */
export function agencyTaskQueue(agencyCode: string): string {
  return `agency-${agencyCode}`;
}

/** Workflow id of a review: one per review, so Temporal itself rejects a duplicate start. */
export function reviewWorkflowId(reviewId: string): string {
  return `review-${reviewId}`;
}

/** Workflow id of one agency's workstream within a review. */
export function workstreamWorkflowId(reviewId: string, agencyCode: string): string {
  return `review-${reviewId}-ws-${agencyCode}`;
}

/** The review a workflow id belongs to (a review's or one of its workstreams'), if any. */
export function reviewIdOfWorkflow(workflowId: string): string | undefined {
  return /^review-(.+?)(?:-ws-[a-z0-9-]+)?$/.exec(workflowId)?.[1];
}
