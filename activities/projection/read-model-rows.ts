import type { ReviewChildRows } from '../../libs/persistence/src/entities';
import type { ReviewState } from '../../libs/domain/src/review/review.types';

/**
 * Instants in the state are epoch milliseconds; a clock that has not started has an infinite due
 * date, which arrives here as `null` (JSON has no Infinity) and is stored as NULL.
 */
const at = (ms: number | null | undefined): Date | null =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms) : null;
const date = (iso: string | undefined): Date | null => (iso ? new Date(iso) : null);

/** Map a review state to the rows of every child table (pure; order is kept in `position`). */
export function readModelRows(state: ReviewState, lastSeq: number): ReviewChildRows {
  const reviewId = state.reviewId;
  const dueOf = new Map(state.deadlines.map((d) => [d.id, at(d.dueMs)]));
  const rows: ReviewChildRows = {
    workstreams: [],
    steps: [],
    findings: [],
    deadlines: [],
    extensions: [],
    clockStops: [],
    escalations: [],
  };
  state.workstreams.forEach((ws, wsPos) => {
    rows.workstreams.push({
      reviewId,
      agency: ws.agency,
      position: wsPos,
      role: ws.role,
      workflowId: ws.workflowId,
      status: ws.status,
      lastSeq,
    });
    ws.steps.forEach((step, stepPos) => {
      rows.steps.push({
        reviewId,
        agency: ws.agency,
        stepId: step.stepId,
        position: stepPos,
        title: step.title,
        kind: step.kind,
        status: step.status,
        domain: step.domain,
        dependsOn: step.dependsOn ?? [],
        riskLevel: step.finding?.riskLevel ?? null,
        dueAt: dueOf.get(`step:${ws.agency}:${step.stepId}`) ?? null,
        openedAt: date(step.openedAt),
        completedAt: date(step.completedAt),
        failure: step.failure ?? null,
        attempts: step.attempts ?? null,
        stalled: step.stalled ?? false,
        lastSeq,
      });
      const f = step.finding;
      if (!f) return;
      rows.findings.push({
        reviewId,
        agency: ws.agency,
        stepId: step.stepId,
        domain: f.domain,
        riskLevel: f.riskLevel,
        summary: f.summary,
        rationale: f.rationale ?? null,
        marking: f.marking,
        reference: f.reference ?? null,
        metrics: f.metrics ?? null,
        // Metadata only: inline artifact content stays in the workflow state, not in list tables.
        artifacts: (f.artifacts ?? []).map(({ contentBase64: _content, ...meta }) => ({ ...meta })),
        submittedBy: f.submittedBy,
        submittedAt: new Date(f.submittedAt),
        lastSeq,
      });
    });
  });
  state.deadlines.forEach((d, dPos) => {
    rows.deadlines.push({
      reviewId,
      deadlineId: d.id,
      position: dPos,
      label: d.label,
      kind: d.kind,
      agency: d.agency ?? null,
      stepId: d.stepId ?? null,
      basisAt: new Date(d.basisMs),
      clock: { ...d.clock },
      capAt: at(d.capMs),
      dueAt: at(d.dueMs),
      status: d.status,
      remindedAt: at(d.remindedAtMs),
      closedAt: at(d.closedAtMs),
      lastSeq,
    });
    (d.extensions ?? []).forEach((x, xPos) =>
      rows.extensions.push({
        reviewId,
        deadlineId: d.id,
        extensionId: x.id,
        position: xPos,
        clock: { ...x.clock },
        justification: x.justification,
        requestedBy: x.requestedBy,
        requestedAt: new Date(x.requestedAt),
        status: x.status,
        decidedBy: x.decidedBy ?? null,
        decisionReason: x.decisionReason ?? null,
        decidedAt: date(x.decidedAt),
        lastSeq,
      }),
    );
    (d.stops ?? []).forEach((s, sPos) =>
      rows.clockStops.push({
        reviewId,
        deadlineId: d.id,
        position: sPos,
        reasonCode: s.reasonCode,
        fromAt: new Date(s.fromMs),
        toAt: at(s.toMs),
        stoppedBy: s.by,
        lastSeq,
      }),
    );
  });
  state.escalations.forEach((e, ePos) =>
    rows.escalations.push({
      reviewId,
      escalationId: e.id,
      position: ePos,
      trigger: e.trigger,
      subject: e.subject,
      level: e.level,
      levelName: e.levelName,
      raisedAt: new Date(e.raisedAtMs),
      dueAt: at(e.dueMs),
      status: e.status,
      acknowledgedBy: e.acknowledgedBy ?? null,
      acknowledgedAt: at(e.acknowledgedAtMs),
      history: e.history ?? [],
      lastSeq,
    }),
  );
  return rows;
}
