import type { ReviewEntity } from '@engine/persistence';
import type { ReviewState } from '@engine/domain/review/review.types';
import type { StuckReasonDto, SuggestedActionDto } from './dtos/stuck.dto';

export const suggest = (
  action: string,
  command: string,
  explanation: string,
): SuggestedActionDto => ({
  action,
  command,
  explanation,
});

/**
 * Why the read model says a review is stuck: failed steps, stalled steps, escalations nobody
 * acknowledged (climbed, exhausted or older than the grace period, and no operator escalated
 * since), and no change for too long. Pure: `now` and the thresholds come in.
 */
export function readModelReasons(
  row: Pick<ReviewEntity, 'id' | 'updatedAt'>,
  state: ReviewState,
  now: number,
  noProgressMs: number,
  graceMs: number,
): StuckReasonDto[] {
  const id = row.id;
  const reasons: StuckReasonDto[] = [];
  for (const ws of state.workstreams) {
    for (const s of ws.steps) {
      const base = { workflowId: ws.workflowId, agency: ws.agency, stepId: s.stepId };
      if (s.status === 'failed') {
        reasons.push({
          ...base,
          kind: 'step_failed',
          detail: `${ws.agency}: ${s.title} failed: ${s.failure ?? 'unknown error'}`,
          lastFailure: s.failure,
          suggested: suggest(
            'retry',
            `reviewctl retry ${id} --agency ${ws.agency} --step ${s.stepId} --reason "…"`,
            'Retry once the agency worker is fixed, reassign it, or skip it with a justification (two operators)',
          ),
        });
      } else if (s.stalled && s.status === 'running') {
        reasons.push({
          ...base,
          kind: 'no_poller',
          detail: s.failure ?? `no worker picked up ${s.title}`,
          suggested: suggest(
            'reassign',
            `reviewctl reassign ${id} --agency ${ws.agency} --step ${s.stepId} --to-agency <agency> --reason "…"`,
            "Start the agency's worker, or reassign the step to an agency whose worker runs it",
          ),
        });
      }
    }
  }
  for (const e of state.escalations) {
    if (e.status === 'acknowledged') continue;
    const lastMove = e.history[e.history.length - 1]?.atMs ?? e.raisedAtMs;
    const climbed = e.history.length > 1;
    const stale = now - e.raisedAtMs > graceMs;
    // An operator forcing an escalation after this one last moved is attending to it.
    const attended = state.escalations.some(
      (x) => x !== e && x.trigger === 'manual' && x.raisedAtMs >= lastMove,
    );
    if ((e.status === 'exhausted' || climbed || stale) && !attended) {
      reasons.push({
        kind: 'escalation_ignored',
        detail: `escalation ${e.id} (${e.subject}) is ${e.status} at ${e.levelName} and nobody acknowledged it${climbed ? ` (climbed ${e.history.length - 1} level(s))` : ''}`,
        escalationId: e.id,
        suggested: suggest(
          'escalate',
          `reviewctl escalate ${id} --level <higher level> --subject "…" --reason "…"`,
          'Force the escalation to a higher level, or have the level acknowledge it',
        ),
      });
    }
  }
  if (now - row.updatedAt.getTime() > noProgressMs) {
    reasons.push({
      kind: 'no_progress',
      detail: `nothing changed since ${row.updatedAt.toISOString()}`,
      suggested: suggest(
        'rebuild',
        `reviewctl rebuild ${id} --reason "…"`,
        'Check the review; rebuild the read model if it lags behind the workflow',
      ),
    });
  }
  return reasons;
}
