import {
  ActivityFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type {
  ProtocolStep,
  RiskLevel,
  MarkingLevel,
} from '../libs/domain/src/protocol/protocol.types';
import type {
  AccessArrangement,
  ArtifactRecord,
  Finding,
  StepState,
} from '../libs/domain/src/review/review.types';
import { parseIsoDuration } from '../libs/domain/src/clock/iso-duration';
import { rationaleRequired } from '../libs/domain/src/consolidation/consolidation';
import {
  repairStepUpdate,
  submitFindingUpdate,
  workstreamProgressSignal,
  workstreamStateQuery,
  type RepairStepInput,
  type SubmitFindingInput,
  type WorkstreamProgress,
} from './definitions';

export interface WorkstreamInput {
  reviewId: string;
  parentWorkflowId: string;
  agency: string;
  taskQueue: string;
  steps: ProtocolStep[];
  riskLevels: RiskLevel[];
  rationaleRequiredFrom: RiskLevel;
  model: { name: string; version: string; safeguardsVariant?: string };
  access: AccessArrangement;
  /**
   * Set by a review running engine v2 (see the review workflow): every change that older
   * workstreams took up one by one behind `patched()` applies, without recording a marker each,
   * and the steps that open at once take `startedAt`, the time the parent opened them too. From 4
   * on, progress that only automated steps made is held for `PROGRESS_HOLD` before it is reported.
   */
  engineVersion?: number;
  startedAt?: string;
}

/**
 * Engine v4: how long a workstream holds progress that needs nobody's attention before it reports
 * it to the review (see the workstream workflow).
 */
export const PROGRESS_HOLD = '3 seconds';

/** What an agency's automated step receives (see libs/agency-sdk). */
export interface AutomatedStepInput {
  reviewId: string;
  agency: string;
  stepId: string;
  parameters: Record<string, unknown>;
  model: WorkstreamInput['model'];
  access: AccessArrangement;
}

/** What an agency's automated step returns. */
export interface AutomatedStepResult {
  riskLevel: RiskLevel;
  summary: string;
  rationale?: string;
  metrics?: Record<string, number>;
  marking?: MarkingLevel;
  /** Attached with the SDK's `ctx.attachArtifact`; copied onto the finding. */
  artifacts?: ArtifactRecord[];
}

export interface WorkstreamResult {
  agency: string;
  findings: Finding[];
  steps: StepState[];
}

/** Classified content never enters the engine, even from a worker that skipped the SDK's checks. */
const keepable = (a: ArtifactRecord): ArtifactRecord => {
  if (a.marking !== 'CLASSIFIED') return a;
  const { contentBase64: _dropped, ...reference } = a;
  return reference;
};

/**
 * One agency's work in one review: its steps run as a DAG (a step opens once every step it
 * depends on is done or skipped). Automated steps are activities on the agency's own task queue,
 * served by the agency's worker; manual steps wait for a validated `submitFinding` update. Every
 * change is reported to the parent review, which owns deadlines and the read model.
 */
export async function workstreamWorkflow(input: WorkstreamInput): Promise<WorkstreamResult> {
  // Engine v2 (decided by the parent, carried in the input so replay sees the same answer).
  const v2 = (input.engineVersion ?? 0) >= 2;
  const isPatched = (id: string) => v2 || patched(id);
  // v2: the steps that wait for nothing are open from the start, before any handler is set, so
  // a finding delivered with the workflow's first task finds its step open, as the parent
  // (which opened it too) has already said.
  const openAtStart = (s: ProtocolStep) => v2 && s.dependsOn.length === 0;
  const steps: StepState[] = input.steps.map((s) => ({
    agency: input.agency,
    stepId: s.id,
    title: s.title,
    kind: s.kind,
    domain: s.domain,
    dependsOn: s.dependsOn,
    status: openAtStart(s) ? 'open' : 'blocked',
    ...(openAtStart(s) ? { openedAt: input.startedAt ?? new Date().toISOString() } : {}),
  }));
  const specOf = (id: string) => input.steps.find((s) => s.id === id)!;
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  let status: WorkstreamProgress['status'] = 'running';
  let dirty = true;

  const progress = (): WorkstreamProgress => ({ agency: input.agency, status, steps });
  setHandler(workstreamStateQuery, progress);

  // What the review last heard of each step: its status and its last repair. At the start, what
  // it opened itself (v2: the steps that wait for nothing, automated ones as running), taken
  // before the handlers are set: a finding or a repair delivered with this workflow's first task
  // runs as its handler is set, and the review has not heard of it.
  const heard = new Map<string, { status: StepState['status']; repair: number }>();
  const hear = () => {
    for (const s of steps) heard.set(s.stepId, { status: s.status, repair: s.lastRepair?.n ?? 0 });
  };
  for (const s of steps)
    heard.set(s.stepId, {
      status: s.kind === 'automated' && s.status === 'open' ? 'running' : s.status,
      repair: 0,
    });
  const heardAll = () =>
    steps.every((s) => {
      const last = heard.get(s.stepId)!;
      return s.status === last.status && (s.lastRepair?.n ?? 0) === last.repair;
    });

  // Defined before the handlers: an update delivered with the first task runs as soon as its
  // handler is set.
  const toFinding = (step: StepState, f: SubmitFindingInput): Finding => {
    const marking = specOf(step.stepId).marking ?? 'CUI';
    return {
      agency: input.agency,
      stepId: step.stepId,
      domain: step.domain,
      riskLevel: f.riskLevel,
      // Classified content never enters the engine: keep the reference only.
      summary: marking === 'CLASSIFIED' ? '[classified: see reference]' : f.summary,
      rationale: marking === 'CLASSIFIED' ? undefined : f.rationale,
      reference: f.reference,
      marking,
      submittedBy: f.actor.id,
      submittedAt: new Date().toISOString(),
      ...(f.request ? { request: f.request } : {}),
    };
  };

  setHandler(
    submitFindingUpdate,
    (finding: SubmitFindingInput) => {
      const step = steps.find((s) => s.stepId === finding.stepId)!;
      step.status = 'done';
      step.completedAt = new Date().toISOString();
      step.finding = toFinding(step, finding);
      dirty = true;
      return step;
    },
    {
      validator: (finding: SubmitFindingInput) => {
        const step = steps.find((s) => s.stepId === finding.stepId);
        if (!step)
          throw new Error(`stepId: no step "${finding.stepId}" in the ${input.agency} workstream`);
        if (step.kind !== 'manual')
          throw new Error(
            `stepId: step "${step.stepId}" is automated; its finding comes from the agency worker`,
          );
        if (step.status !== 'open')
          throw new Error(`stepId: step "${step.stepId}" is ${step.status}, not open`);
        if (step.assignee?.analyst && finding.actor?.id !== step.assignee.analyst)
          throw new Error(
            `actor.id: step "${step.stepId}" is assigned to ${step.assignee.analyst}`,
          );
        if (step.assignee?.agency && finding.actor?.agency !== step.assignee.agency)
          throw new Error(
            `actor.agency: step "${step.stepId}" is assigned to the ${step.assignee.agency} agency`,
          );
        if (!input.riskLevels.includes(finding.riskLevel)) {
          throw new Error(`riskLevel: must be one of ${input.riskLevels.join(', ')}`);
        }
        if (!finding.summary?.trim()) throw new Error('summary: must not be empty');
        if (
          rationaleRequired(finding.riskLevel, input.rationaleRequiredFrom) &&
          !finding.rationale?.trim()
        ) {
          throw new Error(
            `rationale: a written rationale is required for a ${finding.riskLevel} finding`,
          );
        }
        if (!finding.actor?.id) throw new Error('actor.id: the acting user is required');
        // Defence in depth behind the API's policy: only the agency's own people write here.
        if (finding.actor.agency !== input.agency) {
          throw new Error(`actor.agency: only ${input.agency} records findings in its workstream`);
        }
        if (specOf(step.stepId).marking === 'CLASSIFIED' && !finding.reference?.trim()) {
          throw new Error('reference: a classified finding is recorded as a reference only');
        }
      },
    },
  );

  // Each run of a step gets a generation: a run that an operator abandoned (skip, reassign)
  // leaves the step alone when its activity finally returns.
  const generations = new Map<string, number>();
  const scopes = new Map<string, CancellationScope>();
  const runAutomated = async (step: StepState): Promise<void> => {
    const spec = specOf(step.stepId);
    const generation = (generations.get(step.stepId) ?? 0) + 1;
    generations.set(step.stepId, generation);
    const superseded = () => generations.get(step.stepId) !== generation;
    const taskQueue = step.assignee?.agency ? `agency-${step.assignee.agency}` : input.taskQueue;
    const activities = proxyActivities<
      Record<string, (i: AutomatedStepInput) => Promise<AutomatedStepResult>>
    >({
      taskQueue,
      startToCloseTimeout: spec.startToCloseTimeout
        ? parseIsoDuration(spec.startToCloseTimeout)
        : '1 hour',
      heartbeatTimeout: spec.heartbeatTimeout ? parseIsoDuration(spec.heartbeatTimeout) : undefined,
      // Added after reviews were already running: histories recorded before keep replaying.
      scheduleToStartTimeout: isPatched('no-poller-timeout')
        ? parseIsoDuration(spec.noPollerTimeout ?? 'PT1H')
        : undefined,
      retry: {
        maximumAttempts: spec.retry?.maximumAttempts ?? 3,
        initialInterval: spec.retry?.initialInterval
          ? parseIsoDuration(spec.retry.initialInterval)
          : '1 second',
        backoffCoefficient: spec.retry?.backoffCoefficient ?? 2,
      },
    });
    step.status = 'running';
    dirty = true;
    const args: AutomatedStepInput = {
      reviewId: input.reviewId,
      agency: input.agency,
      stepId: step.stepId,
      parameters: spec.parameters ?? {},
      model: input.model,
      access: input.access,
    };
    // Steps started since operators can repair them run in their own scope, so a skip or a
    // reassignment cancels the abandoned activity; earlier histories keep their commands.
    const scope = isPatched('ops-step-repair') ? new CancellationScope() : undefined;
    if (scope) scopes.set(step.stepId, scope);
    const call = () => activities[spec.stepType!](args);
    for (;;) {
      try {
        const result = scope ? await scope.run(call) : await call();
        if (superseded()) return;
        // An agency's result is checked like an analyst's finding: a bad one fails the step on record.
        const problem = !input.riskLevels.includes(result?.riskLevel)
          ? `riskLevel "${String(result?.riskLevel)}" is not one of ${input.riskLevels.join(', ')}`
          : !result.summary?.trim()
            ? 'summary is empty'
            : rationaleRequired(result.riskLevel, input.rationaleRequiredFrom) &&
                !result.rationale?.trim()
              ? `a ${result.riskLevel} result needs a rationale`
              : undefined;
        if (problem) {
          step.status = 'failed';
          step.failure = `the agency worker returned an invalid result: ${problem}`;
          break;
        }
        step.status = 'done';
        step.stalled = undefined;
        step.completedAt = new Date().toISOString();
        step.finding = {
          agency: input.agency,
          stepId: step.stepId,
          domain: step.domain,
          riskLevel: result.riskLevel,
          summary: result.summary,
          rationale: result.rationale,
          metrics: result.metrics,
          ...(result.artifacts?.length ? { artifacts: result.artifacts.map(keepable) } : {}),
          marking: result.marking ?? spec.marking ?? 'CUI',
          submittedBy: `worker:${input.taskQueue}`,
          submittedAt: step.completedAt,
        };
        break;
      } catch (err) {
        // Withdrawn: the workflow's own cancellation marks the step. Rethrowing here would reject
        // a promise nothing awaits, failing the workflow task and so holding back the activity's
        // cancellation until the task is retried.
        if (isCancellation(err) || superseded()) return;
        const cause = err instanceof ActivityFailure ? err.cause : err;
        if (
          cause instanceof TimeoutFailure &&
          cause.timeoutType === TimeoutType.SCHEDULE_TO_START
        ) {
          // Nobody polls the agency's queue: flag it (the parent escalates) and keep waiting.
          step.stalled = true;
          step.failure = `no worker on ${taskQueue} picked the step up within ${spec.noPollerTimeout ?? 'PT1H'}`;
          dirty = true;
          continue;
        }
        step.status = 'failed';
        step.failure = cause instanceof Error ? cause.message : String(cause);
        log.warn('automated step failed', { stepId: step.stepId, failure: step.failure });
        break;
      }
    }
    dirty = true;
  };

  const isSettled = (s: StepState) => s.status === 'done' || s.status === 'skipped';
  const running: Promise<void>[] = [];

  let repairs = steps.reduce((n, s) => Math.max(n, s.lastRepair?.n ?? 0), 0);
  setHandler(
    repairStepUpdate,
    ({ stepId, action, assignee, actor, reason }: RepairStepInput) => {
      isPatched('ops-step-repair');
      const step = steps.find((s) => s.stepId === stepId)!;
      const at = new Date().toISOString();
      step.lastRepair = { n: ++repairs, action, by: actor.id, reason: reason!, at, assignee };
      const rerun = () => {
        scopes.get(step.stepId)?.cancel();
        step.status = 'open';
        step.failure = undefined;
        step.stalled = undefined;
        running.push(runAutomated(step));
      };
      if (action === 'skip') {
        scopes.get(step.stepId)?.cancel();
        generations.set(step.stepId, (generations.get(step.stepId) ?? 0) + 1);
        step.status = 'skipped';
        step.stalled = undefined;
        step.skip = { by: actor.id, reason: reason!, at };
      } else if (action === 'retry') {
        rerun();
      } else {
        step.assignee = { ...assignee };
        if (step.kind === 'automated' && (step.status === 'running' || step.status === 'failed'))
          rerun();
      }
      dirty = true;
      return step;
    },
    {
      validator: ({ stepId, action, assignee, actor, reason }: RepairStepInput) => {
        if (!actor?.id?.trim()) throw new Error('actor.id: the acting operator is required');
        if (!reason?.trim()) throw new Error('reason: every repair needs a written reason');
        const step = steps.find((s) => s.stepId === stepId);
        if (!step) throw new Error(`stepId: no step "${stepId}" in the ${input.agency} workstream`);
        if (step.status === 'done' || step.status === 'skipped' || step.status === 'cancelled')
          throw new Error(`stepId: step "${stepId}" is ${step.status}; there is nothing to repair`);
        if (action === 'retry') {
          if (step.kind !== 'automated' || step.status !== 'failed')
            throw new Error(
              `stepId: only a failed automated step can be retried; "${stepId}" is ${step.kind} and ${step.status}`,
            );
        } else if (action === 'reassign') {
          if (!assignee?.analyst?.trim() && !assignee?.agency?.trim())
            throw new Error('assignee: name an analyst or an agency');
          if (step.kind === 'manual' && assignee.agency !== undefined)
            throw new Error(
              'assignee.agency: a manual step stays with its agency; reassign it to one of its analysts',
            );
          if (step.kind === 'automated' && !assignee.agency?.trim())
            throw new Error(
              'assignee.agency: an automated step is reassigned to an agency whose worker runs it',
            );
          if (assignee.agency !== undefined && !/^[a-z][a-z0-9-]{1,30}$/.test(assignee.agency))
            throw new Error('assignee.agency: must be an agency code such as caisi');
        } else if (action !== 'skip') {
          throw new Error('action: must be one of retry, skip, reassign');
        }
      },
    },
  );

  // v4: progress that needs nobody's attention (automated steps settled, the next ones started)
  // is held for PROGRESS_HOLD before it is reported: what settles meanwhile travels with it, or
  // in the result when the workstream ends first, so a quick chain of automated steps costs the
  // two histories no signal (a signal is three events and a workflow task here, one event and
  // often a workflow task in the review). Anything a person should see is reported at once, with
  // what was held: a step open for an analyst, a failure, a stall.
  // v5: so is anything a person did (a finding, a repair: v4 judged by step states alone, so it
  // could hold a repaired step's next failure, or fold two repairs into one), and everything in
  // a workstream with a clocked step, whose deadline the review judges by when it hears of it.
  const v4 = (input.engineVersion ?? 0) >= 4;
  const v5 = (input.engineVersion ?? 0) >= 5;
  const clocked = input.steps.some((s) => s.clock !== undefined);
  const nothingForPeople = () =>
    v5 ? nothingForPeopleV5() : steps.every((s) => isSettled(s) || needsNobody(s));
  const needsNobody = (s: StepState) =>
    s.status === 'blocked' || (s.kind === 'automated' && s.status === 'running' && !s.stalled);
  const nothingForPeopleV5 = () =>
    !clocked &&
    steps.every((s) => {
      const last = heard.get(s.stepId)!;
      if ((s.lastRepair?.n ?? 0) !== last.repair) return false; // an operator's repair
      if (s.kind === 'manual') return s.status === last.status || s.status === 'blocked';
      return isSettled(s) || needsNobody(s);
    });
  let hold: { expired: boolean; scope: CancellationScope } | undefined;
  const holdProgress = () => {
    if (hold) return;
    const held = { expired: false, scope: new CancellationScope() };
    hold = held;
    held.scope
      .run(() => sleep(PROGRESS_HOLD))
      .then(
        () => (held.expired = true),
        () => undefined, // cancelled: reported earlier, or the workstream was cancelled
      );
  };
  const report = async () => {
    if (hold && !hold.expired) hold.scope.cancel();
    hold = undefined;
    hear();
    await parent.signal(workstreamProgressSignal, progress());
  };

  try {
    for (const step of steps)
      if (step.status === 'open' && step.kind === 'automated') running.push(runAutomated(step));
    // v2: the parent opened the same steps when it started this workflow, so the first report
    // would tell it nothing new, unless a finding or a repair came with the first task. Until
    // the `first-task-news` patch that went unreported until the workstream's next change, and
    // the workstream took the review to have heard of it (v5 judges holds by that): replayed
    // without the patch's marker, it still does.
    let first = v2;
    if (v2 && !heardAll()) {
      if (patched('first-task-news')) first = false;
      else hear();
    }
    for (;;) {
      for (const step of steps) {
        if (step.status !== 'blocked') continue;
        const ready = step.dependsOn.every((d) => isSettled(steps.find((s) => s.stepId === d)!));
        if (!ready) continue;
        step.status = 'open';
        step.openedAt = new Date().toISOString();
        dirty = true;
        if (step.kind === 'automated') running.push(runAutomated(step));
      }
      if (dirty) {
        dirty = false;
        // v2: the last change travels in the result, which the parent merges.
        if (!first && !(v2 && steps.every(isSettled))) {
          if (v4 && nothingForPeople() && !hold?.expired) holdProgress();
          else if (v4) await report();
          else await parent.signal(workstreamProgressSignal, progress());
        }
      } else if (hold?.expired) await report();
      first = false;
      if (steps.every(isSettled)) break;
      await condition(() => dirty || !!hold?.expired);
    }
    status = 'completed';
    // The parent learns of the completion from this workflow's result; the signal that used to
    // say it cost both histories a few events and a workflow task each.
    if (!isPatched('no-completion-signal'))
      await parent.signal(workstreamProgressSignal, progress());
    return {
      agency: input.agency,
      findings: steps.flatMap((s) => (s.finding ? [s.finding] : [])),
      steps,
    };
  } catch (err) {
    if (isCancellation(err)) {
      status = 'cancelled';
      for (const s of steps) if (!isSettled(s) && s.status !== 'failed') s.status = 'cancelled';
      // Tell the parent in a non-cancellable scope: the parent may already be closing.
      await CancellationScope.nonCancellable(() =>
        parent.signal(workstreamProgressSignal, progress()),
      ).catch(() => undefined);
    }
    throw err;
  }
}
