import type { DataSource } from 'typeorm';
import type { Protocol } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewState } from '../../libs/domain/src/review/review.types';
import { acceptIntakeUpdate } from '../../workflows/definitions';
import { ProtocolFactory, secondsClock } from '../support/factories';
import { waitForState, type ReviewHandle } from '../support/reviews';

/**
 * Shared by the outage tests: automated reviews whose only human act is accepting the intake,
 * with a completeness-check deadline of `intakeSeconds` that a test lets pass during an outage.
 */
export function intakeDeadlineProtocol(intakeSeconds: number): Protocol {
  return ProtocolFactory.defaultShape()
    .withoutStage('designation')
    .allAutomated()
    .withStageClock('intake', secondsClock(intakeSeconds))
    .build();
}

/** Resolves once the review's intake deadline has been missed. */
export function intakeMissed(handle: ReviewHandle): Promise<ReviewState> {
  return waitForState(
    handle,
    (s) => s.deadlines.some((d) => d.id === 'intake' && d.status === 'missed'),
    'the missed intake deadline',
    90_000,
  );
}

/** How often the missed intake deadline fired in a closed review: in its state and its timeline. */
export async function intakeMisses(
  db: DataSource,
  state: ReviewState,
): Promise<{ escalations: number; missedEvents: number }> {
  const [{ n }] = await db.query(
    `SELECT count(*)::int AS n FROM review_events
     WHERE review_id = $1 AND type = 'deadline_missed' AND details->>'deadlineId' = 'intake'`,
    [state.reviewId],
  );
  return {
    escalations: state.escalations.filter((e) => e.trigger === 'missed_deadline').length,
    missedEvents: n,
  };
}

/** Accept the intake late; the automated assessment then runs the review to closure. */
export async function acceptAndFinish(handle: ReviewHandle): Promise<ReviewState> {
  await handle.executeUpdate(acceptIntakeUpdate, {
    args: [{ actor: { id: 'coordinator@example.gov' }, reason: 'accepted late' }],
  });
  return handle.result();
}
