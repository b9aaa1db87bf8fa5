import { condition, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

/** One agency's steps: a DAG of activities on the agency's task queue. */
export interface MinimalWorkstream {
  agency: string;
  taskQueue: string;
  steps: { id: string; activity: string; dependsOn: string[] }[];
}

export interface MinimalReviewInput {
  workstreams: MinimalWorkstream[];
  /** The assessment window: a timer racing the workstreams, as the engine's deadline does. */
  windowMs: number;
  /** Deadlines of the stages after the assessment, each a timer that the work beats. */
  stageDeadlineMs: number;
  stagesAfterAssessment: number;
}

const { recordOutcome } = proxyActivities<{ recordOutcome(outcome: string): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
});

/**
 * The benchmark's baseline: the default protocol's shape written directly against Temporal,
 * with nothing of the engine — one child workflow per agency running the same activities, the
 * same stage timers, one activity to record the outcome. No read model, audit, search
 * attributes, deadlines, escalations or progress signals.
 */
export async function minimalReviewWorkflow(input: MinimalReviewInput): Promise<string> {
  const id = workflowInfo().workflowId;
  let settled = 0;
  const children = input.workstreams.map((ws) =>
    executeChild(minimalWorkstreamWorkflow, { workflowId: `${id}-ws-${ws.agency}`, args: [ws] }),
  );
  const all = Promise.all(children).then((r) => {
    settled = r.length;
    return r;
  });
  const inTime = await condition(() => settled === children.length, input.windowMs);
  if (!inTime) return 'lapsed';
  const findings = (await all).flat();
  for (let stage = 0; stage < input.stagesAfterAssessment; stage++) {
    await condition(() => true, input.stageDeadlineMs);
  }
  const outcome = findings.every((f) => f === 'low') ? 'no_concerns' : 'mitigations_recommended';
  await recordOutcome(outcome);
  return outcome;
}

/** One agency's workstream: each step's activity once its dependencies are done. */
export async function minimalWorkstreamWorkflow(ws: MinimalWorkstream): Promise<string[]> {
  const acts = proxyActivities<Record<string, () => Promise<{ riskLevel: string }>>>({
    taskQueue: ws.taskQueue,
    startToCloseTimeout: '10 seconds',
  });
  const done = new Map<string, string>();
  const run = async (step: MinimalWorkstream['steps'][number]): Promise<void> => {
    await condition(() => step.dependsOn.every((d) => done.has(d)));
    done.set(step.id, (await acts[step.activity]()).riskLevel);
  };
  await Promise.all(ws.steps.map(run));
  return [...done.values()];
}
