import {
  allHandlersFinished,
  CancellationScope,
  ChildWorkflowHandle,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxySinks,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributes } from '@temporalio/common';
import type { ProjectionActivities } from '../activities/projection/projection.activities';
import type { NotificationActivities } from '../activities/notifications/notification.activities';
import {
  computeDeadline,
  endOfDay,
  type BusinessCalendar,
} from '../libs/domain/src/clock/business-calendar';
import {
  consolidate,
  highestRisk,
  type AgencyPosition,
} from '../libs/domain/src/consolidation/consolidation';
import { deadlineDue, isStopped } from '../libs/domain/src/review/deadlines';
import type {
  ClockSpec,
  ClosureReason,
  Determination,
  Stage,
} from '../libs/domain/src/protocol/protocol.types';
import type {
  Deadline,
  DeadlineKind,
  Escalation,
  EscalationTrigger,
  Extension,
  Finding,
  ReviewEvent,
  ReviewState,
  ReviewWorkflowInput,
  StepRepairRecord,
  StepState,
} from '../libs/domain/src/review/review.types';
import {
  acceptIntakeUpdate,
  acknowledgeEscalationUpdate,
  answerInformationUpdate,
  calendarChangedSignal,
  changeReleaseDateUpdate,
  decideConsolidationUpdate,
  decideExtensionUpdate,
  designateUpdate,
  issueDeterminationUpdate,
  projectedUpdate,
  projectionFeedQuery,
  type ProjectionFeedSinks,
  raiseEscalationUpdate,
  requestExtensionUpdate,
  requestInformationUpdate,
  restoreClocksUpdate,
  resumeClockUpdate,
  reviewStateQuery,
  stopClockUpdate,
  withdrawUpdate,
  workstreamProgressSignal,
  type WorkstreamProgress,
} from './definitions';
import { workstreamWorkflow, type WorkstreamResult } from './workstream.workflow';

const { projectReview } = proxyActivities<ProjectionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// Engine v3: a projection that follows the review while it is busy (see the projector). It
// heartbeats on every read of the feed, so a lost worker is noticed within seconds.
const { projectReview: projectFollowing } = proxyActivities<ProjectionActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// Bounded (about a minute): a receiver that stays down must not hold up the end of a review;
// what is left stays pending in the outbox and is tried again with the review's next events.
const { deliverNotifications, sendNotifications } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '2 minutes',
  // A worker lost mid-send is noticed within this, not after the whole start-to-close.
  heartbeatTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});

const ASSESSMENT_WINDOW = 'assessment-window';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * One voluntary review, interpreting a frozen snapshot of its protocol: intake and completeness
 * check, designation, parallel agency workstreams (one child workflow per agency), consolidation,
 * an advisory determination, closure. Owns every deadline (recomputed from its legal basis), the
 * escalation ladder, and the projection of each state change to the read model and audit log.
 * Withdrawal always succeeds and cancels whatever is still running.
 */
export async function reviewWorkflow(input: ReviewWorkflowInput): Promise<ReviewState> {
  // Engine v2, decided once at the start of each run: one marker instead of one per change
  // (each `patched()` writes a marker and a search-attribute upsert). Runs that began before it
  // keep replaying their own patches one by one; its workstreams learn it from their input.
  // Engine v3 (a following projection) includes everything of v2; one marker either way. A review
  // started with the engine version in its input (`ENGINE_VERSION`, as the API starts them) needs
  // no marker at all: the input is in the history, so replay decides the same.
  const v3 = (input.engineVersion ?? 0) >= 3 || patched('engine-v3');
  // Engine v4 (only ever from the input): the workstreams hold progress nobody needs to see at once.
  const v4 = (input.engineVersion ?? 0) >= 4;
  // Engine v5: and they report at once whatever a person did (a finding, a repair).
  const v5 = (input.engineVersion ?? 0) >= 5;
  const v2 = v3 || patched('engine-v2');
  const isPatched = (id: string) => v2 || patched(id);
  const protocol = input.protocol;
  const stages = protocol.stages;
  const cal: BusinessCalendar = {
    nonBusinessDates: [...(input.resume?.state.nonBusinessDates ?? input.nonBusinessDates)],
  };
  const lead = protocol.agencies.find((a) => a.role === 'lead')?.code ?? null;
  const wfId = workflowInfo().workflowId;

  const resumed = input.resume;
  const state: ReviewState = resumed?.state ?? {
    reviewId: input.reviewId,
    status: 'open',
    stage: 'intake',
    protocolKey: protocol.key,
    protocolVersion: protocol.version,
    leadAgency: lead,
    developerOrg: input.intake.developerOrg,
    modelName: input.intake.modelName,
    modelVersion: input.intake.modelVersion,
    plannedReleaseDate: input.intake.plannedReleaseDate,
    idempotencyKey: input.idempotencyKey,
    refiledFrom: input.refiledFrom,
    workstreams: protocol.workstreams.map((w) => ({
      agency: w.agency,
      role: protocol.agencies.find((a) => a.code === w.agency)!.role,
      workflowId: `${wfId}-ws-${w.agency}`,
      status: 'pending',
      steps: w.steps.map((s) => ({
        agency: w.agency,
        stepId: s.id,
        title: s.title,
        kind: s.kind,
        domain: s.domain,
        dependsOn: s.dependsOn,
        status: 'blocked',
      })),
    })),
    deadlines: [],
    escalations: [],
    informationRequests: [],
    nonBusinessDates: cal.nonBusinessDates,
    seq: 0,
  };

  // ---- state changes, projection and search attributes ---------------------------------------
  const outbox: ReviewEvent[] = [];
  // A resumed run starts from a fully projected state (the previous run flushed before rolling).
  let projectedSeq = state.seq;
  let wake = 0; // bumped whenever deadlines or escalations change, to re-arm the timer loop
  const now = () => Date.now();
  const iso = (ms = now()) => new Date(ms).toISOString();

  const emit = (
    type: string,
    actor: string,
    details: Record<string, unknown> = {},
    reason?: string,
  ): number => {
    state.seq += 1;
    outbox.push({ seq: state.seq, type, actor, reason, at: iso(), details });
    wake += 1;
    // v2: once per projected batch instead (see the projector): one upsert, not one per event.
    if (!v2) syncSearchAttributes();
    return state.seq;
  };
  const projected = (seq: number) => condition(() => projectedSeq >= seq);

  let lastAttributes = '';
  const syncSearchAttributes = () => {
    const open = state.deadlines
      .filter((d) => d.status === 'open' && !isStopped(d))
      .map((d) => d.dueMs);
    const escalationDues = state.escalations.filter((e) => e.status === 'open').map((e) => e.dueMs);
    const next = [...open, ...escalationDues].filter(Number.isFinite);
    const level = state.escalations.filter((e) => e.status === 'open').map((e) => e.level);
    const attributes: SearchAttributes = {
      ReviewStatus: [state.status],
      ReviewStage: [state.stage],
      LeadAgency: lead ? [lead] : [],
      NextDeadline: next.length ? [new Date(Math.min(...next))] : [],
      EscalationLevel: level.length ? [Math.max(...level)] : [],
    };
    const key = JSON.stringify(attributes);
    if (key !== lastAttributes) {
      lastAttributes = key;
      upsertSearchAttributes(attributes);
    }
  };

  let finished = false;
  // A loop that runs beside the stages ends with the review's own cancellation (a Temporal
  // cancel, not a withdrawal): that rejection is expected, and left unhandled it would fail every
  // workflow task from then on, so the review could never end. Anything else still fails the task.
  const onlyCancelled = (err: unknown) => {
    if (!isCancellation(err)) throw err;
  };
  // Notifications go out beside the projection, one activity per batch, so a receiver that is
  // down delays only its own notifications; the projector waits for them before returning.
  let notifying = 0;
  const notify = (events: ReviewEvent[], written: boolean) => {
    notifying += 1;
    void (
      written
        ? sendNotifications({ reviewId: input.reviewId, seqs: events.map((e) => e.seq) })
        : deliverNotifications({ reviewId: input.reviewId, events, state })
    )
      .catch((err) => log.warn('notifications left pending', { error: String(err) }))
      .finally(() => (notifying -= 1));
  };

  // v2: while the workstreams are being started (one round trip), the projector holds the batch,
  // so the stage change and the opened steps reach the read model in one transaction.
  let startingWorkstreams = false;
  // Set while the review waits to continue as new: it needs its read model complete first.
  let rolling = false;
  // v3: the projection follows the review. After writing its batch it keeps writing what the
  // review commits next, which the review publishes to its worker (the `projectionFeed` sink) at
  // the end of each activation that changed it, until the review goes quiet (or someone waits for
  // the read model); a burst of changes costs one activity, not one per workflow task. A
  // publication may come from a task the server later throws away, so the projection writes only
  // what a task the history shows completed had (see the feed's `task`). The events stay in the
  // outbox until projected.
  /** An update handler is running, the review is closed, or it is about to continue as new. */
  const waitsForReadModel = () => rolling || state.status !== 'open' || !allHandlersFinished();
  const feedAfter = (afterSeq: number) => {
    // Held like the projector's own batch while the workstreams start (v2's one transaction).
    const events = startingWorkstreams ? [] : outbox.filter((e) => e.seq > afterSeq);
    // Which task the feed comes from (its started event and time, both unchanged by queries), so
    // the reader can check in the history that it committed.
    const task = { startedEventId: workflowInfo().historyLength, timeMs: Date.now() };
    return { events, ...(events.length ? { state } : {}), done: waitsForReadModel(), task };
  };
  // For operators (`rebuild`): the same feed on demand. A query answered by a worker that does
  // not hold the review replays it (docs/operations.md, "Known issue"); the projection never asks.
  setHandler(projectionFeedQuery, feedAfter);
  // v3: set while a following projection is in flight; the review publishes its feed meanwhile,
  // numbered with the projection's number (`projections`), from the task that schedules it on.
  let following = false;
  let projections = 0;
  let published = '';
  const feedKey = () => `${state.seq}/${waitsForReadModel()}/${startingWorkstreams}`;
  if (v3) {
    const { projectionFeed } = proxySinks<ProjectionFeedSinks>();
    // The SDK checks every waiting condition once an activation's jobs have run, and again after
    // whatever a released one ran, until a pass releases none: so this check, which publishes when
    // the feed changed and never releases, publishes what each activation left, as the activation
    // ends (the sink call is delivered then). A loop awaiting the change cost a promise chain and
    // one more pass into the workflow's sandbox per publication.
    void condition(() => {
      if (following && feedKey() !== published) {
        published = feedKey();
        projectionFeed.publish({ ...feedAfter(projectedSeq), projection: projections });
      }
      return false;
    }).catch(onlyCancelled);
  }
  const projector = (async () => {
    for (;;) {
      await condition(() => (outbox.length > 0 && !startingWorkstreams) || finished);
      if (outbox.length === 0) return await condition(() => notifying === 0);
      // v3 keeps the events in the outbox until they are projected (the feed reads them there).
      const events = v3 ? outbox.slice() : outbox.splice(0);
      // The snapshot is taken now, so it already includes every event in this batch.
      // A regular activity, not a local one: it is scheduled only once this workflow task is
      // committed, so a batch's sequence numbers are final. A local activity would write events
      // from a task that a crash can throw away and redo with other numbers (the worker-kill
      // reliability test caught exactly that: a stage change recorded twice, another lost).
      if (v2) syncSearchAttributes();
      // Not while someone waits for this batch in the read model: it returns at once.
      const follow = v3 && !waitsForReadModel();
      if (follow) {
        following = true;
        projections += 1;
        // Published at the end of this task although it is the projection's own batch: finding it
        // on its worker's board tells the projection that this worker runs the review's tasks.
        published = '';
      }
      const projection = await (v3 ? projectFollowing : projectReview)({
        reviewId: input.reviewId,
        workflowId: wfId,
        events,
        state,
        ...(v2 ? { notify: true, developerContact: input.intake.contactEmail } : {}),
        ...(v3 ? { follow, ...(follow ? { projection: projections } : {}) } : {}),
      });
      following = false;
      // v3: it may have written later events too, those it followed.
      const last = Math.max(events[events.length - 1].seq, projection?.projectedSeq ?? 0);
      const written = v3 ? outbox.splice(0, outbox.filter((e) => e.seq <= last).length) : events;
      projectedSeq = last;
      // What changed while it followed: the attributes catch up once, here.
      if (v3) syncSearchAttributes();
      // v2: the projection wrote the batch's notifications to the outbox in its transaction and
      // says whether any wait; most batches tell nobody anything and cost no activity at all.
      if (v2) {
        if (projection?.pendingNotifications) notify(written, true);
      } else if (patched('notifications')) notify(events, false);
    }
  })();
  void projector.catch(onlyCancelled);

  // ---- deadlines ---------------------------------------------------------------------------
  /** Original legal bases restored by an operator after a reset, for deadlines not set yet. */
  const basisOverrides = new Map<string, number>();
  const addDeadline = (d: {
    id: string;
    label: string;
    kind: DeadlineKind;
    clock: ClockSpec;
    basisMs?: number;
    capMs?: number;
    agency?: string;
    stepId?: string;
  }): Deadline => {
    const deadline: Deadline = {
      basisMs: now(),
      ...d,
      ...(basisOverrides.has(d.id) ? { basisMs: basisOverrides.get(d.id)! } : {}),
      stops: [],
      extensions: [],
      dueMs: 0,
      status: 'open',
    };
    deadline.dueMs = deadlineDue(deadline, cal) ?? Number.POSITIVE_INFINITY;
    state.deadlines.push(deadline);
    emit('deadline_set', 'system', {
      deadlineId: deadline.id,
      label: deadline.label,
      dueAt: iso(deadline.dueMs),
    });
    return deadline;
  };
  const deadline = (id: string) => state.deadlines.find((d) => d.id === id);
  const closeDeadline = (id: string, status: 'met' | 'cancelled') => {
    const d = deadline(id);
    if (!d || d.status !== 'open') return;
    d.status = status;
    d.closedAtMs = now();
    emit(`deadline_${status}`, 'system', { deadlineId: id });
  };
  /** Recompute every open deadline from its basis; returns the ones that moved. */
  const recomputeDeadlines = () => {
    const moved: { deadlineId: string; from: string; to: string }[] = [];
    for (const d of state.deadlines.filter((x) => x.status === 'open')) {
      const due = deadlineDue(d, cal);
      if (due !== undefined && due !== d.dueMs) {
        moved.push({ deadlineId: d.id, from: iso(d.dueMs), to: iso(due) });
        d.dueMs = due;
      }
    }
    wake += 1;
    return moved;
  };

  // ---- escalation ladder -------------------------------------------------------------------
  const levels = [...protocol.escalation.levels].sort((a, b) => a.level - b.level);
  let escalationCounter = state.escalations.length;
  const raiseEscalation = (
    trigger: EscalationTrigger,
    subject: string,
    by: string,
    level = levels[0].level,
    reason?: string,
  ): Escalation => {
    const spec = levels.find((l) => l.level === level) ?? levels[0];
    const e: Escalation = {
      id: `esc-${++escalationCounter}`,
      trigger,
      subject,
      level: spec.level,
      levelName: spec.name,
      raisedAtMs: now(),
      dueMs: computeDeadline(now(), spec.clock, cal),
      status: 'open',
      history: [{ level: spec.level, atMs: now(), by }],
    };
    state.escalations.push(e);
    emit(
      'escalation_raised',
      by,
      { escalationId: e.id, trigger, subject, level: e.level, levelName: e.levelName },
      reason,
    );
    return e;
  };
  const climb = (e: Escalation) => {
    const next = levels.find((l) => l.level > e.level);
    if (!next) {
      e.status = 'exhausted';
      emit('escalation_exhausted', 'system', { escalationId: e.id, level: e.level });
      return;
    }
    e.level = next.level;
    e.levelName = next.name;
    e.dueMs = computeDeadline(now(), next.clock, cal);
    e.history.push({ level: next.level, atMs: now(), by: 'system' });
    emit(
      'escalation_climbed',
      'system',
      { escalationId: e.id, level: e.level, levelName: e.levelName },
      'not acknowledged in time',
    );
  };

  // ---- timers: missed deadlines, reminders, unacknowledged escalations --------------------
  let windowEnded = false;
  const reminderOffsets = protocol.reminders.map((r) => r.before);
  const reminderDue = (d: Deadline): number | undefined => {
    if (d.remindedAtMs !== undefined || reminderOffsets.length === 0) return undefined;
    // The earliest reminder: due minus the longest offset, never before the basis.
    const times = reminderOffsets.map(
      (before) => d.dueMs - (computeDeadline(d.basisMs, before, cal) - d.basisMs),
    );
    const at = Math.min(...times);
    return at > d.basisMs ? at : undefined;
  };
  const onMissed = (d: Deadline) => {
    d.status = 'missed';
    d.closedAtMs = now();
    emit('deadline_missed', 'system', { deadlineId: d.id, label: d.label, dueAt: iso(d.dueMs) });
    if (d.id === ASSESSMENT_WINDOW) windowEnded = true;
    else raiseEscalation('missed_deadline', `${d.label} missed`, 'system');
  };
  /** When the timer loop must next look: the earliest open deadline, reminder or escalation. */
  const nextWake = () => {
    const upcoming: number[] = [];
    for (const d of state.deadlines) {
      if (d.status !== 'open' || isStopped(d)) continue;
      upcoming.push(d.dueMs);
      const r = reminderDue(d);
      if (r !== undefined) upcoming.push(r);
    }
    for (const e of state.escalations) if (e.status === 'open') upcoming.push(e.dueMs);
    return Math.min(...upcoming.filter(Number.isFinite));
  };
  const timers = (async () => {
    while (state.status === 'open') {
      const t = now();
      for (const d of state.deadlines) {
        if (d.status !== 'open' || isStopped(d)) continue;
        if (d.dueMs <= t) onMissed(d);
        else {
          const r = reminderDue(d);
          if (r !== undefined && r <= t) {
            d.remindedAtMs = t;
            emit('reminder_sent', 'system', {
              deadlineId: d.id,
              label: d.label,
              dueAt: iso(d.dueMs),
            });
          }
        }
      }
      for (const e of state.escalations) if (e.status === 'open' && e.dueMs <= t) climb(e);

      const next = nextWake();
      const seen = wake;
      // Re-arm the timer only when the time it must fire at moves; every other state change
      // used to cancel and restart it (two events each) for nothing.
      const changed = isPatched('timers-rearm-on-change')
        ? () => state.status !== 'open' || nextWake() !== next
        : () => wake !== seen || state.status !== 'open';
      if (Number.isFinite(next)) await condition(changed, Math.max(next - now(), 1));
      else await condition(changed);
    }
  })();
  void timers.catch(onlyCancelled);

  // ---- handlers ----------------------------------------------------------------------------
  // An update or signal that reached this run before its first task (e.g. during a continue-as-new)
  // runs as soon as its handler is set: whatever a handler calls must be defined above it.
  const issueDetermination = (
    determination: Determination,
    rationale: string,
    by: string,
    recommendation?: string,
  ) => {
    state.determination = {
      determination,
      suggested: suggestedDetermination(),
      rationale,
      recommendation,
      issuedBy: by,
      issuedAt: iso(),
    };
    emit(
      'determination_issued',
      by,
      { determination, suggested: state.determination.suggested },
      rationale,
    );
  };
  const suggestedDetermination = () => {
    const level =
      highestRisk((state.consolidation ?? []).flatMap((o) => (o.riskLevel ? [o.riskLevel] : []))) ??
      'low';
    return stages.determination?.byRiskLevel[level] ?? 'no_concerns';
  };

  const requireOpen = () => {
    if (state.status !== 'open')
      throw new Error(`review: review ${input.reviewId} is closed (${state.closure?.reason})`);
  };
  const requireStage = (stage: Stage, what: string) => {
    requireOpen();
    if (state.stage !== stage)
      throw new Error(
        `stage: ${what} is only possible in the ${stage} stage; the review is in ${state.stage}`,
      );
  };
  const requireActor = (actor?: { id?: string }) => {
    if (!actor?.id?.trim()) throw new Error('actor.id: the acting user is required');
  };
  const requireReason = (reason?: string, field = 'reason') => {
    if (!reason?.trim()) throw new Error(`${field}: a written reason is required`);
  };

  setHandler(reviewStateQuery, () => state);
  setHandler(projectedUpdate, async () => {
    await condition(() => projectedSeq >= 1);
    return state;
  });

  let intakeAccepted = !!resumed && state.stage !== 'intake';
  setHandler(
    acceptIntakeUpdate,
    async ({ actor, reason }) => {
      intakeAccepted = true;
      const seq = emit('intake_accepted', actor.id, {}, reason);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor }) => {
        requireStage('intake', 'accepting the intake');
        requireActor(actor);
        if (state.informationRequests.some((r) => !r.answeredAt)) {
          throw new Error(
            'informationRequests: answer every open information request before accepting the intake',
          );
        }
      },
    },
  );

  setHandler(
    requestInformationUpdate,
    async ({ actor, question }) => {
      const id = `info-${state.informationRequests.length + 1}`;
      const d = addDeadline({
        id,
        label: `Developer answer to ${id}`,
        kind: 'information_request',
        clock: stages.intake!.informationRequestClock,
      });
      const intake = deadline('intake');
      if (intake && !isStopped(intake)) {
        intake.stops.push({ reasonCode: 'information_request', fromMs: now(), by: actor.id });
        wake += 1;
      }
      const request = { id, question, requestedBy: actor.id, requestedAt: iso(), deadlineId: d.id };
      state.informationRequests.push(request);
      const seq = emit('information_requested', actor.id, {
        requestId: id,
        clockStopped: 'intake',
      });
      await projected(seq);
      return request;
    },
    {
      validator: ({ actor, question }) => {
        requireStage('intake', 'an information request');
        requireActor(actor);
        if (!question?.trim()) throw new Error('question: must not be empty');
      },
    },
  );

  setHandler(
    answerInformationUpdate,
    async ({ actor, requestId, answer }) => {
      const request = state.informationRequests.find((r) => r.id === requestId)!;
      request.answer = answer;
      request.answeredAt = iso();
      closeDeadline(request.deadlineId, 'met');
      const intake = deadline('intake');
      if (intake && state.informationRequests.every((r) => r.answeredAt)) {
        const stop = intake.stops.find((s) => s.toMs === undefined);
        if (stop) stop.toMs = now();
        recomputeDeadlines();
      }
      const seq = emit('information_answered', actor.id, {
        requestId,
        intakeDueAt: intake ? iso(intake.dueMs) : undefined,
      });
      await projected(seq);
      return request;
    },
    {
      validator: ({ actor, requestId, answer }) => {
        requireOpen();
        requireActor(actor);
        const request = state.informationRequests.find((r) => r.id === requestId);
        if (!request) throw new Error(`requestId: no information request "${requestId}"`);
        if (request.answeredAt) throw new Error(`requestId: ${requestId} was already answered`);
        if (!answer?.trim()) throw new Error('answer: must not be empty');
      },
    },
  );

  setHandler(
    designateUpdate,
    async ({ actor, designation, rationale }) => {
      state.designation = { designation, by: actor.id, rationale, at: iso() };
      const seq = emit('designated', actor.id, { designation }, rationale);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, designation }) => {
        requireStage('designation', 'designation');
        requireActor(actor);
        if (!['covered', 'not_covered', 'unable_to_conclude'].includes(designation)) {
          throw new Error('designation: must be one of covered, not_covered, unable_to_conclude');
        }
        const by = stages.designation!.agency;
        if (actor.agency !== by) throw new Error(`actor.agency: the designation is made by ${by}`);
      },
    },
  );

  let extensionCounter = state.deadlines.reduce((n, d) => n + d.extensions.length, 0);
  setHandler(
    requestExtensionUpdate,
    async ({ actor, deadlineId, clock, justification }) => {
      const ext: Extension = {
        id: `ext-${++extensionCounter}`,
        clock,
        justification,
        requestedBy: actor.id,
        requestedAt: iso(),
        status: 'pending',
      };
      deadline(deadlineId)!.extensions.push(ext);
      const seq = emit(
        'extension_requested',
        actor.id,
        { deadlineId, extensionId: ext.id, clock },
        justification,
      );
      await projected(seq);
      return ext;
    },
    {
      validator: ({ actor, deadlineId, clock, justification }) => {
        requireOpen();
        requireActor(actor);
        const d = deadline(deadlineId);
        if (!d) throw new Error(`deadlineId: no deadline "${deadlineId}"`);
        if (d.status !== 'open')
          throw new Error(`deadlineId: deadline "${deadlineId}" is ${d.status}`);
        requireReason(justification, 'justification');
        const valid =
          (clock?.unit === 'duration' && typeof clock.iso === 'string') ||
          ((clock?.unit === 'business_days' || clock?.unit === 'calendar_days') &&
            Number.isInteger(clock.amount) &&
            clock.amount! > 0);
        if (!valid)
          throw new Error(
            'clock: give business_days or calendar_days with a positive whole amount, or a duration',
          );
      },
    },
  );

  const findExtension = (id: string) => {
    for (const d of state.deadlines) {
      const e = d.extensions.find((x) => x.id === id);
      if (e) return { d, e };
    }
    return undefined;
  };
  setHandler(
    decideExtensionUpdate,
    async ({ actor, extensionId, grant, reason }) => {
      const { d, e } = findExtension(extensionId)!;
      e.status = grant ? 'granted' : 'refused';
      e.decidedBy = actor.id;
      e.decidedAt = iso();
      e.decisionReason = reason;
      const before = iso(d.dueMs);
      recomputeDeadlines();
      const seq = emit(
        grant ? 'extension_granted' : 'extension_refused',
        actor.id,
        { deadlineId: d.id, extensionId, before, after: iso(d.dueMs) },
        reason,
      );
      await projected(seq);
      return e;
    },
    {
      validator: ({ actor, extensionId, reason }) => {
        requireOpen();
        requireActor(actor);
        requireReason(reason);
        const found = findExtension(extensionId);
        if (!found) throw new Error(`extensionId: no extension "${extensionId}"`);
        if (found.e.status !== 'pending')
          throw new Error(`extensionId: ${extensionId} was already ${found.e.status}`);
        if (found.d.status !== 'open')
          throw new Error(`extensionId: its deadline is ${found.d.status}`);
      },
    },
  );

  setHandler(
    stopClockUpdate,
    async ({ actor, deadlineId, reasonCode, reason }) => {
      deadline(deadlineId)!.stops.push({ reasonCode, fromMs: now(), by: actor.id });
      const seq = emit('clock_stopped', actor.id, { deadlineId, reasonCode }, reason);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, deadlineId, reasonCode }) => {
        requireOpen();
        requireActor(actor);
        const d = deadline(deadlineId);
        if (!d) throw new Error(`deadlineId: no deadline "${deadlineId}"`);
        if (d.status !== 'open')
          throw new Error(`deadlineId: deadline "${deadlineId}" is ${d.status}`);
        if (isStopped(d))
          throw new Error(`deadlineId: the clock of "${deadlineId}" is already stopped`);
        if (!reasonCode?.trim()) throw new Error('reasonCode: a pause needs a reason code');
      },
    },
  );

  setHandler(
    resumeClockUpdate,
    async ({ actor, deadlineId, reason }) => {
      const d = deadline(deadlineId)!;
      d.stops.find((s) => s.toMs === undefined)!.toMs = now();
      recomputeDeadlines();
      const seq = emit('clock_resumed', actor.id, { deadlineId, dueAt: iso(d.dueMs) }, reason);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, deadlineId }) => {
        requireOpen();
        requireActor(actor);
        const d = deadline(deadlineId);
        if (!d) throw new Error(`deadlineId: no deadline "${deadlineId}"`);
        if (!isStopped(d)) throw new Error(`deadlineId: the clock of "${deadlineId}" is running`);
        if (d.stops.some((s) => s.toMs === undefined && s.reasonCode === 'information_request')) {
          throw new Error(
            `deadlineId: "${deadlineId}" resumes when the open information request is answered`,
          );
        }
      },
    },
  );

  setHandler(
    acknowledgeEscalationUpdate,
    async ({ actor, escalationId, reason }) => {
      const e = state.escalations.find((x) => x.id === escalationId)!;
      e.status = 'acknowledged';
      e.acknowledgedBy = actor.id;
      e.acknowledgedAtMs = now();
      const seq = emit(
        'escalation_acknowledged',
        actor.id,
        { escalationId, level: e.level },
        reason,
      );
      await projected(seq);
      return e;
    },
    {
      validator: ({ actor, escalationId }) => {
        requireOpen();
        requireActor(actor);
        const e = state.escalations.find((x) => x.id === escalationId);
        if (!e) throw new Error(`escalationId: no escalation "${escalationId}"`);
        if (e.status !== 'open') throw new Error(`escalationId: ${escalationId} is ${e.status}`);
      },
    },
  );

  setHandler(
    raiseEscalationUpdate,
    async ({ actor, subject, level, reason }) => {
      const e = raiseEscalation('manual', subject, actor.id, level ?? levels[0].level, reason);
      await projected(state.seq);
      return e;
    },
    {
      validator: ({ actor, subject, level, reason }) => {
        requireOpen();
        requireActor(actor);
        requireReason(reason);
        if (!subject?.trim()) throw new Error('subject: must not be empty');
        if (level !== undefined && !levels.some((l) => l.level === level)) {
          throw new Error(`level: must be one of ${levels.map((l) => l.level).join(', ')}`);
        }
      },
    },
  );

  const decisions: {
    domain: string;
    riskLevel: Finding['riskLevel'];
    rationale: string;
    decidedBy: string;
  }[] = [...(resumed?.decisions ?? [])];
  let findings: Finding[] = [...(resumed?.findings ?? [])];
  const reconsolidate = () => {
    const positions: AgencyPosition[] = findings.map((f) => ({
      agency: f.agency,
      role: protocol.agencies.find((a) => a.code === f.agency)!.role,
      domain: f.domain,
      riskLevel: f.riskLevel,
      rationale: f.rationale,
    }));
    state.consolidation = consolidate(positions, {
      votingRoles: stages.consolidation?.votingRoles ?? ['lead', 'member'],
      decisions,
    });
  };
  setHandler(
    decideConsolidationUpdate,
    async ({ actor, domain, riskLevel, rationale }) => {
      decisions.push({ domain, riskLevel, rationale, decidedBy: actor.id });
      reconsolidate();
      const seq = emit('consolidation_decided', actor.id, { domain, riskLevel }, rationale);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, domain, riskLevel, rationale }) => {
        requireStage('consolidation', 'a coordinator decision');
        requireActor(actor);
        const outcome = state.consolidation?.find((o) => o.domain === domain);
        if (!outcome) throw new Error(`domain: no findings in domain "${domain}"`);
        if (outcome.method !== 'pending')
          throw new Error(`domain: "${domain}" was settled by ${outcome.method}`);
        if (!protocol.riskLevels.includes(riskLevel))
          throw new Error(`riskLevel: must be one of ${protocol.riskLevels.join(', ')}`);
        requireReason(rationale, 'rationale');
      },
    },
  );

  setHandler(
    issueDeterminationUpdate,
    async ({ actor, determination, rationale, recommendation }) => {
      issueDetermination(determination, rationale, actor.id, recommendation);
      await projected(state.seq);
      return state;
    },
    {
      validator: ({ actor, determination, rationale, recommendation }) => {
        requireStage('determination', 'the determination');
        requireActor(actor);
        if (!protocol.outcomes.determinations.includes(determination)) {
          throw new Error(
            `determination: must be one of ${protocol.outcomes.determinations.join(', ')}`,
          );
        }
        requireReason(rationale, 'rationale');
        if (determination === 'significant_concerns' && !recommendation?.trim()) {
          throw new Error(
            'recommendation: significant concerns need a recommendation on trusted-partner scope or timing',
          );
        }
      },
    },
  );

  setHandler(
    changeReleaseDateUpdate,
    async ({ actor, plannedReleaseDate, reason }) => {
      const before = state.plannedReleaseDate;
      state.plannedReleaseDate = plannedReleaseDate;
      const window = deadline(ASSESSMENT_WINDOW);
      if (window && stages.assessment.endNoLaterThanRelease)
        window.capMs = endOfDay(plannedReleaseDate);
      const moved = recomputeDeadlines();
      const seq = emit(
        'release_date_changed',
        actor.id,
        { before, after: plannedReleaseDate, moved },
        reason,
      );
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, plannedReleaseDate }) => {
        requireOpen();
        requireActor(actor);
        if (!DATE.test(plannedReleaseDate ?? '') || Number.isNaN(Date.parse(plannedReleaseDate))) {
          throw new Error('plannedReleaseDate: must be a date YYYY-MM-DD');
        }
        if (endOfDay(plannedReleaseDate) < now())
          throw new Error('plannedReleaseDate: must not be in the past');
      },
    },
  );

  setHandler(
    restoreClocksUpdate,
    async ({ actor, deadlines, reason }) => {
      isPatched('ops-reset-clocks');
      const restored: { deadlineId: string; from?: string; to: string }[] = [];
      for (const { id, basisMs } of deadlines) {
        basisOverrides.set(id, basisMs);
        const d = deadline(id);
        if (d && d.basisMs !== basisMs) {
          restored.push({ deadlineId: id, from: iso(d.basisMs), to: iso(basisMs) });
          d.basisMs = basisMs;
        }
      }
      const moved = recomputeDeadlines();
      const seq = emit('clocks_restored', actor.id, { restored, moved }, reason);
      await projected(seq);
      return state;
    },
    {
      validator: ({ actor, deadlines, reason }) => {
        requireOpen();
        requireActor(actor);
        requireReason(reason);
        if (!Array.isArray(deadlines)) throw new Error('deadlines: must be a list');
        for (const d of deadlines) {
          if (typeof d?.id !== 'string' || !Number.isFinite(d.basisMs))
            throw new Error('deadlines: each needs an id and a basisMs in epoch milliseconds');
        }
      },
    },
  );

  setHandler(calendarChangedSignal, ({ actor, nonBusinessDates, reason }) => {
    if (state.status !== 'open') return;
    cal.nonBusinessDates = [...nonBusinessDates];
    state.nonBusinessDates = cal.nonBusinessDates;
    const moved = recomputeDeadlines();
    emit('calendar_changed', actor.id, { moved }, reason);
  });

  const failedSteps = new Set<string>(
    state.workstreams.flatMap((w) =>
      w.steps.filter((x) => x.status === 'failed').map((x) => `step:${w.agency}:${x.stepId}`),
    ),
  );
  const mergeProgress = (progress: WorkstreamProgress) => {
    const ws = state.workstreams.find((w) => w.agency === progress.agency);
    if (!ws) return;
    if (ws.status !== progress.status) ws.status = progress.status;
    for (const incoming of progress.steps) {
      const current = ws.steps.find((s) => s.stepId === incoming.stepId);
      if (!current) continue;
      const becameStalled = !!incoming.stalled && !current.stalled;
      const repair =
        incoming.lastRepair && incoming.lastRepair.n !== current.lastRepair?.n
          ? incoming.lastRepair
          : undefined;
      if (current.status === incoming.status && !becameStalled && !repair) continue;
      const statusChanged = current.status !== incoming.status;
      if (repair) {
        // Cleared fields do not survive the signal's JSON: clear them here.
        delete current.failure;
        delete current.stalled;
      }
      Object.assign(current, incoming);
      if (repair) onStepRepaired(ws.agency, current, repair);
      if (statusChanged) onStepChanged(ws.agency, current);
      if (becameStalled) {
        emit('step_stalled', 'system', {
          agency: ws.agency,
          stepId: current.stepId,
          failure: current.failure,
        });
        raiseEscalation(
          'no_poller',
          `${ws.agency}: ${current.title} is waiting: ${current.failure}`,
          'system',
        );
      }
    }
  };
  const onStepRepaired = (agency: string, step: StepState, repair: StepRepairRecord) => {
    const id = `step:${agency}:${step.stepId}`;
    // A retried step that fails again is escalated again.
    if (repair.action !== 'skip') failedSteps.delete(id);
    emit(
      'step_repaired',
      repair.by,
      { agency, stepId: step.stepId, action: repair.action, assignee: repair.assignee },
      repair.reason,
    );
  };
  const onStepChanged = (agency: string, step: StepState) => {
    const id = `step:${agency}:${step.stepId}`;
    const spec = protocol.workstreams
      .find((w) => w.agency === agency)!
      .steps.find((s) => s.id === step.stepId)!;
    const details: Record<string, unknown> = { agency, stepId: step.stepId, status: step.status };
    if (step.finding) details.riskLevel = step.finding.riskLevel;
    // The API request that submitted the finding: its audit entry is this event's (the
    // projection keeps it out of the timeline).
    if (step.finding?.request) details.request = step.finding.request;
    if (step.failure) details.failure = step.failure;
    if (step.status === 'skipped' && step.skip) {
      details.justification = step.skip.reason;
      emit('step_skipped', step.skip.by, details, step.skip.reason);
    } else emit(`step_${step.status}`, step.finding?.submittedBy ?? 'system', details);
    if ((step.status === 'open' || step.status === 'running') && spec.clock && !deadline(id)) {
      addDeadline({
        id,
        label: `${agency}: ${step.title}`,
        kind: 'step',
        clock: spec.clock,
        agency,
        stepId: step.stepId,
        basisMs: step.openedAt ? Date.parse(step.openedAt) : now(),
      });
    }
    if (step.status === 'done') closeDeadline(id, 'met');
    // A skipped step never met its deadline: it is recorded as skipped, never as done.
    if (step.status === 'cancelled' || step.status === 'skipped') closeDeadline(id, 'cancelled');
    if (step.status === 'failed' && !failedSteps.has(id)) {
      failedSteps.add(id);
      raiseEscalation(
        'failed_step',
        `${agency}: ${step.title} failed: ${step.failure ?? 'unknown error'}`,
        'system',
      );
    }
  };

  // Registered once the helpers it calls exist (see the note at the handlers).
  setHandler(workstreamProgressSignal, mergeProgress);

  // ---- stages ------------------------------------------------------------------------------
  const setStage = (stage: Stage) => {
    state.stage = stage;
    emit('stage_changed', 'system', { stage });
  };
  const close = (reason: ClosureReason, by: string, justification?: string) => {
    for (const d of state.deadlines) if (d.status === 'open') closeDeadline(d.id, 'cancelled');
    for (const e of state.escalations) if (e.status === 'open') e.status = 'acknowledged';
    state.stage = 'closed';
    state.status = 'closed';
    state.closure = { reason, by, justification, at: iso() };
    emit('review_closed', by, { closure: reason }, justification);
  };
  /** Signals that this run should end and continue as new at a safe point. */
  class RollOver extends Error {}
  const shouldRoll = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfterEvents !== undefined &&
      workflowInfo().historyLength >= input.continueAsNewAfterEvents);
  // Stage waits below are written `await condition(...)` inline on purpose: wrapping them in a
  // helper adds promise hops, which reorders commands against recorded histories.
  // They also wake when the review should roll over (never during the assessment, whose child
  // workflows belong to this run).
  const consolidated = () => (state.consolidation ?? []).every((o) => o.method !== 'pending');
  const ORDER: Stage[] = ['intake', 'designation', 'assessment', 'consolidation', 'determination'];
  const resumeAt = resumed ? ORDER.indexOf(state.stage) : -1;
  /** True when this run starts the stage; false when it resumes inside it or past it. */
  const entering = (stage: Stage) => ORDER.indexOf(stage) > resumeAt;
  const past = (stage: Stage) => ORDER.indexOf(stage) < resumeAt;

  const runStages = async (): Promise<ClosureReason> => {
    if (!resumed) {
      emit('review_submitted', input.submittedBy.id, {
        protocol: `${protocol.key}@${protocol.version}`,
        refiledFrom: input.refiledFrom,
      });
    }

    if (stages.intake && !past('intake')) {
      if (entering('intake')) {
        setStage('intake');
        addDeadline({
          id: 'intake',
          label: 'Completeness check',
          kind: 'stage',
          clock: stages.intake.clock,
        });
      }
      await condition(() => intakeAccepted || shouldRoll());
      if (!intakeAccepted) throw new RollOver();
      closeDeadline('intake', 'met');
    }

    if (stages.designation && !past('designation')) {
      if (entering('designation')) {
        setStage('designation');
        addDeadline({
          id: 'designation',
          label: `Designation by ${stages.designation.agency}`,
          kind: 'stage',
          clock: stages.designation.clock,
          agency: stages.designation.agency,
        });
      }
      await condition(() => state.designation !== undefined || shouldRoll());
      if (state.designation === undefined) throw new RollOver();
      closeDeadline('designation', 'met');
      if (state.designation!.designation === 'not_covered') return 'not_covered';
    }

    if (!past('assessment')) {
      setStage('assessment');
      addDeadline({
        id: ASSESSMENT_WINDOW,
        label: 'Assessment window',
        kind: 'stage',
        clock: stages.assessment.clock,
        capMs: stages.assessment.endNoLaterThanRelease
          ? endOfDay(state.plannedReleaseDate)
          : undefined,
      });
      const results = await runWorkstreams();
      if (!results) return 'lapsed';
      closeDeadline(ASSESSMENT_WINDOW, 'met');
      findings = results.flatMap((r) => r.findings);
    }

    if (stages.consolidation && !past('consolidation')) {
      if (entering('consolidation')) {
        setStage('consolidation');
        addDeadline({
          id: 'consolidation',
          label: 'Consolidation',
          kind: 'stage',
          clock: stages.consolidation.clock,
        });
        reconsolidate();
        // Any domain without consensus is a dissent: it is escalated, and its positions kept.
        for (const o of (state.consolidation ?? []).filter((x) => x.method !== 'consensus')) {
          const views = o.positions.map((d) => `${d.agency}=${d.riskLevel}`).join(', ');
          raiseEscalation('dissent', `Dissent on ${o.domain} (${o.method}): ${views}`, 'system');
        }
        emit('consolidation_computed', 'system', {
          outcomes: (state.consolidation ?? []).map((o) => ({
            domain: o.domain,
            riskLevel: o.riskLevel,
            method: o.method,
          })),
        });
      }
      await condition(() => consolidated() || shouldRoll());
      if (!consolidated()) throw new RollOver();
      closeDeadline('consolidation', 'met');
    } else if (!stages.consolidation) {
      reconsolidate();
    }

    if (stages.determination) {
      if (entering('determination')) {
        setStage('determination');
        addDeadline({
          id: 'determination',
          label: 'Advisory determination',
          kind: 'stage',
          clock: stages.determination.clock,
        });
        if (stages.determination.automatic) {
          issueDetermination(
            suggestedDetermination(),
            'Issued automatically from the consolidated risk levels',
            'system',
          );
        }
      }
      await condition(() => state.determination !== undefined || shouldRoll());
      if (state.determination === undefined) throw new RollOver();
      closeDeadline('determination', 'met');
    }
    return 'completed';
  };

  /** Runs every agency workstream in parallel; undefined when the assessment window lapses first. */
  const runWorkstreams = async (): Promise<WorkstreamResult[] | undefined> => {
    const scope = new CancellationScope();
    const results: WorkstreamResult[] = [];
    let failure: unknown;
    const all = scope.run(async () => {
      const handles: ChildWorkflowHandle<typeof workstreamWorkflow>[] = [];
      const startedAt = iso();
      const start = (ws: (typeof protocol.workstreams)[number]) =>
        startChild(workstreamWorkflow, {
          workflowId: state.workstreams.find((w) => w.agency === ws.agency)!.workflowId,
          args: [
            {
              reviewId: input.reviewId,
              parentWorkflowId: wfId,
              agency: ws.agency,
              taskQueue: `agency-${ws.agency}`,
              steps: ws.steps,
              riskLevels: protocol.riskLevels,
              rationaleRequiredFrom: stages.consolidation?.rationaleRequiredFrom ?? 'high',
              model: {
                name: input.intake.modelName,
                version: input.intake.modelVersion,
                safeguardsVariant: input.intake.safeguardsVariant,
              },
              access: input.intake.accessArrangement,
              ...(v2 ? { engineVersion: v5 ? 5 : v4 ? 4 : 2, startedAt } : {}),
            },
          ],
        });
      // v2 starts them together (one workflow task, not one per child).
      if (v2) {
        startingWorkstreams = true;
        try {
          handles.push(...(await Promise.all(protocol.workstreams.map(start))));
        } finally {
          startingWorkstreams = false;
        }
      } else for (const ws of protocol.workstreams) handles.push(await start(ws));
      for (const ws of state.workstreams) ws.status = 'running';
      emit('workstreams_started', 'system', {
        agencies: protocol.workstreams.map((w) => w.agency),
      });
      // v2: the steps that wait for nothing open now, as each workstream opens them (manual ones
      // for their analysts, automated ones already running on the agency's worker); the
      // workstreams report only what the review cannot know by itself.
      if (v2) {
        for (const ws of state.workstreams)
          for (const step of ws.steps.filter((x) => x.dependsOn.length === 0)) {
            step.status = step.kind === 'automated' ? 'running' : 'open';
            step.openedAt = startedAt;
            onStepChanged(ws.agency, step);
          }
      }
      await Promise.all(
        handles.map(async (h) => {
          const result = await h.result();
          // A workstream no longer signals its completion: its result says it. The result's steps
          // are merged too: a step settled while the child was still signalling an earlier change
          // reaches the parent only here (the child ends as soon as every step is settled).
          if (v2)
            mergeProgress({ agency: result.agency, status: 'completed', steps: result.steps });
          const ws = state.workstreams.find((w) => w.agency === result.agency);
          if (ws) ws.status = 'completed';
          results.push(result);
        }),
      );
    });
    all.catch((err) => {
      failure = err;
    });
    try {
      await condition(
        () =>
          results.length === protocol.workstreams.length || windowEnded || failure !== undefined,
      );
    } catch (err) {
      // Withdrawn: wait until every child has acknowledged its cancellation, so nothing is left running.
      await all.catch(() => undefined);
      throw err;
    }
    if (results.length === protocol.workstreams.length) return results;
    if (failure !== undefined && !isCancellation(failure)) throw failure;
    scope.cancel();
    await all.catch(() => undefined);
    return undefined;
  };

  // ---- main: run the stages; withdrawal cancels them ---------------------------------------
  let withdrawal: { by: string; reason?: string } | undefined;
  const main = new CancellationScope();
  setHandler(
    withdrawUpdate,
    async ({ actor, reason }) => {
      withdrawal = { by: actor.id, reason };
      main.cancel();
      await condition(() => state.status === 'closed');
      await projected(state.seq);
      return state;
    },
    {
      validator: ({ actor }) => {
        requireOpen();
        requireActor(actor);
      },
    },
  );

  let outcome: ClosureReason | 'roll';
  try {
    outcome = await main.run(runStages);
  } catch (err) {
    if (err instanceof RollOver) outcome = 'roll';
    else if (isCancellation(err) && withdrawal) outcome = 'withdrawn';
    else throw err;
  }
  if (outcome === 'roll') {
    // Finish what is in flight, project everything, then carry the whole state into a new run.
    await condition(() => allHandlersFinished() || withdrawal !== undefined);
    if (!withdrawal) {
      rolling = true;
      await condition(() => outbox.length === 0 && projectedSeq === state.seq);
      log.info('review continues as new', {
        reviewId: input.reviewId,
        events: workflowInfo().historyLength,
      });
      return continueAsNew<typeof reviewWorkflow>({
        ...input,
        nonBusinessDates: cal.nonBusinessDates,
        resume: { state, findings, decisions, run: (resumed?.run ?? 1) + 1 },
      });
    }
    outcome = 'withdrawn';
  }
  if (outcome === 'withdrawn') close('withdrawn', withdrawal!.by, withdrawal!.reason);
  else if (outcome === 'completed') close('completed', 'system');
  else close(outcome, 'system');
  log.info('review closed', { reviewId: input.reviewId, closure: outcome });

  await condition(allHandlersFinished);
  finished = true;
  await Promise.all([projector, timers]);
  return state;
}
